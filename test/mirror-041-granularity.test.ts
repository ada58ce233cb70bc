// iotest 041 TestGranularity: granularity 8192 over 10 MiB of data: READY
// (not an error), complete, equal images.
import t from 'tap';
import { imageBytes, patterned, replay041, vm041 } from './lib/mirror-041.js';

const MB = 1 << 20;

t.test('QEMU 7.2 transcripts (041 TestGranularity)', async (t) => {
  await replay041(t, ['granularity']);
});

t.test('granularity 8192: a guest write during the copy still reaches the target', async (t) => {
  const v = vm041({
    images: { 'src.img': patterned(10 * MB) },
    drives: ['if=none,id=drive0,file={tmp}/src.img,format=raw'],
    devices: ['virtio-blk-pci,drive=drive0,id=vblk0'],
  });
  t.teardown(() => v.close());
  v.qmp('drive-mirror', { device: 'drive0', sync: 'full', target: '{tmp}/dst.img', format: 'raw', granularity: 8192, speed: 4 * MB });
  v.runFor(1e9);
  // an 8 KiB-aligned write in the part already copied, through HMP qemu-io
  const io = v.qmp('human-monitor-command', { 'command-line': 'qemu-io drive0 "write -P 0x77 1056768 8192"' });
  t.same(io.return, '', 'qemu-io write accepted');
  t.same(v.qmp('block-job-set-speed', { device: 'drive0', speed: 0 }).return, {});
  t.ok(v.runUntil(() => v.events('BLOCK_JOB_READY').length > 0), 'READY');
  t.equal(v.events('BLOCK_JOB_ERROR').length, 0, 'no job error');
  t.same(v.qmp('block-job-complete', { device: 'drive0' }).return, {});
  t.ok(v.runUntil(() => v.events('BLOCK_JOB_COMPLETED').length > 0), 'COMPLETED');
  const dst = imageBytes(v, 'dst.img');
  t.ok(dst.subarray(1056768, 1056768 + 8192).every((b) => b === 0x77), 'the guest write is in the target');
  t.ok(dst.equals(imageBytes(v, 'src.img')), 'target bytes == source bytes');
});
