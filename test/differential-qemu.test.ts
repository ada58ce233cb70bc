// The differential tier: every golden in fixtures/qemu-7.2 replayed against
// real QEMU (qemu-system-x86_64), proving the goldens describe the installed
// QEMU 7.2. Skipped, visibly, when QEMU is not installed.

import t from 'tap';
import { relative } from 'node:path';
import { replayMain } from '../src/harness/replay.js';
import { findScenarioFiles, fixturesDir, haveCommand } from './lib/paths.js';

const have = haveCommand('qemu-system-x86_64') && haveCommand('qemu-img');

t.test('QEMU 7.2 transcripts against real QEMU', { skip: have ? false : 'qemu-system-x86_64 / qemu-img not installed' }, async (t) => {
  const all = findScenarioFiles(fixturesDir);
  const lines: string[] = [];
  await replayMain({ paths: all, target: 'qemu', out: (l) => lines.push(l), err: () => {}, jobs: 4 });
  // replay reports one line per scenario, in the order of `paths`
  const results = lines.filter((l) => /^(PASS|FAIL|PENDING) /.test(l));
  t.equal(results.length, all.length, 'one result per scenario');
  all.forEach((p, i) => {
    const name = relative(fixturesDir, p).replace(/\.scn$/, '');
    const base = name.split('/').pop()!;
    const line = results[i];
    t.ok(line?.startsWith('PASS ') && new RegExp(`^PASS (.*/)?${base}$`).test(line), name, { found: line });
  });
});
