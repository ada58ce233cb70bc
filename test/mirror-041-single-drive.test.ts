// iotest 041 TestSingleDrive, re-expressed: drive-mirror of a qcow2 drive over
// a raw backing file (complete, force cancel, soft cancel after READY, pause,
// small buffers, large target clusters, the invisible mirror_top filter, start
// errors). The transcripts are QEMU 7.2's (fixtures/qemu-7.2/mirror-041); the
// in-process part pins what a transcript cannot: progress frozen while paused
// on the virtual clock, and the target's bytes.
import t from 'tap';
import { imageBytes, patterned, replay041, vm041 } from './lib/mirror-041.js';

const MB = 1 << 20;

t.test('QEMU 7.2 transcripts (041 TestSingleDrive)', async (t) => {
  await replay041(
    t,
    [
      'single-drive-complete',
      'single-drive-cancel',
      'single-drive-cancel-after-ready',
      'single-drive-pause',
      'single-drive-small-buffer',
      'single-drive-small-buffer2',
      'single-drive-large-cluster',
      'single-drive-implicit-node',
      'single-drive-not-found',
    ],
    {},
  );
});

t.test('a paused mirror makes no progress while virtual time passes; resumed, it completes to equal bytes', async (t) => {
  const v = vm041({
    images: { 'src.img': patterned(4 * MB) },
    drives: ['if=none,id=drive0,file={tmp}/src.img,format=raw'],
    devices: ['virtio-blk-pci,drive=drive0,id=vblk0'],
  });
  t.teardown(() => v.close());
  // 1 MiB chunks at 1 MiB/s: progress moves a chunk at a time
  t.same(v.qmp('drive-mirror', { device: 'drive0', sync: 'full', target: '{tmp}/dst.img', format: 'raw', speed: MB, 'buf-size': MB }).return, {});
  v.runFor(1e9);
  t.same(v.qmp('block-job-pause', { device: 'drive0' }).return, {});
  v.runFor(200e6);
  const before = v.qmp('query-block-jobs').return[0];
  t.equal(before.status, 'paused');
  t.ok(before.offset > 0 && before.offset < before.len, `some progress before the pause (${before.offset}/${before.len})`);
  v.runFor(10e9);
  const after = v.qmp('query-block-jobs').return[0];
  t.equal(after.offset, before.offset, 'offset unchanged over 10 s of virtual time');
  t.equal(after.status, 'paused');
  t.same(v.qmp('block-job-set-speed', { device: 'drive0', speed: 0 }).return, {});
  t.same(v.qmp('block-job-resume', { device: 'drive0' }).return, {});
  t.ok(v.runUntil(() => v.events('BLOCK_JOB_READY').length > 0), 'READY after resume');
  t.same(v.qmp('block-job-complete', { device: 'drive0' }).return, {});
  t.ok(v.runUntil(() => v.events('BLOCK_JOB_COMPLETED').length > 0), 'COMPLETED');
  t.equal(v.qmp('query-block').return[0].inserted.file, `${v.dir}/dst.img`, 'the drive now uses the target');
  t.ok(imageBytes(v, 'dst.img').equals(imageBytes(v, 'src.img')), 'target bytes == source bytes');
});

t.test('force cancel before READY: BLOCK_JOB_CANCELLED and the drive keeps its image', async (t) => {
  const v = vm041({
    images: { 'src.img': patterned(4 * MB) },
    drives: ['if=none,id=drive0,file={tmp}/src.img,format=raw'],
    devices: ['virtio-blk-pci,drive=drive0,id=vblk0'],
  });
  t.teardown(() => v.close());
  v.qmp('drive-mirror', { device: 'drive0', sync: 'full', target: '{tmp}/dst.img', format: 'raw', speed: 1 });
  v.runFor(300e6);
  t.same(v.qmp('block-job-cancel', { device: 'drive0', force: true }).return, {});
  t.ok(v.runUntil(() => v.events('BLOCK_JOB_CANCELLED').length > 0), 'CANCELLED');
  t.equal(v.events('BLOCK_JOB_READY').length, 0, 'never READY');
  t.equal(v.qmp('query-block').return[0].inserted.file, `${v.dir}/src.img`);
  t.same(v.qmp('query-block-jobs').return, []);
});
