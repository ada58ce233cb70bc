// Locations in the checkout, for tests compiled to dist/test or run from test/.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'fixtures'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root');
    dir = up;
  }
  return dir;
}

export const repoRoot = findRoot();
export const fixturesDir = join(repoRoot, 'fixtures', 'qemu-7.2');
export const qmpSimBin = join(repoRoot, 'bin', 'qmp-sim');

export function haveCommand(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** QMP_SIM_SEEDS shrinks seed sweeps (never below 100). */
export function seedCount(full: number): number {
  const env = Number(process.env.QMP_SIM_SEEDS);
  return Number.isFinite(env) && env > 0 ? Math.max(100, Math.min(full, env)) : full;
}

/** Every *.scn below dir, in sorted order. */
export function findScenarioFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? findScenarioFiles(p) : n.endsWith('.scn') ? [p] : [];
    });
}
