// iotest 041 TestUnbackedSource: mirror of a node that has no BlockBackend
// and no backing file: drive-mirror mode absolute-paths with sync full, top
// and none; mode existing into a target holding old data; blockdev-mirror.
import t from 'tap';
import { replay041 } from './lib/mirror-041.js';

t.test('QEMU 7.2 transcripts (041 TestUnbackedSource)', async (t) => {
  await replay041(t, ['unbacked-source-absolute-paths', 'unbacked-source-existing-full', 'unbacked-source-blockdev-full'], {
    'unbacked-source-absolute-paths': 'finding 8: sync=none READY before the drive-mirror reply',
  });
});
