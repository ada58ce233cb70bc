// iotest 041 TestSingleBlockdev, re-expressed: blockdev-mirror into a qcow2
// node added with blockdev-add; mirror into itself refused; neither source
// nor target can be resized while the job waits in pending; a target of
// another size makes the started job fail.
import t from 'tap';
import { replay041 } from './lib/mirror-041.js';

t.test('QEMU 7.2 transcripts (041 TestSingleBlockdev)', async (t) => {
  await replay041(
    t,
    [
      'single-blockdev-complete',
      'single-blockdev-cancel-after-ready',
      'single-blockdev-mirror-to-self',
      'single-blockdev-source-resize',
      'single-blockdev-target-resize',
      'single-blockdev-small-target',
      'single-blockdev-large-target',
    ],
    {
    },
  );
});
