// QEMUTimer on an AioContext's timer list (util/qemu-timer.c): armed with an
// absolute deadline, run from the context's aio_poll once it has passed.

import type { AioContext } from './aio-context.js';

export class AioTimer {
  /** @internal absolute deadline (ns) while armed, else -1 */
  expireNs = -1;
  /** @internal arming order, breaks deadline ties */
  seq = 0;

  constructor(
    readonly ctx: AioContext,
    private readonly cb: () => void,
    readonly name: string,
  ) {}

  get pending(): boolean {
    return this.expireNs >= 0;
  }

  /** timer_mod_ns: arm (or re-arm) at an absolute time. */
  modNs(deadlineNs: number): void {
    this.ctx._timerMod(this, Math.max(0, Math.floor(deadlineNs)));
  }

  /** Arm `ns` from now. */
  modIn(ns: number): void {
    this.modNs(this.ctx.nowNs() + Math.max(0, ns));
  }

  /** timer_del */
  del(): void {
    this.ctx._timerDel(this);
  }

  /** @internal */
  _fire(): void {
    this.cb();
  }
}
