// Runs a Scheduler inside a live Node process (the `serve` command): the
// only place that touches setImmediate/setTimeout. Runnable steps run
// promptly on setImmediate, in slices so socket I/O is never starved.
// Real clock: timers run at their wall deadline (one setTimeout armed for
// the earliest). Virtual clock: runnable steps run to quiescence at once,
// timers wait for Scheduler.advance() (the control channel). Nothing is
// armed while idle: no busy polling.

import type { Scheduler } from './scheduler.js';

export interface LiveDriverOptions {
  /** steps per setImmediate turn (real clock); virtual runs to quiescence */
  sliceSteps?: number;
}

/** wall time one real-clock turn may take before the host event loop runs */
const TURN_BUDGET_NS = 4_000_000;
const STEPS_PER_CHECK = 16;

export class LiveDriver {
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private timeout: ReturnType<typeof setTimeout> | undefined;
  private armedFor: number | undefined;
  private running = false;
  private readonly sliceSteps: number;

  constructor(
    private readonly sched: Scheduler,
    opts: LiveDriverOptions = {},
  ) {
    this.sliceSteps = opts.sliceSteps ?? (sched.clock.kind === 'virtual' ? Number.MAX_SAFE_INTEGER : 2000);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.sched.setWakeHook(() => this.kick());
    this.kick();
  }

  stop(): void {
    this.running = false;
    this.sched.setWakeHook(undefined);
    if (this.immediate) clearImmediate(this.immediate);
    if (this.timeout) clearTimeout(this.timeout);
    this.immediate = this.timeout = this.armedFor = undefined;
  }

  private kick(): void {
    if (!this.running) return;
    if (!this.immediate && this.hasDueWork()) {
      this.immediate = setImmediate(() => this.turn());
    }
    this.armTimer();
  }

  private hasDueWork(): boolean {
    if (this.sched.hasRunnable()) return true;
    const d = this.sched.nextDeadline();
    return this.sched.clock.kind === 'real' && d !== undefined && d <= this.sched.clock.nowNs();
  }

  private turn(): void {
    this.immediate = undefined;
    if (!this.running) return;
    if (this.sched.clock.kind === 'real') {
      // A real-clock turn is bounded in wall time as well as in steps, so a
      // busy model (a mirror copying) never holds the sockets off for long:
      // QEMU's monitor answers while its jobs run.
      const end = this.sched.clock.nowNs() + TURN_BUDGET_NS;
      let left = this.sliceSteps;
      while (left > 0) {
        const n = this.sched.runSlice(Math.min(left, STEPS_PER_CHECK));
        left -= n;
        if (n < STEPS_PER_CHECK || this.sched.clock.nowNs() >= end) break;
      }
    } else {
      this.sched.runSlice(this.sliceSteps);
    }
    this.kick();
  }

  private armTimer(): void {
    if (this.sched.clock.kind !== 'real') return;
    const d = this.sched.nextDeadline();
    if (d === this.armedFor) return;
    if (this.timeout) clearTimeout(this.timeout);
    this.timeout = this.armedFor = undefined;
    if (d === undefined) return;
    const ms = Math.max(0, Math.ceil((d - this.sched.clock.nowNs()) / 1e6));
    this.armedFor = d;
    this.timeout = setTimeout(() => {
      this.timeout = this.armedFor = undefined;
      this.kick();
    }, ms);
    this.timeout.unref();
  }
}
