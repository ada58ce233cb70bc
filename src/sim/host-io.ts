// The host side of I/O: a request handed to the host (a file read, an
// io_uring submission) completes after some latency on a host thread, and
// its completion reaches the issuing AioContext as a bottom half, as the
// thread pool and linux-aio completions do (util/thread-pool.c,
// block/linux-aio.c). Latency is perturbed by fault points.

import type { AioContext } from './aio-context.js';
import type { FaultPoints } from './fault-points.js';
import type { Scheduler } from './scheduler.js';
import type { SimThread } from './sim-thread.js';

export class HostIo {
  private next = 0;

  constructor(
    private readonly sched: Scheduler,
    private readonly faults: FaultPoints,
    private readonly threads: readonly SimThread[],
    private readonly pickThread: (n: number) => number,
  ) {}

  /** Deliver `complete` in ctx about latencyNs from now. */
  submit(ctx: AioContext, latencyNs: number, complete: () => void, label = 'host-io'): void {
    let ns = Math.max(0, Math.floor(latencyNs));
    if (this.faults.fires('host.completion.early')) ns = 0;
    else if (this.faults.fires('host.completion.delay')) ns += Math.floor(ns * 9 * this.faults.draw('host.completion.delay')) + 1;
    const thread = this.threads[this.threads.length > 1 ? this.pickThread(this.threads.length) : 0];
    const id = this.next++;
    this.sched.addTimer(this.sched.clock.nowNs() + ns, () => {
      thread.post(() => ctx.bhScheduleOneshot(complete, `${label}#${id} complete`), `${label}#${id} done`);
    }, `${label}#${id}`);
  }
}
