// The main loop (util/main-loop.c main_loop_wait, softmmu/runstate.c
// qemu_main_loop): the main thread polls qemu_aio_context and the iohandler
// context (chardevs, monitors) GSource-style, then runs the run-state
// requests (the should-exit hook), over and over:
//
//   iteration = [should_exit hook] [afterIteration callbacks] [wait + dispatch]
//
// afterIteration(cb) runs cb right after the should-exit phase that follows
// the current dispatch: a monitor that runs a command from an iohandler BH
// and answers via afterIteration sends its reply after the RESET / POWERDOWN
// / SHUTDOWN the command requested, as stable 7.2.x does (reference §1.8).
// While nothing is ready the main thread is parked on the contexts'
// notifiers: an idle VM costs nothing.

import { AioContext, AioEnv, AioHandler } from './aio-context.js';
import type { SimThread } from './sim-thread.js';

/** Returns an exit status to leave the loop, undefined to go on. */
export type ShouldExitHook = () => number | undefined;

export class MainLoop {
  /** qemu_aio_context: block layer, BHs of the main thread */
  readonly aioContext: AioContext;
  /** iohandler_ctx: monitor dispatch, chardev handlers (home: main thread) */
  readonly iohandlerContext: AioContext;

  private shouldExit?: ShouldExitHook;
  private afterQueue: (() => void)[] = [];
  private readonly exitListeners: ((status: number) => void)[] = [];
  private started = false;
  private exitStatus: number | undefined;
  private iterationCount = 0;
  private inIteration = false;

  constructor(
    private readonly env: AioEnv,
    readonly thread: SimThread,
  ) {
    this.aioContext = new AioContext(env, 'main', thread);
    this.iohandlerContext = new AioContext(env, 'iohandler', thread);
  }

  /** Completed iterations. */
  get iterations(): number {
    return this.iterationCount;
  }

  get exited(): boolean {
    return this.exitStatus !== undefined;
  }

  get status(): number | undefined {
    return this.exitStatus;
  }

  /** main_loop_should_exit, installed by the run-state layer. */
  setShouldExit(hook: ShouldExitHook): void {
    this.shouldExit = hook;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.thread.post(() => this.iterate(), 'main_loop: should_exit');
  }

  /** qemu_notify_event: wake the main loop. */
  notify(): void {
    this.aioContext.notify();
  }

  /** Run fn in the main loop, as a bottom half of the iohandler context
   * (where 7.2.x runs monitor commands). */
  runInMainLoop(fn: () => void, name = 'main-loop-bh'): void {
    this.iohandlerContext.bhScheduleOneshot(fn, name);
  }

  /** Run cb once the main loop has serviced its run-state requests after
   * the current (or, from outside the loop, the next) wait. After exit: cb
   * runs as a step of the main thread. */
  afterIteration(cb: () => void): void {
    if (this.exited) {
      this.thread.post(cb, 'after-exit callback');
      return;
    }
    this.afterQueue.push(cb);
    if (!this.inIteration) this.notify();
  }

  /** fn(status) once the loop has exited (after the last afterIteration callbacks). */
  onExit(fn: (status: number) => void): () => void {
    this.exitListeners.push(fn);
    return () => {
      const i = this.exitListeners.indexOf(fn);
      if (i >= 0) this.exitListeners.splice(i, 1);
    };
  }

  private iterate(): void {
    this.inIteration = true;
    const status = this.guard('should_exit', () => this.shouldExit?.());
    for (const cb of this.afterQueue.splice(0)) this.guard('afterIteration callback', cb);
    this.iterationCount++;
    if (status !== undefined) {
      this.inIteration = false;
      this.exitStatus = status;
      for (const fn of [...this.exitListeners]) fn(status);
      return;
    }
    this.waitBegin();
  }

  private contexts(): AioContext[] {
    return [this.aioContext, this.iohandlerContext];
  }

  // main_loop_wait: GSource prepare (notify_me |= 1), poll, check, dispatch
  private waitBegin(): void {
    let timeout = -1;
    for (const ctx of this.contexts()) {
      ctx.notifyMe |= 1;
      const t = ctx.notified ? 0 : ctx.computeTimeoutNs();
      if (t >= 0 && (timeout < 0 || t < timeout)) timeout = t;
    }
    const waitSet = this.contexts().flatMap((ctx) => ctx.enabledHandlers().map((h) => ({ ctx, h })));
    this.inIteration = false;
    const dispatch = () => this.dispatch(waitSet);
    if (timeout === 0 || waitSet.some((e) => e.h.notifier.isSet())) {
      this.thread.post(dispatch, 'main_loop_wait: dispatch');
      return;
    }
    const deadline = timeout > 0 ? this.aioContext.nowNs() + timeout : undefined;
    this.thread.post(() => {
      this.thread.park(
        waitSet.map((e) => e.h.notifier),
        deadline,
        dispatch,
        'main_loop_wait',
      );
    }, 'main_loop_wait: poll');
  }

  private dispatch(waitSet: { ctx: AioContext; h: AioHandler }[]): void {
    this.inIteration = true;
    for (const ctx of this.contexts()) {
      ctx.notifyMe &= ~1;
      ctx.notifyAccept(); // GSource check runs in the home thread
    }
    for (const ctx of this.contexts()) {
      const ready = waitSet.filter((e) => e.ctx === ctx && e.h.notifier.isSet()).map((e) => e.h);
      this.guard(`${ctx.name} bottom halves`, () => ctx.bhPoll());
      this.guard(`${ctx.name} handlers`, () => ctx.dispatchHandlers(ready));
      this.guard(`${ctx.name} timers`, () => ctx.runTimers());
    }
    this.thread.post(() => this.iterate(), 'main_loop: should_exit');
  }

  /** A callback that throws is a model bug: log it, keep the loop alive. */
  private guard<T>(what: string, fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      this.env.log(`main loop: ${what} failed: ${(e as Error)?.stack ?? String(e)}`);
      return undefined;
    }
  }
}
