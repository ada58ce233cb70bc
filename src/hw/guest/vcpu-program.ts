// Guest code as a generator running on a vCPU thread. It yields what it
// waits for: time passing (the vCPU busy or halted), a disk command's
// interrupt, or work for the OS. A step runs only while the vCPUs run
// (pause_all_vcpus stalls it until resume_all_vcpus); a reset abandons it.

import { EventNotifier } from '../../sim/event-notifier.js';
import type { SimKernel } from '../../sim/kernel.js';
import type { SimThread } from '../../sim/sim-thread.js';
import type { GuestDisk, GuestIo, GuestIoResult } from './guest-disk.js';

export type GuestWait =
  | { kind: 'delay'; ns: number }
  | { kind: 'io'; disk: GuestDisk; io: GuestIo }
  | { kind: 'work' };

export type GuestProgram = Generator<GuestWait, void, unknown>;

export function delay(ns: number): GuestWait {
  return { kind: 'delay', ns };
}

export function diskIo(disk: GuestDisk, io: GuestIo): GuestWait {
  return { kind: 'io', disk, io };
}

/** The vCPUs' run gate: open while the VM runs and the vCPUs are resumed. */
export class VcpuGate {
  private paused = true;
  readonly resumed = new EventNotifier('vcpu-resume');

  constructor(private readonly isRunning: () => boolean) {}

  pause(): void {
    this.paused = true;
    this.resumed.testAndClear();
  }

  /** resume_all_vcpus: CPUs only run when the run state is running (cpu_can_run). */
  resume(): void {
    if (!this.isRunning()) return;
    this.paused = false;
    this.resumed.set();
  }

  get open(): boolean {
    return !this.paused && this.isRunning();
  }
}

/** Runs one program on a vCPU thread until it returns or is abandoned. */
export class VcpuRunner {
  private current = 0;
  /** work items for a program waiting in { kind: 'work' } */
  private readonly work = new EventNotifier('guest-work');

  constructor(
    private readonly kernel: SimKernel,
    private readonly vcpu: SimThread,
    private readonly gate: VcpuGate,
    private readonly log: (msg: string) => void,
  ) {}

  /** Abandon the running program and start `program` (it first waits for the gate). */
  start(program: GuestProgram, name: string): void {
    const token = ++this.current;
    this.vcpu.post(() => this.whenRunnable(token, () => this.step(token, program, undefined, name)), `${name} start`);
  }

  /** Abandon the running program. */
  stop(): void {
    this.current++;
  }

  /** Wake a program waiting for work. */
  notifyWork(): void {
    this.work.set();
  }

  private whenRunnable(token: number, fn: () => void): void {
    if (token !== this.current) return;
    if (this.gate.open) {
      fn();
      return;
    }
    this.vcpu.park([this.gate.resumed], undefined, () => this.whenRunnable(token, fn), 'vcpu paused');
  }

  private resumeLater(token: number, fn: () => void, label: string): void {
    this.vcpu.post(() => this.whenRunnable(token, fn), label);
  }

  private step(token: number, program: GuestProgram, value: unknown, name: string): void {
    if (token !== this.current) return;
    let r: IteratorResult<GuestWait, void>;
    try {
      r = program.next(value);
    } catch (e) {
      this.log(`guest: ${name} failed: ${(e as Error)?.stack ?? String(e)}`);
      return;
    }
    if (r.done) return;
    const wait = r.value;
    const next = (v: unknown) => this.resumeLater(token, () => this.step(token, program, v, name), name);
    switch (wait.kind) {
      case 'delay':
        this.kernel.sched.addTimer(this.kernel.nowNs() + Math.max(0, wait.ns), () => next(undefined), `${name} delay`);
        return;
      case 'io': {
        let fired = false;
        wait.disk.submit(wait.io, (res: GuestIoResult) => {
          if (fired) return;
          fired = true;
          next(res); // the interrupt: handled on the vCPU when it runs
        });
        return;
      }
      case 'work':
        this.work.testAndClear();
        this.vcpu.park([this.work], undefined, () => this.whenRunnable(token, () => this.step(token, program, undefined, name)), `${name} idle`);
        return;
    }
  }
}
