// Coroutines (util/qemu-coroutine.c, util/async.c aio_co_*) as generators.
// A body yields CoWait functions; each receives a `wake(value)` callback and
// arranges for it to be called later. Re-entry always goes through a
// bottom half of the coroutine's context (aio_co_schedule), so a wake never
// re-enters the body inside the waker's call.
//
//   const co = new Coroutine(ctx, function* () {
//     yield coSleepNs(ctx, 1_000_000);
//     const n: number = yield (wake) => startIo(wake);
//   });
//   co.enter();

import type { AioContext } from './aio-context.js';

/** Arrange for wake(value) to be called; may return a canceller (used when
 * the coroutine is woken early by Coroutine.wake). */
export type CoWait<T = unknown> = (wake: (value: T) => void) => void | (() => void);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CoBody = Generator<CoWait<any>, void, any>;

export type CoroutineState = 'new' | 'running' | 'waiting' | 'scheduled' | 'done';

export class Coroutine {
  private gen?: CoBody;
  private st: CoroutineState = 'new';
  private cancelWait?: () => void;
  private waitToken = 0;
  private readonly doneListeners: ((err?: unknown) => void)[] = [];
  private failure: unknown;

  constructor(
    readonly ctx: AioContext,
    private readonly body: () => CoBody,
    readonly name = 'coroutine',
  ) {}

  get state(): CoroutineState {
    return this.st;
  }

  get done(): boolean {
    return this.st === 'done';
  }

  /** qemu_coroutine_enter: run now, until the body yields or returns. */
  enter(value?: unknown): void {
    if (this.st === 'running') throw new Error(`coroutine '${this.name}' re-entered recursively`);
    if (this.st === 'done') throw new Error(`coroutine '${this.name}' entered after it finished`);
    this.gen ??= this.body();
    // entering a waiting coroutine directly ends its wait (like aio_co_wake)
    this.cancelWait?.();
    this.cancelWait = undefined;
    this.waitToken++;
    this.st = 'running';
    let res: IteratorResult<CoWait<unknown>, void>;
    try {
      res = this.gen.next(value);
    } catch (e) {
      this.finish(e, true);
      return;
    }
    if (res.done) {
      this.finish(undefined, false);
      return;
    }
    this.st = 'waiting';
    const token = this.waitToken;
    const cancel = res.value((v) => {
      if (this.st === 'waiting' && this.waitToken === token) this.schedule(v);
    });
    if (this.st === 'waiting' && this.waitToken === token && typeof cancel === 'function') this.cancelWait = cancel;
  }

  /** aio_co_schedule: enter from a BH of the coroutine's context. */
  schedule(value?: unknown): void {
    if (this.st === 'scheduled' || this.st === 'done') return;
    if (this.st === 'running') throw new Error(`coroutine '${this.name}' scheduled while running`);
    this.cancelWait?.();
    this.cancelWait = undefined;
    this.waitToken++;
    this.st = 'scheduled';
    this.ctx.bhScheduleOneshot(() => this.enter(value), `co:${this.name}`);
  }

  /** aio_co_wake on a waiting coroutine: cut its wait short. No-op otherwise. */
  wake(value?: unknown): void {
    if (this.st === 'waiting') this.schedule(value);
  }

  /** cb(err) once the body returned (err undefined) or threw. */
  onDone(cb: (err?: unknown) => void): void {
    if (this.st === 'done') cb(this.failure);
    else this.doneListeners.push(cb);
  }

  private finish(err: unknown, failed: boolean): void {
    this.st = 'done';
    this.failure = err;
    const ls = this.doneListeners.splice(0);
    for (const cb of ls) cb(err);
    if (failed && ls.length === 0) throw err;
  }
}

/** Sleep on the context's clock (qemu_co_sleep_ns). */
export function coSleepNs(ctx: AioContext, ns: number): CoWait<void> {
  return (wake) => {
    const t = ctx.timerNew(() => wake(undefined), 'co_sleep');
    t.modIn(ns);
    return () => t.del();
  };
}

/** Give the event loop a turn (yield + aio_co_schedule of itself). */
export function coYield(): CoWait<void> {
  return (wake) => wake(undefined);
}
