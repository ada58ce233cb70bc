// AIO_WAIT_WHILE and aio_wait_kick (include/block/aio-wait.h,
// util/aio-wait.c): block the calling thread, polling, until a condition
// clears. In the context's home thread it polls that context; the main
// thread waiting on another thread's context polls the main context and is
// woken by aio_wait_kick() from the thread that made progress.

import type { AioContext } from './aio-context.js';
import { SimThreadError } from './errors.js';
import type { SimThread } from './sim-thread.js';

export class AioWait {
  private waiters = 0;

  constructor(
    private readonly mainCtx: AioContext,
    private readonly currentThread: () => SimThread,
  ) {}

  /** AIO_WAIT_WHILE(ctx, cond) */
  waitWhile(ctx: AioContext, cond: () => boolean): void {
    const cur = this.currentThread();
    this.waiters++;
    try {
      if (cur === ctx.home) {
        while (cond()) ctx.poll(true);
        return;
      }
      if (cur !== this.mainCtx.home) {
        throw new SimThreadError(`AIO_WAIT_WHILE on ${ctx.name} from ${cur.name}: only its home thread or the main thread may wait`);
      }
      while (cond()) this.mainCtx.poll(true);
    } finally {
      this.waiters--;
    }
  }

  /** aio_wait_kick: wake the main thread if it waits in waitWhile. */
  kick(): void {
    if (this.waiters > 0) this.mainCtx.bhScheduleOneshot(() => {}, 'aio_wait_kick');
  }
}
