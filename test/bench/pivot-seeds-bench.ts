// Seeds per minute of the mirror-pivot property test (issue 5: target
// ≥ 10 000/min): runMirrorPivotRace over N seeds in this process, as
// test/mirror-pivot-no-lost-write.test.ts runs them.
//   node dist/test/bench/pivot-seeds-bench.js [N]   (alone: prints the figure)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pivotRaceFailed, runMirrorPivotRace } from '../../src/jobs/testing/race-mirror-pivot.js';

export interface SeedRate {
  seeds: number;
  /** seeds per wall-clock minute */
  perMinute: number;
  /** seeds per minute of this process's CPU time (steadier on a busy host) */
  perCpuMinute: number;
  failed: number;
}

/** Runs seeds 1..n (after a few warm-up seeds) and returns seeds per minute. */
export function pivotSeedsPerMinute(n: number): SeedRate {
  const dir = mkdtempSync(join(tmpdir(), 'qmp-bench-pivot-'));
  try {
    for (let s = 1; s <= Math.min(20, n); s++) runMirrorPivotRace(100_000 + s, { dir });
    let failed = 0;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let seed = 1; seed <= n; seed++) if (pivotRaceFailed(runMirrorPivotRace(seed, { dir }))) failed++;
    const secs = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const cpuSecs = (c.user + c.system) / 1e6;
    return { seeds: n, perMinute: (n / secs) * 60, perCpuMinute: (n / cpuSecs) * 60, failed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 1000);
  const r = pivotSeedsPerMinute(n);
  process.stdout.write(
    `mirror pivot property: ${r.perMinute.toFixed(0)} seeds/min (${r.perCpuMinute.toFixed(0)} per CPU-minute) over ${r.seeds} seeds, ${r.failed} failed; target ≥ 10000/min\n`,
  );
}
