// I/O limits of BlockBackends (util/throttle.c, block/throttle-groups.c):
// the six leaky buckets, their validation texts, and throttle groups whose
// members share one configuration and one set of bucket levels. A request
// may start when every bucket it fills is below its size; it then adds its
// bytes (or one operation) to them, and the levels leak at the average rate.

export const THROTTLE_BUCKETS = ['bps', 'bps_rd', 'bps_wr', 'iops', 'iops_rd', 'iops_wr'] as const;
export type ThrottleBucketName = (typeof THROTTLE_BUCKETS)[number];

export interface LeakyBucket {
  avg: number;
  max: number;
  burstLength: number;
}

export interface ThrottleConfig {
  buckets: Record<ThrottleBucketName, LeakyBucket>;
  opSize: number;
}

/** What a BlockBackend sees of its throttle group. */
export interface ThrottleState {
  group: string;
  config: ThrottleConfig;
}

const BPS_FOR: Record<'read' | 'write', ThrottleBucketName[]> = { read: ['bps', 'bps_rd'], write: ['bps', 'bps_wr'] };
const OPS_FOR: Record<'read' | 'write', ThrottleBucketName[]> = { read: ['iops', 'iops_rd'], write: ['iops', 'iops_wr'] };

/** A throttle group: one configuration and one set of bucket levels for all its members. */
export class ThrottleGroup implements ThrottleState {
  config: ThrottleConfig;
  private readonly level: Record<ThrottleBucketName, number> = { bps: 0, bps_rd: 0, bps_wr: 0, iops: 0, iops_rd: 0, iops_wr: 0 };
  private readonly burst: Record<ThrottleBucketName, number> = { bps: 0, bps_rd: 0, bps_wr: 0, iops: 0, iops_rd: 0, iops_wr: 0 };
  private lastNs: number;
  members = 0;

  constructor(
    readonly group: string,
    config: ThrottleConfig,
    nowNs: number,
  ) {
    this.config = config;
    this.lastNs = nowNs;
  }

  /** throttle_leak_bucket for every bucket */
  private leak(nowNs: number): void {
    const delta = Math.max(0, nowNs - this.lastNs);
    this.lastNs = nowNs;
    for (const n of THROTTLE_BUCKETS) {
      const b = this.config.buckets[n];
      this.level[n] = Math.max(0, this.level[n] - (b.avg * delta) / 1e9);
      if (b.max) this.burst[n] = Math.max(0, this.burst[n] - (b.max * delta) / 1e9);
    }
  }

  /** throttle_compute_wait for one bucket, in ns */
  private waitFor(n: ThrottleBucketName): number {
    const b = this.config.buckets[n];
    if (!b.avg) return 0;
    const size = b.max ? b.max * b.burstLength : b.avg / 10;
    const burstSize = b.max ? b.max / 10 : 0;
    if (burstSize && this.burst[n] > burstSize) return Math.ceil(((this.burst[n] - burstSize) / b.max) * 1e9);
    if (this.level[n] > size) return Math.ceil(((this.level[n] - size) / b.avg) * 1e9);
    return 0;
  }

  /** ns until a request in this direction may start (0: now) */
  computeWait(dir: 'read' | 'write', nowNs: number): number {
    this.leak(nowNs);
    return Math.max(0, ...[...BPS_FOR[dir], ...OPS_FOR[dir]].map((n) => this.waitFor(n)));
  }

  /** throttle_account */
  account(dir: 'read' | 'write', bytes: number, nowNs: number): void {
    this.leak(nowNs);
    const ops = this.config.opSize ? bytes / this.config.opSize : 1;
    for (const n of BPS_FOR[dir]) {
      this.level[n] += bytes;
      if (this.config.buckets[n].max) this.burst[n] += bytes;
    }
    for (const n of OPS_FOR[dir]) {
      this.level[n] += ops;
      if (this.config.buckets[n].max) this.burst[n] += ops;
    }
  }
}

/** THROTTLE_VALUE_MAX */
export const THROTTLE_VALUE_MAX = 1_000_000_000_000_000;

export function throttleConfigInit(): ThrottleConfig {
  const b = (): LeakyBucket => ({ avg: 0, max: 0, burstLength: 1 });
  return { buckets: { bps: b(), bps_rd: b(), bps_wr: b(), iops: b(), iops_rd: b(), iops_wr: b() }, opSize: 0 };
}

/** throttle_enabled: any average set */
export function throttleEnabled(cfg: ThrottleConfig): boolean {
  return THROTTLE_BUCKETS.some((n) => cfg.buckets[n].avg > 0);
}

/** throttle_is_valid: null, or QEMU's error text. */
export function throttleInvalid(cfg: ThrottleConfig): string | null {
  const b = cfg.buckets;
  const mixed = (t: ThrottleBucketName, r: ThrottleBucketName, w: ThrottleBucketName, k: 'avg' | 'max') =>
    b[t][k] !== 0 && (b[r][k] !== 0 || b[w][k] !== 0);
  if (mixed('bps', 'bps_rd', 'bps_wr', 'avg') || mixed('iops', 'iops_rd', 'iops_wr', 'avg') ||
      mixed('bps', 'bps_rd', 'bps_wr', 'max') || mixed('iops', 'iops_rd', 'iops_wr', 'max')) {
    return 'bps/iops/max total values and read/write values cannot be used at the same time';
  }
  if (cfg.opSize && !b.iops.avg && !b.iops_rd.avg && !b.iops_wr.avg) return 'iops size requires an iops value to be set';
  for (const name of THROTTLE_BUCKETS) {
    const k = b[name];
    if (k.avg > THROTTLE_VALUE_MAX || k.max > THROTTLE_VALUE_MAX) return `bps/iops/max values must be within [0, ${THROTTLE_VALUE_MAX}]`;
    if (!k.burstLength) return 'the burst length cannot be 0';
    if (k.burstLength > 1 && !k.max) return 'burst length set without burst rate';
    if (k.max && k.burstLength > Math.floor(THROTTLE_VALUE_MAX / k.max)) return 'burst length too high for this burst rate';
    if (k.max && !k.avg) return 'bps_max/iops_max require corresponding bps/iops values';
    if (k.max && k.max < k.avg) return 'bps_max/iops_max cannot be lower than bps/iops';
  }
  return null;
}

/** The members BlockDeviceInfo shows for a throttled BB (block/qapi.c), after the six averages. */
export function throttleInfoExtras(st: ThrottleState): Record<string, unknown> {
  const b = st.config.buckets;
  const out: Record<string, unknown> = {};
  const maxes: Array<[string, ThrottleBucketName]> = [
    ['bps_max', 'bps'], ['bps_rd_max', 'bps_rd'], ['bps_wr_max', 'bps_wr'],
    ['iops_max', 'iops'], ['iops_rd_max', 'iops_rd'], ['iops_wr_max', 'iops_wr'],
  ];
  for (const [key, n] of maxes) if (b[n].max) out[key] = b[n].max;
  for (const [key, n] of maxes) if (b[n].max) out[`${key}_length`] = b[n].burstLength;
  if (st.config.opSize) out.iops_size = st.config.opSize;
  out.group = st.group;
  return out;
}
