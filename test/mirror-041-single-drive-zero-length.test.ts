// iotest 041 TestSingleDriveZeroLength: TestSingleDrive with a 0-byte image.
// QEMU 7.2 reaches READY (len 0) inside drive-mirror, before its reply.
import t from 'tap';
import { replay041, vm041 } from './lib/mirror-041.js';

t.test('QEMU 7.2 transcripts (041 TestSingleDriveZeroLength)', async (t) => {
  await replay041(t, [
    'single-drive-zero-length-complete',
    'single-drive-zero-length-cancel',
    'single-drive-zero-length-cancel-after-ready',
    'single-drive-zero-length-pause',
    'single-drive-zero-length-small-buffer',
  ]);
});

t.test('a 0-byte source is READY with len 0 before the drive-mirror reply', async (t) => {
  const v = vm041({
    images: { 'src.img': Buffer.alloc(0) },
    drives: ['if=none,id=drive0,file={tmp}/src.img,format=raw'],
    devices: ['virtio-blk-pci,drive=drive0,id=vblk0'],
  });
  t.teardown(() => v.close());
  const reply = v.qmp('drive-mirror', { device: 'drive0', sync: 'full', target: '{tmp}/dst.img', format: 'raw' });
  t.same(reply.return, {});
  const lines = v.vm.out.map((l) => JSON.parse(l));
  const readyAt = lines.findIndex((m) => m.event === 'BLOCK_JOB_READY');
  const replyAt = lines.findIndex((m) => m.id === reply.id);
  t.ok(readyAt >= 0 && readyAt < replyAt, 'BLOCK_JOB_READY precedes the reply');
  t.match(lines[readyAt]?.data, { len: 0, offset: 0 });
  t.same(v.qmp('block-job-complete', { device: 'drive0' }).return, {});
  t.ok(v.runUntil(() => v.events('BLOCK_JOB_COMPLETED').length > 0));
  t.equal(v.qmp('query-block').return[0].inserted.file, `${v.dir}/dst.img`);
});
