// How many seeds a race test sweeps: 1000, or QMP_SIM_SEEDS (never below 100).

export const DEFAULT_RACE_SEEDS = 1000;
export const MIN_RACE_SEEDS = 100;

export function raceSeedCount(env: Record<string, string | undefined> = process.env): number {
  const raw = env.QMP_SIM_SEEDS;
  const n = raw === undefined || raw === '' ? DEFAULT_RACE_SEEDS : Number(raw);
  if (!Number.isFinite(n)) return DEFAULT_RACE_SEEDS;
  return Math.max(MIN_RACE_SEEDS, Math.floor(n));
}

/** The seeds a sweep runs: 1..count (seed 0 is the product default, tested elsewhere). */
export function raceSeeds(count = raceSeedCount()): number[] {
  return Array.from({ length: count }, (_, i) => i + 1);
}
