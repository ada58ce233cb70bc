// iotest 041 TestFilters, the mirror-filter cases: with an implicit mirror
// filter query-block still shows the source node and its backing chain; a
// named filter (filter-node-name) is visible as the device's node.
// (test_cor needs the copy-on-read driver, which qmp-sim does not model.)
import t from 'tap';
import { replay041 } from './lib/mirror-041.js';

t.test('QEMU 7.2 transcripts (041 TestFilters)', async (t) => {
  await replay041(t, ['filters-implicit-mirror-filter', 'filters-explicit-mirror-filter'], {
  });
});
