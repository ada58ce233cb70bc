// iotest 041 parity: the index. QEMU 7.2's tests/qemu-iotests/041 (commit
// b67b00e6) re-expressed as our own scenarios, one file per class. Each file
// replays the class's goldens (fixtures/qemu-7.2/mirror-041, recorded from
// QEMU 7.2 with `node bin/qmp-sim record`) against qmp-sim, and where a
// transcript cannot pin it, checks the model in process on the virtual clock.
// Differences from QEMU are in /work/notes/041-findings.md; the affected
// scenarios are tap todo with the finding's number.
//
// Done (class → file):
//   TestSingleDrive                   → mirror-041-single-drive
//   TestSingleBlockdev                → mirror-041-single-blockdev
//   TestSingleDriveZeroLength         → mirror-041-single-drive-zero-length
//   TestSingleBlockdevZeroLength      → mirror-041-single-blockdev-zero-length
//   TestSingleDriveUnalignedLength    → mirror-041-single-drive-unaligned-length
//   TestSingleBlockdevUnalignedLength → mirror-041-single-blockdev-unaligned-length
//   TestMirrorNoBacking               → mirror-041-mirror-no-backing
//   TestMirrorResized                 → mirror-041-mirror-resized
//   TestReadErrors                    → mirror-041-read-errors (+ -blockdev graph variants)
//   TestWriteErrors                   → mirror-041-write-errors (+ blockdev-mirror variants)
//   TestSetSpeed                      → mirror-041-set-speed (rates on the virtual clock)
//   TestUnbackedSource                → mirror-041-unbacked-source
//   TestGranularity                   → mirror-041-granularity
//   TestOrphanedSource                → mirror-041-orphaned-source
//   TestFilters (mirror-filter cases) → mirror-041-filters
//
// Left, and why:
//   TestRepairQuorum       the quorum driver is not modelled (and test_with_other_parent*
//                          need nbd-server-start / nbd-server-add: no NBD server).
//   TestReplaces           its only case replaces a copy-on-read filter: driver not modelled.
//   TestFilters.test_cor   copy-on-read driver, and `qemu-img map` of the target.
//   TestBlockdevMirrorReopen, TestThrottledWithNbdExportJob
//                          not in QEMU 7.2's 041 (the first is in iotest 155; the second
//                          appeared in later QEMU); both need blockdev-reopen or an NBD
//                          export, which qmp-sim does not model.
//   Per-case omissions inside done classes: TestSingleDrive's zero/unaligned variants keep
//   complete, cancel, cancel-after-ready, pause and small-buffer (041 also drops
//   small_buffer2 / large_cluster there); implicit-node and the not-found errors run once,
//   for the 1 MiB image; Blockdev mirror-to-self is not repeated for 0 bytes.
import t from 'tap';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dir041 } from './lib/mirror-041.js';

const here = dirname(fileURLToPath(import.meta.url));
const covered = [
  'single-drive',
  'single-blockdev',
  'single-drive-zero-length',
  'single-blockdev-zero-length',
  'single-drive-unaligned-length',
  'single-blockdev-unaligned-length',
  'mirror-no-backing',
  'mirror-resized',
  'read-errors',
  'write-errors',
  'set-speed',
  'unbacked-source',
  'granularity',
  'orphaned-source',
  'filters',
];

t.test('every covered 041 class has its test file', async (t) => {
  for (const c of covered) t.ok(existsSync(join(here, `mirror-041-${c}.test.ts`)), `mirror-041-${c}.test.ts`);
});

t.test('every 041 scenario has a QEMU 7.2 golden and belongs to a covered class', async (t) => {
  const scns = readdirSync(dir041).filter((n) => n.endsWith('.scn'));
  t.ok(scns.length >= 60, `${scns.length} scenarios`);
  for (const n of scns) {
    const base = n.replace(/\.scn$/, '');
    t.ok(existsSync(join(dir041, `${base}.golden`)), `${base}.golden`);
    t.ok(covered.some((c) => base.startsWith(`${c}-`) || base === c), `${base} belongs to a covered class`);
  }
});
