// The simulation's time source. Two kinds: 'virtual' moves only when the
// scheduler advances it (a run is reproducible from its seed, event
// timestamps included); 'real' follows the host's monotonic clock.
// QEMU's QEMU_CLOCK_REALTIME/VIRTUAL/HOST collapse into this one time base.

/** Wall time as QMP event timestamps carry it (qapi/qmp-event.c). */
export interface WallTime {
  seconds: number;
  microseconds: number;
}

export type ClockKind = 'virtual' | 'real';

export interface Clock {
  readonly kind: ClockKind;
  /** Monotonic nanoseconds since the clock was created (never goes back). */
  nowNs(): number;
  /** Wall time for event timestamps. */
  wallTime(): WallTime;
}

/** 2023-01-01T00:00:00Z: the virtual clock's wall time at ns 0. */
export const VIRTUAL_EPOCH_SECONDS = 1672531200;

/** baseSeconds + baseMicros + elapsedNs, without going through ns totals
 * (wall-clock ns do not fit in a double exactly). */
function wallFrom(baseSeconds: number, baseMicros: number, elapsedNs: number): WallTime {
  const totalMicros = baseMicros + Math.floor(elapsedNs / 1e3);
  const carry = Math.floor(totalMicros / 1e6);
  return { seconds: baseSeconds + carry, microseconds: totalMicros - carry * 1e6 };
}

export class VirtualClock implements Clock {
  readonly kind = 'virtual' as const;
  private ns = 0;

  constructor(private readonly epochSeconds = VIRTUAL_EPOCH_SECONDS) {}

  nowNs(): number {
    return this.ns;
  }

  /** Move time forward to ns (the scheduler's job; never backwards). */
  advanceTo(ns: number): void {
    if (!Number.isFinite(ns)) throw new RangeError(`virtual clock: bad time ${ns}`);
    if (ns > this.ns) this.ns = Math.floor(ns);
  }

  wallTime(): WallTime {
    return wallFrom(this.epochSeconds, 0, this.ns);
  }
}

export class RealClock implements Clock {
  readonly kind = 'real' as const;
  private readonly startHr = process.hrtime.bigint();
  private readonly startWallMs = Date.now();
  private last = 0;

  nowNs(): number {
    const ns = Number(process.hrtime.bigint() - this.startHr);
    if (ns > this.last) this.last = ns;
    return this.last;
  }

  wallTime(): WallTime {
    // wall = wall at start + monotonic elapsed: microsecond resolution, no jumps
    const s = Math.floor(this.startWallMs / 1000);
    return wallFrom(s, (this.startWallMs - s * 1000) * 1000, this.nowNs());
  }
}

export function createClock(kind: ClockKind, epochSeconds?: number): Clock {
  return kind === 'virtual' ? new VirtualClock(epochSeconds) : new RealClock();
}
