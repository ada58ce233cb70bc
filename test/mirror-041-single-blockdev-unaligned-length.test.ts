// iotest 041 TestSingleBlockdevUnalignedLength: TestSingleBlockdev with a
// 1025 KiB image.
import t from 'tap';
import { replay041 } from './lib/mirror-041.js';

t.test('QEMU 7.2 transcripts (041 TestSingleBlockdevUnalignedLength)', async (t) => {
  await replay041(
    t,
    [
      'single-blockdev-unaligned-length-complete',
      'single-blockdev-unaligned-length-cancel-after-ready',
      'single-blockdev-unaligned-length-mirror-to-self',
      'single-blockdev-unaligned-length-source-resize',
      'single-blockdev-unaligned-length-target-resize',
      'single-blockdev-unaligned-length-small-target',
      'single-blockdev-unaligned-length-large-target',
    ],
    {
    },
  );
});
