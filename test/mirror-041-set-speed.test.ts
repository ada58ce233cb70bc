// iotest 041 TestSetSpeed, re-expressed: block-job-set-speed on a running
// mirror, speed at drive-mirror, negative speeds refused. The transcripts are
// QEMU 7.2's; the rate itself is pinned on the virtual clock (a run takes the
// same virtual time on every machine).
import t from 'tap';
import { patterned, replay041, vm041 } from './lib/mirror-041.js';

const MB = 1 << 20;

t.test('QEMU 7.2 transcripts (041 TestSetSpeed)', async (t) => {
  await replay041(t, ['set-speed', 'set-speed-invalid'], {
  });
});

const vm = () =>
  vm041({
    images: { 'src.img': patterned(8 * MB) },
    drives: ['if=none,id=drive0,file={tmp}/src.img,format=raw'],
    devices: ['virtio-blk-pci,drive=drive0,id=vblk0'],
  });
const ready = (v: ReturnType<typeof vm>) => v.events('BLOCK_JOB_READY').length > 0;

t.test('speed at drive-mirror limits the copy: 8 MiB at 2 MiB/s is READY after about 4 s of virtual time', async (t) => {
  const v = vm();
  t.teardown(() => v.close());
  const t0 = v.nowNs();
  v.qmp('drive-mirror', { device: 'drive0', sync: 'full', target: '{tmp}/dst.img', format: 'raw', speed: 2 * MB });
  t.equal(v.qmp('query-block-jobs').return[0].speed, 2 * MB, 'query-block-jobs shows the speed');
  t.ok(v.runUntil(() => ready(v)), 'READY');
  const s = (v.nowNs() - t0) / 1e9;
  t.ok(s >= 3 && s <= 5, `READY after ${s} s (expected 3..5 s)`);
  t.equal(v.events('BLOCK_JOB_READY')[0].data.speed, 2 * MB, 'BLOCK_JOB_READY carries the speed');
});

t.test('without a speed the same copy is not throttled', async (t) => {
  const v = vm();
  t.teardown(() => v.close());
  const t0 = v.nowNs();
  v.qmp('drive-mirror', { device: 'drive0', sync: 'full', target: '{tmp}/dst.img', format: 'raw' });
  t.equal(v.qmp('query-block-jobs').return[0].speed, 0, 'default speed is 0');
  t.ok(v.runUntil(() => ready(v)), 'READY');
  const s = (v.nowNs() - t0) / 1e9;
  t.ok(s < 1, `READY after ${s} s (expected < 1 s)`);
});

t.test('raising the speed of a sleeping job wakes it', async (t) => {
  const v = vm();
  t.teardown(() => v.close());
  // buf-size 1 MiB: one chunk is copied, then the job sleeps for ~1 MiB seconds
  v.qmp('drive-mirror', { device: 'drive0', sync: 'full', target: '{tmp}/dst.img', format: 'raw', speed: 1, 'buf-size': MB });
  v.runFor(5e9);
  t.notOk(ready(v), 'at 1 byte/s nothing converges in 5 s');
  const t0 = v.nowNs();
  t.same(v.qmp('block-job-set-speed', { device: 'drive0', speed: 8 * MB }).return, {});
  t.equal(v.qmp('query-block-jobs').return[0].speed, 8 * MB, 'the new speed is accepted');
  t.ok(v.runUntil(() => ready(v), 3e9), 'READY within 3 s after the raise');
  const s = (v.nowNs() - t0) / 1e9;
  t.ok(s >= 0.5 && s <= 2, `READY ${s} s after the raise (7 MiB left at 8 MiB/s: expected 0.5..2 s)`);
});

t.test('negative speeds are refused at drive-mirror and at block-job-set-speed', async (t) => {
  const v = vm();
  t.teardown(() => v.close());
  const bad = v.qmp('drive-mirror', { device: 'drive0', sync: 'full', target: '{tmp}/dst.img', format: 'raw', speed: -1 });
  t.same(bad.error, { class: 'GenericError', desc: "Parameter 'speed' expects a non-negative value" });
  t.same(v.qmp('query-block-jobs').return, [], 'no job left behind');
  v.qmp('drive-mirror', { device: 'drive0', sync: 'full', target: '{tmp}/dst2.img', format: 'raw', speed: 1 });
  const bad2 = v.qmp('block-job-set-speed', { device: 'drive0', speed: -1 });
  t.same(bad2.error, { class: 'GenericError', desc: "Parameter 'speed' expects a non-negative value" });
  t.equal(v.qmp('query-block-jobs').return[0].speed, 1, 'speed unchanged');
});
