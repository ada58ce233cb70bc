// iotest 041 TestMirrorNoBacking: sync=full, mode existing, into a target
// that shares the source's backing file (complete, soft cancel) or has its
// own empty backing file and 2 MiB clusters.
import t from 'tap';
import { replay041 } from './lib/mirror-041.js';

t.test('QEMU 7.2 transcripts (041 TestMirrorNoBacking)', async (t) => {
  await replay041(t, ['mirror-no-backing-complete', 'mirror-no-backing-cancel', 'mirror-no-backing-large-cluster']);
});
