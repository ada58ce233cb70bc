// The seeded scheduler: every concurrent activity of a VM (main loop,
// iothreads, vCPUs, host I/O completions, timers, monitor clients) is a step
// on a SimThread, and this is the only place that decides which step runs
// next. Same seed + same inputs → same order → same bytes.
//
// Running is explicit: runUntilIdle() / advance() for tests and the control
// channel; LiveDriver (live-driver.ts) calls them from Node's event loop.

import { Clock, VirtualClock } from './clock.js';
import { SimHangError, SimLivelockError } from './errors.js';
import { Prng } from './prng.js';
import { SimThread, ThreadKind } from './sim-thread.js';
import { HeapTimer, TimerHeap } from './timer-heap.js';

/** seeded: pick uniformly among threads with a runnable step (the default);
 * fifo: run steps in posting order across threads (predictable unit tests). */
export type SchedulingOrder = 'seeded' | 'fifo';

export interface SchedulerOptions {
  seed?: number;
  clock?: Clock;
  order?: SchedulingOrder;
  /** Watchdog: steps allowed in one run call before SimLivelockError. */
  maxSteps?: number;
  /** Watchdog for one nested wait (waitUntil), default 100000 steps. */
  maxWaitSteps?: number;
  /** First thread id handed out (query-iothreads thread-id). */
  threadIdBase?: number;
}

export interface SchedTimer {
  readonly deadlineNs: number;
  readonly pending: boolean;
  cancel(): void;
}

interface TimerEntry extends HeapTimer {
  onDue: () => void;
  label: string;
  fired: boolean;
}

export interface RunLimits {
  maxSteps?: number;
  /** runUntil: give up once virtual time passes now + maxNs. */
  maxNs?: number;
}

export class Scheduler {
  readonly seed: number;
  readonly clock: Clock;
  readonly order: SchedulingOrder;
  maxSteps: number;
  maxWaitSteps: number;
  /** Where a step's exception goes; unset → it propagates to the run call. */
  onError?: (err: unknown, label: string) => void;

  private readonly prng: Prng;
  private readonly threads: SimThread[] = [];
  private runnable: SimThread[] = [];
  private readonly timers = new TimerHeap<TimerEntry>();
  private current: SimThread | null = null;
  private currentLabel = '';
  private readonly blocked: SimThread[] = [];
  private depth = 0;
  private seq = 0;
  private nextThreadId: number;
  private wakeHook?: () => void;
  private totalSteps = 0;

  constructor(opts: SchedulerOptions = {}) {
    this.seed = opts.seed ?? 0;
    this.clock = opts.clock ?? new VirtualClock();
    this.order = opts.order ?? 'seeded';
    this.maxSteps = opts.maxSteps ?? 5_000_000;
    this.maxWaitSteps = opts.maxWaitSteps ?? 100_000;
    this.nextThreadId = opts.threadIdBase ?? 1000;
    this.prng = new Prng(this.seed).fork('scheduler');
  }

  get steps(): number {
    return this.totalSteps;
  }

  createThread(name: string, kind: ThreadKind): SimThread {
    const t = new SimThread(this, name, kind, this.nextThreadId++);
    this.threads.push(t);
    return t;
  }

  allThreads(): readonly SimThread[] {
    return this.threads;
  }

  /** The thread whose step is running; null outside any step. */
  currentThread(): SimThread | null {
    return this.current;
  }

  /** Label of the running step (diagnostics). */
  currentTaskLabel(): string {
    return this.currentLabel;
  }

  /** The driver's doorbell: called when work appears outside any run. */
  setWakeHook(fn: (() => void) | undefined): void {
    this.wakeHook = fn;
  }

  post(thread: SimThread, fn: () => void, label = 'task'): void {
    if (thread._push({ seq: this.seq++, fn, label })) this.runnable.push(thread);
    if (this.depth === 0) this.wakeHook?.();
  }

  /** Call onDue (kernel code that only posts/wakes) once the clock reaches deadlineNs. */
  addTimer(deadlineNs: number, onDue: () => void, label = 'timer'): SchedTimer {
    const entry: TimerEntry = { deadlineNs: Math.max(0, deadlineNs), seq: this.seq++, cancelled: false, onDue, label, fired: false };
    this.timers.push(entry);
    if (this.depth === 0) this.wakeHook?.();
    const timers = this.timers;
    return {
      deadlineNs: entry.deadlineNs,
      get pending() {
        return !entry.cancelled && !entry.fired;
      },
      cancel: () => {
        if (!entry.fired) timers.cancel(entry);
      },
    };
  }

  nextDeadline(): number | undefined {
    return this.timers.peek()?.deadlineNs;
  }

  get pendingTimers(): number {
    return this.timers.size;
  }

  /** A step could run now (threads blocked in a nested wait excluded). */
  hasRunnable(): boolean {
    return this.runnable.some((t) => !this.blocked.includes(t));
  }

  /** Fire every timer whose deadline has passed; returns how many. */
  releaseDueTimers(): number {
    const now = this.clock.nowNs();
    let n = 0;
    for (let t = this.timers.peek(); t && t.deadlineNs <= now; t = this.timers.peek()) {
      this.timers.pop();
      t.fired = true;
      n++;
      this.guard(t.onDue, t.label);
    }
    return n;
  }

  /** Run one step; false if nothing is runnable. */
  step(): boolean {
    const thread = this.pick();
    if (!thread) return false;
    const task = thread._shift()!;
    if (thread.pendingTasks === 0) this.runnable.splice(this.runnable.indexOf(thread), 1);
    const prev = this.current;
    const prevLabel = this.currentLabel;
    this.current = thread;
    this.currentLabel = task.label;
    this.totalSteps++;
    this.depth++;
    try {
      this.guard(task.fn, `${thread.name}: ${task.label}`);
    } finally {
      this.depth--;
      this.current = prev;
      this.currentLabel = prevLabel;
    }
    return true;
  }

  /** Run steps (and due timers) until nothing is runnable. Returns steps run. */
  runUntilIdle(limits: RunLimits = {}): number {
    this.assertTopLevel('runUntilIdle');
    const budget = limits.maxSteps ?? this.maxSteps;
    let n = 0;
    this.depth++;
    try {
      for (;;) {
        this.releaseDueTimers();
        if (!this.step()) break;
        if (++n > budget) throw new SimLivelockError(`no quiescence after ${budget} steps (last: ${this.lastLabelHint()})`);
      }
    } finally {
      this.depth--;
    }
    return n;
  }

  /** Run at most maxSteps steps (and due timers): one turn of a live driver. */
  runSlice(maxSteps: number): number {
    this.assertTopLevel('runSlice');
    let n = 0;
    this.depth++;
    try {
      this.releaseDueTimers();
      while (n < maxSteps && this.step()) {
        n++;
        this.releaseDueTimers();
      }
    } finally {
      this.depth--;
    }
    return n;
  }

  /** Virtual clock: run to quiescence, then fire timers in deadline order up
   * to now + ns (running to quiescence after each), then stop at now + ns. */
  advance(ns: number, limits: RunLimits = {}): void {
    this.advanceTo(this.clock.nowNs() + Math.max(0, ns), limits);
  }

  advanceTo(targetNs: number, limits: RunLimits = {}): void {
    const clock = this.virtualClock('advance');
    this.runUntilIdle(limits);
    for (let d = this.nextDeadline(); d !== undefined && d <= targetNs; d = this.nextDeadline()) {
      clock.advanceTo(d);
      this.runUntilIdle(limits);
    }
    clock.advanceTo(targetNs);
    this.runUntilIdle(limits);
  }

  /**
   * Run until cond() holds, jumping virtual time to the next timer whenever
   * nothing is runnable. Returns false if the system went quiescent (no step,
   * no timer) or passed maxNs with cond() still false: a hang, for the
   * caller's watchdog to report. Throws SimLivelockError past maxSteps.
   */
  runUntil(cond: () => boolean, limits: RunLimits = {}): boolean {
    this.assertTopLevel('runUntil');
    const budget = limits.maxSteps ?? this.maxSteps;
    const stopAt = limits.maxNs === undefined ? Infinity : this.clock.nowNs() + limits.maxNs;
    let n = 0;
    this.depth++;
    try {
      while (!cond()) {
        this.releaseDueTimers();
        if (this.step()) {
          if (++n > budget) throw new SimLivelockError(`condition not reached after ${budget} steps (last: ${this.lastLabelHint()})`);
          continue;
        }
        const d = this.nextDeadline();
        if (d === undefined || d > stopAt) return cond();
        this.jumpTo(d);
      }
      return true;
    } finally {
      this.depth--;
    }
  }

  /**
   * A blocking wait inside a step (AIO_WAIT_WHILE, a nested aio_poll): runs
   * other threads' steps until cond() holds. The waiting thread (and any
   * outer waiter) is excluded. When nothing can run, the next timer fires
   * early (virtual: time jumps to it; real: it fires before its wall
   * deadline, since a Node step cannot sleep). Nothing left → SimHangError.
   * Nested waits unwind last-in first-out: a thread waiting inside another
   * thread's wait cannot let the outer one resume first. Two threads that
   * each wait for the other (only possible when a non-main thread drains)
   * end in SimLivelockError/SimHangError, never in a silent hang.
   */
  waitUntil(cond: () => boolean, why: string): void {
    const me = this.current;
    if (me) this.blocked.push(me);
    const budget = this.maxWaitSteps;
    let n = 0;
    try {
      while (!cond()) {
        this.releaseDueTimers();
        if (this.step()) {
          if (++n > budget) throw new SimLivelockError(`${why}: no progress after ${budget} steps`);
          continue;
        }
        const d = this.nextDeadline();
        if (d === undefined) throw new SimHangError(`${why}: waiting with nothing left to run`, this.parkedThreads());
        this.jumpTo(d);
      }
    } finally {
      if (me) this.blocked.pop();
    }
  }

  /** "name: what it waits for" for each parked thread (hang reports). */
  parkedThreads(): string[] {
    return this.threads.filter((t) => t.parkedOn !== null).map((t) => `${t.name}: ${t.parkedOn}`);
  }

  /** Nothing runnable and no timer pending. */
  isQuiescent(): boolean {
    return !this.hasRunnable() && this.timers.size === 0;
  }

  private jumpTo(deadline: number): void {
    if (this.clock instanceof VirtualClock) {
      this.clock.advanceTo(deadline);
      this.releaseDueTimers();
      return;
    }
    // real clock: release the earliest timer now, even if early
    const t = this.timers.pop();
    if (t) {
      t.fired = true;
      this.guard(t.onDue, t.label);
    }
  }

  private pick(): SimThread | undefined {
    const cands = this.blocked.length ? this.runnable.filter((t) => !this.blocked.includes(t)) : this.runnable;
    if (cands.length === 0) return undefined;
    if (cands.length === 1) return cands[0];
    if (this.order === 'fifo') {
      let best = cands[0];
      for (const t of cands) if (t._headSeq() < best._headSeq()) best = t;
      return best;
    }
    return cands[this.prng.int(cands.length)];
  }

  private guard(fn: () => void, label: string): void {
    if (!this.onError) {
      fn();
      return;
    }
    try {
      fn();
    } catch (e) {
      this.onError(e, label);
    }
  }

  private virtualClock(what: string): VirtualClock {
    if (!(this.clock instanceof VirtualClock)) throw new Error(`${what}() needs the virtual clock`);
    return this.clock;
  }

  private assertTopLevel(what: string): void {
    if (this.current !== null) throw new Error(`${what}() called from inside a step; use waitUntil()`);
  }

  private lastLabelHint(): string {
    return this.runnable.map((t) => t.name).join(', ') || 'none';
  }
}
