// iotest 041 TestWriteErrors: a blkdebug write error on the target with
// on-target-error report / ignore / stop. 041 opens the target as
// blkdebug:CONFIG:IMAGE (write-errors-* goldens); write-errors-graph-* use
// blockdev-mirror to a qcow2 node over blkdebug (config option) instead.
import t from 'tap';
import { replay041 } from './lib/mirror-041.js';

t.test('QEMU 7.2 transcripts (041 TestWriteErrors)', async (t) => {
  await replay041(
    t,
    ['write-errors-report', 'write-errors-ignore', 'write-errors-stop', 'write-errors-graph-report', 'write-errors-graph-stop'],
    {},
  );
});
