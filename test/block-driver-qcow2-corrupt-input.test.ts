// Bad input never crashes: qcow2 images with damaged headers and tables
// either fail to open with an error, or fail requests with BlockIOError
// (marking the image corrupt where QEMU would), never with a JS exception
// of another kind and never by hanging.

import t from 'tap';
import { prng } from './lib/prng.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlockGenericError, BlockIOError, type BlockDriverState } from '../src/block/drivers/block-driver.js';
import type { CorruptionReport } from '../src/block/drivers/open-context.js';
import { createImageFile, createOpenContext, openDriver } from '../src/block/drivers/registry.js';

// real file I/O and qemu-img runs: generous on a loaded machine (not a timed assertion)
t.setTimeout(600_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qmp-sim-fuzz-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const p = (n: string): string => path.join(dir, n);
const reports: CorruptionReport[] = [];
const ctx = createOpenContext({ policy: { allowed: [dir], cwd: dir }, onCorruption: (_n, r) => reports.push(r) });


// a small image with data, so L2 tables and refcount blocks exist
createImageFile({ filename: p('good.qcow2'), format: 'qcow2', size: 4 << 20, clusterSize: 4096 }, ctx);
{
  const n = openDriver({ driver: 'qcow2', file: { driver: 'file', filename: p('good.qcow2') } }, ctx);
  for (let i = 0; i < 16; i++) n.pwrite(i * 200 * 1024, Buffer.alloc(5000, i + 1));
  ctx.closeTree(n);
}
const good = fs.readFileSync(p('good.qcow2'));

function expected(e: unknown): boolean {
  return e instanceof BlockIOError || e instanceof BlockGenericError;
}

t.test('random damage to metadata', async (t) => {
  const rnd = prng(42);
  let opened = 0;
  let unexpected = 0;
  for (let round = 0; round < 300; round++) {
    const img = Buffer.from(good);
    const hits = 1 + Math.floor(rnd() * 4);
    for (let h = 0; h < hits; h++) {
      // mostly the header cluster and the first metadata clusters
      const off = rnd() < 0.5 ? Math.floor(rnd() * 128) : Math.floor(rnd() * Math.min(img.length, 6 * 4096));
      img[off] = Math.floor(rnd() * 256);
    }
    fs.writeFileSync(p('bad.qcow2'), img);
    let node: BlockDriverState | null = null;
    try {
      node = openDriver({ driver: 'qcow2', file: { driver: 'file', filename: p('bad.qcow2') } }, ctx);
      opened++;
      const len = node.getLength();
      const ops = [
        () => node!.pread(0, Math.min(len, 1 << 20)),
        () => node!.pwrite(Math.floor(rnd() * Math.max(1, len - 8192)), Buffer.alloc(8192, 0x5a)),
        () => node!.pwriteZeroes(0, Math.min(len, 65536)),
        () => node!.discard(0, Math.min(len, 65536)),
        () => node!.blockStatus(0, len),
        () => node!.imageInfo(),
        () => node!.truncate(Math.max(0, len - 4096)),
      ];
      for (const op of ops) {
        try {
          op();
        } catch (e) {
          if (!expected(e)) {
            unexpected++;
            t.fail(`round ${round}: ${(e as Error).stack}`);
          }
        }
      }
    } catch (e) {
      if (!expected(e)) {
        unexpected++;
        t.fail(`round ${round} open: ${(e as Error).stack}`);
      }
    } finally {
      if (node) ctx.closeTree(node);
    }
  }
  t.equal(unexpected, 0, 'only BlockIOError / BlockGenericError');
  t.ok(opened > 0, `some damaged images still opened (${opened})`);
});

t.test('an L2 entry pointing at the refcount table marks the image corrupt', async (t) => {
  const img = Buffer.from(good);
  // point the first entry of the first L2 table at the refcount table
  const l1Off = Number(img.readBigUInt64BE(40));
  const l2Off = Number(img.readBigUInt64BE(l1Off) & 0x00fffffffffffe00n);
  const reftable = img.readBigUInt64BE(48);
  img.writeBigUInt64BE(0x8000000000000000n | reftable, l2Off);
  fs.writeFileSync(p('overlap.qcow2'), img);
  reports.length = 0;
  const node = openDriver({ driver: 'qcow2', file: { driver: 'file', filename: p('overlap.qcow2') } }, ctx);
  t.throws(() => node.pwrite(0, Buffer.alloc(512, 1)), new BlockIOError(5));
  t.same(reports, [{ msg: 'Preventing invalid write on metadata (overlaps with refcount table)', offset: Number(reftable), size: 512, fatal: true }]);
  t.throws(() => node.pread(0, 512), new BlockIOError(123), 'the node is unusable afterwards');
  ctx.closeTree(node);
  t.throws(() => openDriver({ driver: 'qcow2', file: { driver: 'file', filename: p('overlap.qcow2') } }, ctx), {
    message: 'qcow2: Image is corrupt; cannot be opened read/write',
  });
  t.equal(fs.readFileSync(p('overlap.qcow2')).subarray(0, 512).equals(img.subarray(0, 512)), false, 'corrupt bit written');
});
