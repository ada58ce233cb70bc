// The per-BlockBackend side of throttling (block/throttle-groups.c
// throttle_group_co_io_limits_intercept, throttle_group_restart_tgm): a
// read or write waits, in submission order per direction, until its group's
// buckets allow it; a timer in the BB's AioContext lets the next one go.
// While the BB is drained nothing waits.

import type { AioContext } from '../sim/aio-context.js';
import type { AioTimer } from '../sim/aio-timer.js';
import type { BlockRequest } from './block-request.js';
import type { ThrottleGroup } from './throttle.js';

type Dir = 'read' | 'write';

export interface ThrottleQueueHost {
  group(): ThrottleGroup | null;
  ctx(): AioContext;
  nowNs(): number;
  /** throttling is lifted (drained sections) */
  bypass(): boolean;
  label(): string;
}

export class ThrottleQueue {
  private readonly waiting: Record<Dir, Array<() => void>> = { read: [], write: [] };
  private readonly timers: Partial<Record<Dir, AioTimer>> = {};

  constructor(private readonly host: ThrottleQueueHost) {}

  /** Runs `go` now, or once the buckets allow it. */
  intercept(req: BlockRequest, go: () => void): void {
    const tg = this.host.group();
    const dir: Dir | null = req.kind === 'read' ? 'read' : req.kind === 'write' || req.kind === 'write-zeroes' ? 'write' : null;
    if (!tg || !dir || this.host.bypass()) {
      go();
      return;
    }
    const q = this.waiting[dir];
    if (q.length === 0 && tg.computeWait(dir, this.host.nowNs()) === 0) {
      tg.account(dir, req.bytes, this.host.nowNs());
      go();
      return;
    }
    q.push(() => {
      this.host.group()?.account(dir, req.bytes, this.host.nowNs());
      go();
    });
    this.arm(dir);
  }

  /** Every waiting request goes now. */
  restart(): void {
    for (const dir of ['read', 'write'] as const) {
      this.timers[dir]?.del();
      for (const go of this.waiting[dir].splice(0)) go();
    }
  }

  private arm(dir: Dir): void {
    const tg = this.host.group();
    if (!tg || this.waiting[dir].length === 0) return;
    const wait = tg.computeWait(dir, this.host.nowNs());
    const timer = (this.timers[dir] ??= this.host.ctx().timerNew(() => this.fired(dir), `${this.host.label()} throttle ${dir}`));
    timer.modIn(wait);
  }

  private fired(dir: Dir): void {
    const q = this.waiting[dir];
    for (;;) {
      const tg = this.host.group();
      if (q.length === 0 || (tg && !this.host.bypass() && tg.computeWait(dir, this.host.nowNs()) > 0)) break;
      q.shift()!();
    }
    this.arm(dir);
  }
}
