// The outcome of one seeded race scenario.

import { SimHangError, SimLivelockError } from '../../sim/errors.js';
import type { SimKernel } from '../../sim/kernel.js';

/** Kernel settings for one race run: watchdog budgets (a healthy run takes
 * a few hundred steps) and a swarm of the kernel's fault points, drawn per seed. */
export const RACE_KERNEL = { maxSteps: 200_000, maxWaitSteps: 20_000, faults: { swarm: true, activation: 0.5 } } as const;

export interface RaceResult {
  seed: number;
  /** invariant violations, in the order they were seen */
  violations: string[];
  /** set when the watchdog found the run stuck (quiescent with work left, or livelocked) */
  hang?: string;
  steps: number;
  /** how often the run reached the interesting interleavings (proves the sweep explores the race) */
  coverage: Record<string, number>;
}

export function bump(cov: Record<string, number>, key: string): void {
  cov[key] = (cov[key] ?? 0) + 1;
}

export function raceFailed(r: RaceResult): boolean {
  return r.violations.length > 0 || r.hang !== undefined;
}

/** Run a scenario to completion under the watchdog: `done` must hold before
 * the system goes quiescent, maxNs of virtual time pass, or maxSteps run. */
export function runToCompletion(kernel: SimKernel, done: () => boolean, describe: () => string, limits: { maxNs?: number; maxSteps?: number } = {}): string | undefined {
  try {
    const ok = kernel.runUntil(done, { maxNs: limits.maxNs ?? 1e9, maxSteps: limits.maxSteps ?? 200_000 });
    if (ok) return undefined;
    return `hang: ${describe()}; parked: ${kernel.sched.parkedThreads().join(' | ') || 'none'}`;
  } catch (e) {
    if (e instanceof SimLivelockError || e instanceof SimHangError) return `${e.name}: ${e.message}; ${describe()}`;
    throw e;
  }
}
