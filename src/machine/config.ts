// What a Machine is assembled from: the parts of QEMU's command line that
// describe the VM itself (softmmu/vl.c). Monitors and chardevs are the
// monitor layer's (src/monitor/chardev.ts).

export interface MachineConfig {
  /** -machine type (pc, q35, none...) */
  machineType: string;
  /** -machine accel= / -accel / -enable-kvm, in preference order */
  accel: string[];
  name?: string;
  uuid?: string;
  /** -S */
  startPaused: boolean;
  /** -no-shutdown (-action shutdown=pause) */
  noShutdown: boolean;
  /** -no-reboot (-action reboot=shutdown) */
  noReboot: boolean;
  /** -incoming URI ("defer" included) */
  incoming?: string;
  /** -object iothread,id=X */
  iothreads: { id: string; pollMaxNs?: number; pollGrow?: number; pollShrink?: number; aioMaxBatch?: number }[];
  /** -drive / -blockdev / -device, raw text in command-line order */
  drives: string[];
  blockdevs: string[];
  devices: string[];
  nodefaults: boolean;
  smp: number;
  memoryMiB: number;
  /** -cpu MODEL (the part before the first comma); x86's default is qemu64 */
  cpuModel: string;
  /** false with -no-acpi / -machine acpi=off: the guest sees no ACPI power button */
  acpi: boolean;
  /** simulation: scheduler seed and clock kind */
  seed: number;
  clock: 'real' | 'virtual';
  /** directories image files may live in (block/file) */
  imageDirs: string[];
}

export function defaultMachineConfig(): MachineConfig {
  return {
    machineType: 'pc',
    accel: ['tcg'],
    startPaused: false,
    noShutdown: false,
    noReboot: false,
    iothreads: [],
    drives: [],
    blockdevs: [],
    devices: [],
    nodefaults: false,
    smp: 1,
    memoryMiB: 128,
    cpuModel: 'qemu64',
    acpi: true,
    seed: 0,
    clock: 'real',
    imageDirs: [process.cwd()],
  };
}
