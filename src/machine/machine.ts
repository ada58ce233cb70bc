// One VM assembled from its command line (softmmu/vl.c, hw/core/machine.c):
// owns its sim kernel, run-state controller, event bus, block graph and
// migration state. Many Machines may live in one process.

import { chooseAccel, kvmUsable } from './accel.js';
import type { MachineConfig } from './config.js';
import { VersionInfo } from './version.js';
import { MigrationState } from './migration.js';
import type { BlockGraph } from '../block/block-graph.js';
import { buildBlockGraph } from './block-setup.js';
import { EventBus } from '../system/qapi-event.js';
import { SimKernel } from '../sim/kernel.js';
import { VmRunState, StatusInfo } from '../system/vm-runstate.js';
import { MachineHw } from '../hw/machine-hw.js';
import { hwBlockGraph } from '../hw/block/block-graph-port.js';
import { JobRegistry } from '../jobs/job-registry.js';

export interface MachineEnv {
  version: VersionInfo;
  log: (msg: string) => void;
  /** drive the kernel from Node's event loop (a server); in-process tests step it themselves */
  live?: boolean;
  /** an event bus made before the machine (the server's monitors subscribe early);
   * its clock must read this machine's kernel (see EventBus.setClock) */
  events?: EventBus;
}

export class Machine {
  readonly events: EventBus;
  readonly block: BlockGraph;
  /** block jobs and other jobs (job.c's list), beside the block graph */
  readonly jobs: JobRegistry;
  /** The chardevs the front layer opened (query-chardev); set by whoever serves the monitors. */
  chardevs: () => { label: string; filename: string; 'frontend-open': boolean }[] = () => [];
  readonly migration: MigrationState;
  readonly version: VersionInfo;
  readonly kernel: SimKernel;
  readonly runState: VmRunState;
  /** the qdev tree, device_add/del and the simulated guest (src/hw/) */
  readonly devices: MachineHw;

  constructor(
    readonly config: MachineConfig,
    readonly env: MachineEnv,
  ) {
    this.version = env.version;
    this.kernel = new SimKernel({ seed: config.seed, clock: config.clock, live: env.live ?? true, log: env.log });
    this.events = env.events ?? new EventBus(() => this.kernel.wallTime());
    this.events.setClock(() => this.kernel.wallTime());
    this.runState = new VmRunState(this.kernel, this.events, {
      startPaused: config.startPaused,
      noShutdown: config.noShutdown,
      noReboot: config.noReboot,
      incoming: config.incoming,
      log: env.log,
    });
    for (const t of config.iothreads) {
      this.kernel.addIothread(t.id, {
        ...(t.pollMaxNs !== undefined && { pollMaxNs: t.pollMaxNs }),
        ...(t.pollGrow !== undefined && { pollGrow: t.pollGrow }),
        ...(t.pollShrink !== undefined && { pollShrink: t.pollShrink }),
        ...(t.aioMaxBatch !== undefined && { aioMaxBatch: t.aioMaxBatch }),
      });
    }
    // vl.c configure_blockdev: throws QEMU's "-drive ...: desc" error text
    try {
      this.block = buildBlockGraph(
        { kernel: this.kernel, vm: this.runState, events: this.events, policy: { allowed: config.imageDirs }, log: env.log, warn: env.log },
        config,
      );
    } catch (e) {
      this.kernel.dispose();
      throw e;
    }
    this.jobs = new JobRegistry({ kernel: this.kernel, events: this.events, log: env.log, iostatusResetHook: this.runState.hooks.iostatusReset, exitHook: this.runState.hooks.exit });
    // pc_init's if=ide front ends, then -device, then if=virtio (src/hw/machine-hw.ts)
    this.devices = new MachineHw({ kernel: this.kernel, vm: this.runState, events: this.events, block: hwBlockGraph(this.block), log: env.log }, { nodefaults: config.nodefaults, acpi: config.acpi });
    this.block.findDevice = (id) => this.devices.findDevice(id);
    try {
      this.devices.createCmdlineDevices(config.devices);
    } catch (e) {
      this.kernel.dispose();
      throw e;
    }
    this.migration = new MigrationState(this.events, config.incoming === 'defer', () => this.queryStatus().status === 'inmigrate');
  }

  get name(): string | undefined {
    return this.config.name;
  }

  get uuid(): string {
    return this.config.uuid ?? '00000000-0000-0000-0000-000000000000';
  }

  /** KVM is "enabled" when it initialised: first in the accel list and /dev/kvm usable (src/machine/accel.ts). */
  get kvmEnabled(): boolean {
    this.accelChoice ??= chooseAccel(this.config.accel, kvmUsable()).accel;
    return this.accelChoice === 'kvm';
  }
  private accelChoice: string | null | undefined;

  get seed(): number {
    return this.config.seed;
  }

  get clockKind(): 'real' | 'virtual' {
    return this.config.clock;
  }

  /** The dispatcher's view of the main loop (monitor commands run from the iohandler context). */
  readonly loop = {
    runInMainLoop: (fn: () => void) => this.kernel.mainLoop.runInMainLoop(fn, 'monitor dispatch'),
    afterMainLoopIteration: (fn: () => void) => this.kernel.mainLoop.afterIteration(fn),
  };

  nowNs(): number {
    return this.kernel.nowNs();
  }

  advanceClock(ns: number): void {
    this.kernel.advance(ns);
  }

  /** Machine init done: the main loop starts; without -S the VM runs. */
  start(): void {
    this.runState.machineInitDone();
  }

  destroy(): void {
    this.kernel.dispose();
  }

  /** fn once the main loop exited (quit, shutdown without -no-shutdown, host signal). */
  onExit(fn: (status: number) => void): void {
    this.runState.onExit(fn);
  }

  queryStatus(): StatusInfo {
    return this.runState.queryStatus();
  }

  qmpStop(): void {
    this.runState.qmpStop();
  }

  qmpCont(): void {
    this.runState.qmpCont();
  }

  qmpSystemReset(): void {
    this.runState.qmpSystemReset();
  }

  qmpSystemPowerdown(): void {
    this.runState.qmpSystemPowerdown();
  }

  qmpSystemWakeup(): void {
    this.runState.qmpSystemWakeup();
  }

  qmpQuit(): void {
    this.runState.qmpQuit();
  }

  /** SIGTERM/SIGINT/SIGHUP */
  hostSignal(): void {
    this.runState.hostSignal();
  }
}
