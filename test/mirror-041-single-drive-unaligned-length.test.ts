// iotest 041 TestSingleDriveUnalignedLength: TestSingleDrive with a 1025 KiB
// image (not a multiple of the 64 KiB granularity): the last partial chunk is
// copied too.
import t from 'tap';
import { imageBytes, patterned, replay041, vm041 } from './lib/mirror-041.js';

t.test('QEMU 7.2 transcripts (041 TestSingleDriveUnalignedLength)', async (t) => {
  await replay041(t, [
    'single-drive-unaligned-length-complete',
    'single-drive-unaligned-length-cancel',
    'single-drive-unaligned-length-cancel-after-ready',
    'single-drive-unaligned-length-pause',
    'single-drive-unaligned-length-small-buffer',
  ]);
});

t.test('an unaligned image is copied to its last byte (soft cancel after READY leaves an equal copy)', async (t) => {
  const v = vm041({
    images: { 'src.img': patterned(1025 * 1024, 0x3c) },
    drives: ['if=none,id=drive0,file={tmp}/src.img,format=raw'],
    devices: ['virtio-blk-pci,drive=drive0,id=vblk0'],
  });
  t.teardown(() => v.close());
  v.qmp('drive-mirror', { device: 'drive0', sync: 'full', target: '{tmp}/dst.img', format: 'raw' });
  t.ok(v.runUntil(() => v.events('BLOCK_JOB_READY').length > 0));
  t.match(v.events('BLOCK_JOB_READY')[0].data, { len: 1025 * 1024, offset: 1025 * 1024 });
  t.same(v.qmp('block-job-cancel', { device: 'drive0' }).return, {});
  t.ok(v.runUntil(() => v.events('BLOCK_JOB_COMPLETED').length > 0), 'soft cancel ends with BLOCK_JOB_COMPLETED');
  t.equal(v.qmp('query-block').return[0].inserted.file, `${v.dir}/src.img`, 'no pivot');
  t.ok(imageBytes(v, 'dst.img').equals(imageBytes(v, 'src.img')), 'target bytes == source bytes');
});
