// The simulated guest of one machine: a vCPU that runs the firmware after
// every reset (power-on included) once the VM runs, and an OS once a disk
// boots (or a test/control client starts one). Everything it does is a
// step of vCPU 0; it stalls while the vCPUs are paused.

import type { SimKernel } from '../../sim/kernel.js';
import type { VmRunState } from '../../system/vm-runstate.js';
import type { AcpiGuestNotify } from '../pci/acpi-pcihp.js';
import type { GuestDisk, GuestIo, GuestIoResult } from './guest-disk.js';
import { ACPI_EJECT_NS, ACPI_POWEROFF_NS, guestOs, type OsJob } from './guest-os.js';
import type { GuestWorkload } from './guest-workload.js';
import { seabios } from './seabios.js';
import { VcpuGate, VcpuRunner } from './vcpu-program.js';

export type GuestPhase = 'firmware' | 'halted' | 'os';

export interface SimGuestEnv {
  kernel: SimKernel;
  vm: VmRunState;
  /** the disks the guest can see, any order */
  disks(): GuestDisk[];
  log(msg: string): void;
  /** false: no ACPI (-no-acpi), the power button reaches nothing */
  acpi?: boolean;
}

export class SimGuest implements AcpiGuestNotify {
  phase: GuestPhase = 'firmware';
  /** firmware console lines since the last reset ("Booting from Hard Disk...") */
  readonly console: string[] = [];
  /** the disk the OS booted from */
  bootDisk: GuestDisk | undefined;
  private readonly gate: VcpuGate;
  private readonly runner: VcpuRunner;
  private readonly jobs: OsJob[] = [];
  private readonly resetListeners = new Set<() => void>();
  /** workloads started by the control channel, by id */
  readonly workloads = new Map<number, GuestWorkload>();
  nextWorkloadId = 1;

  constructor(private readonly env: SimGuestEnv) {
    this.gate = new VcpuGate(() => env.vm.isRunning());
    this.runner = new VcpuRunner(env.kernel, env.kernel.vcpu(0), this.gate, env.log);
    const hooks = env.vm.hooks;
    hooks.pauseAllVcpus.add(() => this.gate.pause());
    hooks.resumeAllVcpus.add(() => this.gate.resume());
    hooks.devicesReset.add(() => this.reset());
    if (env.acpi !== false) hooks.powerdown.add(() => this.acpi(ACPI_POWEROFF_NS, () => env.vm.guestShutdown(), 'acpi power button'));
    this.reset();
  }

  /** CPU reset: back to the reset vector, the firmware runs when the vCPUs do. */
  reset(): void {
    for (const fn of [...this.resetListeners]) fn();
    this.phase = 'firmware';
    this.console.length = 0;
    this.bootDisk = undefined;
    for (const j of this.jobs.splice(0)) if (j.kind === 'io') j.done({ ok: false });
    this.runner.start(
      seabios(() => this.env.disks(), {
        log: (line) => this.console.push(line),
        booted: (disk) => this.startOs(disk),
        halted: () => (this.phase = 'halted'),
      }),
      'seabios',
    );
  }

  /** Called at every CPU reset, before the queued I/O is failed; returns an unsubscribe. */
  onReset(fn: () => void): () => void {
    this.resetListeners.add(fn);
    return () => this.resetListeners.delete(fn);
  }

  /** The OS takes over (a boot sector was accepted, or a client says so). */
  startOs(from?: GuestDisk): void {
    this.phase = 'os';
    this.bootDisk = from;
    this.runner.start(guestOs({ jobs: this.jobs, disks: () => this.env.disks() }), 'guest-os');
  }

  /** Ask the guest OS to do I/O; `done` runs in the device's thread. Throws without an OS. */
  io(disk: GuestDisk, io: GuestIo, done: (r: GuestIoResult) => void): void {
    if (this.phase !== 'os') throw new Error('the guest has no OS running');
    this.jobs.push({ kind: 'io', disk, io, done });
    this.runner.notifyWork();
  }

  /** ACPI GPE for a PCI unplug request: only an OS answers it. */
  pciEjectRequested(_slot: number, eject: () => void): void {
    this.acpi(ACPI_EJECT_NS, eject, 'acpi eject');
  }

  /** An ACPI event the OS handles; its register write is serviced under the BQL (main loop). */
  private acpi(afterNs: number, act: () => void, name: string): void {
    if (this.phase !== 'os') return;
    const k = this.env.kernel;
    this.jobs.push({ kind: 'acpi', afterNs, act: () => k.mainContext.bhScheduleOneshot(act, name) });
    this.runner.notifyWork();
  }
}
