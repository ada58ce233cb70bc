// The differential tier: every golden in fixtures/qemu-7.2 replayed against
// real QEMU (qemu-system-x86_64), proving the goldens describe the installed
// QEMU 7.2. Skipped, visibly, when QEMU is not installed.

import t from 'tap';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { replayMain } from '../src/harness/replay.js';
import { fixturesDir, haveCommand } from './lib/paths.js';

function scenarios(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? scenarios(p) : n.endsWith('.scn') ? [p] : [];
    });
}

const have = haveCommand('qemu-system-x86_64') && haveCommand('qemu-img');

t.test('QEMU 7.2 transcripts against real QEMU', { skip: have ? false : 'qemu-system-x86_64 / qemu-img not installed' }, async (t) => {
  const all = scenarios(fixturesDir);
  const lines: string[] = [];
  await replayMain({ paths: all, target: 'qemu', out: (l) => lines.push(l), err: () => {}, jobs: 2 });
  for (const p of all) {
    const name = relative(fixturesDir, p).replace(/\.scn$/, '');
    const base = name.split('/').pop()!;
    const line = lines.find((l) => new RegExp(`^(PASS|FAIL) (.*/)?${base}(:|$)`).test(l));
    t.ok(line?.startsWith('PASS'), name, { found: line });
  }
});
