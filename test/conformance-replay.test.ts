// Every QEMU 7.2 golden in fixtures/qemu-7.2 replayed against qmp-sim
// (bin/qmp-sim serve), one assertion per scenario. Scenarios listed in
// fixtures/qemu-7.2/pending.json belong to families a later issue models:
// they are reported as todo, with their count, and not run.

import t from 'tap';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { replayMain } from '../src/harness/replay.js';
import { findScenarioFiles, fixturesDir, haveCommand } from './lib/paths.js';

const pending: Record<string, string> = JSON.parse(readFileSync(join(fixturesDir, 'pending.json'), 'utf8'));
const label = (p: string) => relative(fixturesDir, p).replace(/\.scn$/, '');
// mirror-041/ is replayed by test/mirror-041-*.test.ts, class by class
const all = findScenarioFiles(fixturesDir).filter((p) => !label(p).startsWith('mirror-041/'));
const run = all.filter((p) => !(label(p) in pending));
const todo = all.filter((p) => label(p) in pending);

t.test(`QEMU 7.2 transcripts against qmp-sim (${run.length} run, ${todo.length} pending)`, async (t) => {
  const needsQemuImg = (p: string) => /^# setup:|^shell /m.test(readFileSync(p, 'utf8'));
  const lines: string[] = [];
  const runnable = run.filter((p) => haveCommand('qemu-img') || !needsQemuImg(p));
  await replayMain({ paths: runnable, target: 'sim', out: (l) => lines.push(l), err: () => {}, jobs: 4 });
  // replay reports one line per scenario, in the order of `paths`
  const results = lines.filter((l) => /^(PASS|FAIL|PENDING) /.test(l));
  t.equal(results.length, runnable.length, 'one result per scenario');
  runnable.forEach((p, i) => {
    const line = results[i];
    const base = label(p).split('/').pop()!;
    t.ok(line?.startsWith('PASS ') && new RegExp(`^PASS (.*/)?${base}$`).test(line), label(p), { found: line });
  });
  for (const p of run.filter((p) => !runnable.includes(p))) t.pass(label(p), { skip: 'needs qemu-img' });
  for (const p of todo) t.pass(label(p), { todo: `pending: ${pending[label(p)]}` });
});
