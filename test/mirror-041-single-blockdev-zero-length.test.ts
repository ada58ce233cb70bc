// iotest 041 TestSingleBlockdevZeroLength: TestSingleBlockdev with a 0-byte
// image (no small/large-target cases, as in 041).
import t from 'tap';
import { replay041 } from './lib/mirror-041.js';

t.test('QEMU 7.2 transcripts (041 TestSingleBlockdevZeroLength)', async (t) => {
  await replay041(
    t,
    [
      'single-blockdev-zero-length-complete',
      'single-blockdev-zero-length-cancel-after-ready',
      'single-blockdev-zero-length-source-resize',
      'single-blockdev-zero-length-target-resize',
    ],
    {
    },
  );
});
