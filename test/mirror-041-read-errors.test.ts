// iotest 041 TestReadErrors: a blkdebug read error under the source with
// on-source-error report / ignore / stop, and sync=top into a target with
// large clusters. 041 spells blkdebug as a blkdebug:CONFIG:IMAGE backing file
// name (the read-errors-* goldens); the read-errors-graph-* goldens build the
// same error with -blockdev and blkdebug's config option.
import t from 'tap';
import { replay041 } from './lib/mirror-041.js';

const F2 = 'finding 7: BLOCK_JOB_ERROR of a blkdebug read error should follow the drive-mirror reply';
t.test('QEMU 7.2 transcripts (041 TestReadErrors)', async (t) => {
  await replay041(
    t,
    ['read-errors-report', 'read-errors-ignore', 'read-errors-stop', 'read-errors-large-cluster', 'read-errors-graph-report', 'read-errors-graph-stop'],
    {
      'read-errors-report': F2,
      'read-errors-ignore': F2,
      'read-errors-stop': F2,
      'read-errors-large-cluster': F2,
      'read-errors-graph-report': 'finding 7: BLOCK_JOB_ERROR before the drive-mirror reply',
      'read-errors-graph-stop': 'finding 7: BLOCK_JOB_ERROR before the drive-mirror reply',
    },
  );
});
