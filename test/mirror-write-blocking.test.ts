// copy-mode write-blocking (active mirroring): a guest write that reached the
// source is written to the target before it completes, so once READY the
// target holds every settled write; background copies that read a range
// before a guest write overwrote it carry the new bytes, so nothing is lost
// at pivot either. The same check fails in background mode (the target lags).
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedCount } from './lib/paths.js';
import { pivotRaceFailed, runMirrorPivotRace } from '../src/jobs/testing/race-mirror-pivot.js';
import { mirrorVm } from '../src/jobs/testing/mirror-vm.js';

const seeds = Array.from({ length: seedCount(300) }, (_, i) => i + 1);
const dir = mkdtempSync(join(tmpdir(), 'qmp-sim-wb-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test(`write-blocking: target current while READY, nothing lost at pivot, over ${seeds.length} seeds`, async (t) => {
  const failed: string[] = [];
  let writes = 0;
  for (const seed of seeds) {
    const r = runMirrorPivotRace(seed, { dir, copyMode: 'write-blocking' });
    writes += r.writes;
    if (pivotRaceFailed(r)) failed.push(`seed ${seed}: ${[...r.violations, r.hang ?? ''].join('; ')}`);
  }
  t.same(failed.slice(0, 5), []);
  t.ok(writes > seeds.length, `guest writes ran (${writes})`);
});

t.test('background mode does not write through: the same check sees the target lag', async (t) => {
  let lagging = 0;
  for (const seed of seeds.slice(0, 100)) {
    const r = runMirrorPivotRace(seed, { dir, copyMode: 'background' });
    t.equal(r.lostBytes, 0, `seed ${seed}: nothing lost at pivot`);
    lagging += r.targetLagBytes;
  }
  t.ok(lagging > 0, `the target lagged settled writes in background mode (${lagging} bytes)`);
});

t.test('write-blocking job: bitmap not recording, filter forwards to the job until it exits', async (t) => {
  const vm = mirrorVm({ 'copy-mode': 'write-blocking' });
  try {
    t.equal(vm.job.bitmap?.recording, false);
    t.equal(vm.job.cfg.topDriver.job, vm.job);
    t.ok(vm.job.copyToTarget());
    t.ok(vm.until(() => vm.job.status === 'ready'));
    vm.job.userComplete();
    t.ok(vm.until(() => vm.job.status === 'null'));
    t.equal(vm.job.cfg.topDriver.job, null, 'bs_opaque->job cleared at exit');
    t.same(vm.logs, []);
  } finally {
    vm.close();
  }
});

t.test('background job never writes through', async (t) => {
  const vm = mirrorVm();
  try {
    t.equal(vm.job.bitmap?.recording, true);
    t.notOk(vm.job.copyToTarget());
  } finally {
    vm.close();
  }
});
