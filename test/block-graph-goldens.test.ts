// The block-graph goldens recorded from QEMU 7.2 (fixtures/qemu-7.2/block),
// replayed against bin/qmp-sim with key order checked (--strict): node
// naming and order, json: filenames, query shapes, blockdev-del and
// block_resize errors.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayMain } from '../src/harness/replay.js';
import { fixturesDir, haveCommand, repoRoot } from './lib/paths.js';
import { HMP_COMMANDS } from '../src/monitor/hmp/hmp-commands.js';

const SCENARIOS = [
  'blockdev-add-null',
  'blockdev-add-file-raw',
  'blockdev-add-qcow2',
  'blockdev-add-blkdebug',
  'blockdev-add-errors',
  'block-resize',
].map((s) => join(fixturesDir, 'block', `${s}.scn`));

// extra probes recorded from QEMU 7.2 for this layer (test/fixtures/block-extra):
// implicit backing chains, blkdebug filters under -drive, raw windows,
// image locking, probing, cache modes, throttling, trays, qemu-io permissions
const EXTRA = join(repoRoot, 'test', 'fixtures', 'block-extra');
SCENARIOS.push(join(EXTRA, 'chain.scn'));
const hmpHasQemuIo = HMP_COMMANDS.some((c) => c.names.split('|').includes('qemu-io'));
if (hmpHasQemuIo) SCENARIOS.push(join(EXTRA, 'drive-probe.scn'));

t.test('block graph goldens, strict', { skip: haveCommand('qemu-img') ? false : 'needs qemu-img' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qmp-sim-goldens-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const pendingFile = join(dir, 'pending.json');
  writeFileSync(pendingFile, '{}');
  const lines: string[] = [];
  await replayMain({
    paths: SCENARIOS,
    target: 'sim',
    strict: true,
    pendingFile,
    out: (l) => lines.push(l),
    err: () => {},
    jobs: 2,
  });
  if (!hmpHasQemuIo) t.pass('drive-probe', { todo: 'needs the HMP qemu-io command (src/block/qemu-io.ts hmpQemuIo)' });
  for (const p of SCENARIOS) {
    const s = p.split('/').pop()!.replace(/\.scn$/, '');
    const line = lines.find((l) => new RegExp(`^(PASS|FAIL) (.*/)?${s}(:|$)`).test(l));
    t.ok(line?.startsWith('PASS'), s, { found: line });
  }
});
