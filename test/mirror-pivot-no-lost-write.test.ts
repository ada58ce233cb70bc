// Race invariant (2015/2016): from mirror's final clean check until the graph
// switch ends, the source stays drained and guest writes are queued, so after
// complete (or a soft cancel) the device's image holds every acknowledged
// guest write. The bug switch mirrorPivotOutsideDrain re-opens the window.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedCount } from './lib/paths.js';
import { pivotRaceFailed, runMirrorPivotRace } from '../src/jobs/testing/race-mirror-pivot.js';

const seeds = Array.from({ length: seedCount(1000) }, (_, i) => i + 1);
const dir = mkdtempSync(join(tmpdir(), 'qmp-sim-pivot-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test(`no acknowledged guest write is lost at pivot, over ${seeds.length} seeds`, async (t) => {
  const failed: string[] = [];
  let queued = 0;
  let completes = 0;
  let softCancels = 0;
  let manual = 0;
  for (const seed of seeds) {
    const r = runMirrorPivotRace(seed, { dir });
    queued += r.queuedAtCompletion;
    if (r.outcome === 'complete') completes++;
    if (r.outcome === 'soft-cancel') softCancels++;
    if (!r.autoFinalize) manual++;
    if (pivotRaceFailed(r)) failed.push(`seed ${seed}: ${[...r.violations, r.hang ?? ''].join('; ')}`);
  }
  t.same(failed.slice(0, 5), [], 'every seed: device image == model of acknowledged writes');
  t.ok(queued > 0, `guest writes arrived during the completion drain and were queued (${queued})`);
  t.ok(completes > 0 && softCancels > 0 && manual > 0, 'complete, soft cancel and manual finalize all ran');
});

t.test('with the 2015 bug (drain ends before the graph switch) the check fails', async (t) => {
  const hit = seeds.find((seed) => pivotRaceFailed(runMirrorPivotRace(seed, { dir, bug: true })));
  t.ok(hit !== undefined, 'some seed loses a write');
  const r = runMirrorPivotRace(hit!, { dir, bug: true });
  t.match(r.violations.join('\n'), /bytes of acknowledged writes missing/, 'as bytes missing from the device');
});

t.test('one seed replays the same run', async (t) => {
  const a = runMirrorPivotRace(7, { dir });
  const b = runMirrorPivotRace(7, { dir });
  t.same(a, b);
});
