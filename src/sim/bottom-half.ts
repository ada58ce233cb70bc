// Bottom halves (util/async.c): a callback a context runs later, in its own
// thread, from aio_poll. Scheduling is idempotent while pending and always
// notifies the context; a BH never runs inside the call that schedules it.

import type { AioContext } from './aio-context.js';

export const BH_PENDING = 1;
export const BH_SCHEDULED = 2;
export const BH_DELETED = 4;
export const BH_ONESHOT = 8;
export const BH_IDLE = 16;

export class QEMUBH {
  /** @internal flag bits, owned by the context */
  flags = 0;

  constructor(
    readonly ctx: AioContext,
    private readonly cb: () => void,
    readonly name: string,
  ) {}

  /** qemu_bh_schedule */
  schedule(): void {
    this.ctx._bhEnqueue(this, BH_SCHEDULED);
  }

  /** qemu_bh_schedule_idle: runs eventually; does not count as progress. */
  scheduleIdle(): void {
    this.ctx._bhEnqueue(this, BH_SCHEDULED | BH_IDLE);
  }

  /** qemu_bh_cancel: stays queued but will not run. */
  cancel(): void {
    this.flags &= ~BH_SCHEDULED;
  }

  /** qemu_bh_delete: never runs again; freed when dequeued. */
  delete(): void {
    this.ctx._bhEnqueue(this, BH_DELETED);
  }

  get scheduled(): boolean {
    return (this.flags & (BH_SCHEDULED | BH_DELETED)) === BH_SCHEDULED;
  }

  /** @internal aio_bh_call */
  _call(): void {
    this.cb();
  }
}
