// A simulated thread: an ordered queue of steps. The scheduler interleaves
// the steps of different threads (seeded); steps of one thread run in the
// order they were posted. A thread blocked in a poll is "parked" on event
// notifiers and/or a deadline and has no runnable step until one fires.

import type { EventNotifier } from './event-notifier.js';
import type { Scheduler } from './scheduler.js';

/** main: the main loop (BQL); iothread: -object iothread; vcpu: guest CPUs;
 * host: the host kernel's side (I/O completing); client: the outside world
 * (monitor clients, test drivers). */
export type ThreadKind = 'main' | 'iothread' | 'vcpu' | 'host' | 'client';

export interface Task {
  readonly seq: number;
  readonly fn: () => void;
  readonly label: string;
}

export class SimThread {
  private queue: Task[] = [];
  private head = 0;
  /** What the thread is blocked on, for hang reports; null when not parked. */
  parkedOn: string | null = null;

  constructor(
    private readonly sched: Scheduler,
    readonly name: string,
    readonly kind: ThreadKind,
    /** A stable number standing in for the host thread id (query-iothreads). */
    readonly threadId: number,
  ) {}

  /** Queue a step on this thread. */
  post(fn: () => void, label = 'task'): void {
    this.sched.post(this, fn, label);
  }

  /** True while one of this thread's steps is running. */
  isCurrent(): boolean {
    return this.sched.currentThread() === this;
  }

  get pendingTasks(): number {
    return this.queue.length - this.head;
  }

  /**
   * Block until one of `notifiers` is set or the clock reaches `deadlineNs`,
   * then post `resume` on this thread. Resumes at once (as a new step) if a
   * notifier is already set. Cheap while blocked: nothing runs.
   */
  park(notifiers: readonly EventNotifier[], deadlineNs: number | undefined, resume: () => void, why: string): void {
    if (notifiers.some((n) => n.isSet()) || (deadlineNs !== undefined && this.sched.clock.nowNs() >= deadlineNs)) {
      this.post(resume, `${why}: ready`);
      return;
    }
    let done = false;
    const offs: (() => void)[] = [];
    let timer: { cancel(): void } | undefined;
    const wake = (how: string) => {
      if (done) return;
      done = true;
      for (const off of offs) off();
      timer?.cancel();
      this.parkedOn = null;
      this.post(resume, `${why}: ${how}`);
    };
    for (const n of notifiers) offs.push(n.onSet(() => wake(`woken by ${n.name}`)));
    if (deadlineNs !== undefined) timer = this.sched.addTimer(deadlineNs, () => wake('timeout'), `${this.name}: ${why}`);
    this.parkedOn = `${why} [${notifiers.map((n) => n.name).join(', ')}${deadlineNs !== undefined ? `; until ${deadlineNs}ns` : ''}]`;
  }

  /** @internal scheduler use */
  _push(t: Task): boolean {
    this.queue.push(t);
    return this.queue.length - this.head === 1;
  }

  /** @internal scheduler use */
  _shift(): Task | undefined {
    if (this.head >= this.queue.length) return undefined;
    const t = this.queue[this.head++];
    if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return t;
  }

  /** @internal scheduler use */
  _headSeq(): number {
    return this.head < this.queue.length ? this.queue[this.head].seq : Infinity;
  }
}
