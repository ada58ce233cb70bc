// -object iothread (iothread.c): a thread running its own AioContext,
// `while (!stopping) aio_poll(ctx, true)`. The poll is split into steps —
// announce the wait (notify_me), enter ppoll, dispatch — so the scheduler can
// interleave other threads in the window between announcing and blocking.

import { AioContext, AioEnv } from './aio-context.js';
import type { SimThread } from './sim-thread.js';

/** The properties query-iothreads reports (qapi/misc.json IOThreadInfo). */
export interface IOThreadProps {
  pollMaxNs: number;
  pollGrow: number;
  pollShrink: number;
  aioMaxBatch: number;
}

export const IOTHREAD_DEFAULTS: Readonly<IOThreadProps> = { pollMaxNs: 32768, pollGrow: 0, pollShrink: 0, aioMaxBatch: 0 };

export class IOThread {
  readonly ctx: AioContext;
  readonly props: IOThreadProps;
  private stopping = false;
  private started = false;
  private stoppedFlag = false;
  private readonly onStopped: (() => void)[] = [];

  constructor(
    env: AioEnv,
    readonly id: string,
    readonly thread: SimThread,
    props: Partial<IOThreadProps> = {},
  ) {
    this.ctx = new AioContext(env, `iothread:${id}`, thread);
    this.props = { ...IOTHREAD_DEFAULTS, ...props };
  }

  get threadId(): number {
    return this.thread.threadId;
  }

  get stopped(): boolean {
    return this.stoppedFlag;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.thread.post(() => this.loop(), 'iothread_run');
  }

  /** iothread_stop: ask the loop to exit; `done` runs once it has. */
  stop(done?: () => void): void {
    if (done) {
      if (this.stoppedFlag) done();
      else this.onStopped.push(done);
    }
    if (this.stopping) return;
    this.stopping = true;
    if (!this.started) return this.finish();
    this.ctx.notify();
  }

  private loop(): void {
    if (this.stopping) return this.finish();
    const r = this.ctx.pollBegin(true);
    if (r.timeoutNs === 0) {
      try {
        this.ctx.pollEnd(r);
      } finally {
        this.thread.post(() => this.loop(), 'iothread_run'); // a throwing callback must not kill the thread
      }
      return;
    }
    // the window: notify_me is announced, ppoll not yet entered
    this.thread.post(() => {
      const resume = () => {
        try {
          this.ctx.pollEnd(r);
        } finally {
          this.thread.post(() => this.loop(), 'iothread_run');
        }
      };
      if (this.ctx.pollMustWait(r)) {
        this.thread.park(r.waitSet.map((h) => h.notifier), r.deadlineNs, resume, `aio_poll(${this.ctx.name})`);
      } else {
        resume();
      }
    }, 'ppoll');
  }

  private finish(): void {
    this.stoppedFlag = true;
    for (const fn of this.onStopped.splice(0)) fn();
  }
}
