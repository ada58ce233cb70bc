// Slice-based rate limit (include/qemu/ratelimit.h) on the sim clock: a
// quota per slice; exceeding it yields a delay that stretches the slice.

export class RateLimit {
  private sliceStart = 0;
  private sliceEnd = 0;
  private sliceQuota = 0;
  private sliceNs = 0;
  private dispatched = 0;

  constructor(private readonly nowNs: () => number) {}

  /** ratelimit_set_speed: speed units per second, 0 = unlimited */
  setSpeed(speed: number, sliceNs: number): void {
    this.sliceNs = sliceNs;
    this.sliceQuota = speed === 0 ? 0 : Math.max((speed * sliceNs) / 1e9, 1);
  }

  /** ratelimit_calculate_delay: record n units, return the delay in ns (0: go on). */
  calculateDelay(n: number): number {
    if (!this.sliceQuota) return 0;
    const now = this.nowNs();
    if (this.sliceEnd < now) {
      this.sliceStart = now;
      this.sliceEnd = now + this.sliceNs;
      this.dispatched = 0;
    }
    this.dispatched += n;
    if (this.dispatched < this.sliceQuota) return 0;
    const delaySlices = this.dispatched / this.sliceQuota;
    this.sliceEnd = this.sliceStart + Math.floor(delaySlices * this.sliceNs);
    return this.sliceEnd - now;
  }
}
