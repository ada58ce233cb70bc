// `npm test`: runs every tap test (test/**/*.test.ts, through tap's
// TypeScript loader; bin/qmp-sim runs the build in dist/) and ends with the
// line "N passed, N failed" (assertions), which CI reads.

import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runTap } from './lib/tap-runner.js';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url)); // dist/test
const root = dirname(dirname(here));

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const only = process.argv.slice(2);
const files = findTests(join(root, 'test')).filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
runTap(root, files, { timeoutSec: 600, jobs: 2 });
