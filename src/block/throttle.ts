// I/O limits of a BlockBackend (util/throttle.c ThrottleConfig,
// block/throttle-groups.c): the six leaky buckets, their validation texts,
// and the group name query-block reports. Limits are recorded and reported;
// requests are not delayed by them (yet).

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

export interface ThrottleState {
  group: string;
  config: ThrottleConfig;
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
