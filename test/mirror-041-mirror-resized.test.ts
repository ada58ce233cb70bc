// iotest 041 TestMirrorResized: a 2 MiB qcow2 over a 1 MiB backing file,
// mirrored with sync=top and sync=full; the images compare equal.
import t from 'tap';
import { replay041 } from './lib/mirror-041.js';

t.test('QEMU 7.2 transcripts (041 TestMirrorResized)', async (t) => {
  await replay041(t, ['mirror-resized-complete-top', 'mirror-resized-complete-full'], {
    'mirror-resized-complete-full': 'finding 4: sync=full len counts the range past the backing file',
  });
});
