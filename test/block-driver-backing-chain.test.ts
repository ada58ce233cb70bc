// Backing chains as the request layer and mirror see them: block status
// through the chain (sync=full / sync=top questions), backing given by
// reference, none (backing: null) or from the header, re-pointing edges
// (bdrv_replace_node / bdrv_set_backing_hd) and the filenames that follow.

import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlockIOError, type BlockDriverState } from '../src/block/drivers/block-driver.js';
import { blockStatusAbove, isAllocatedAbove } from '../src/block/drivers/block-status.js';
import { bdrvPread, bdrvPwrite } from '../src/block/drivers/generic-io.js';
import { createImageFile, createOpenContext, openDriver } from '../src/block/drivers/registry.js';

// real file I/O and qemu-img runs: generous on a loaded machine (not a timed assertion)
t.setTimeout(600_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qmp-sim-chain-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const p = (n: string): string => path.join(dir, n);
const nodes = new Map<string, BlockDriverState>();
const ctx = createOpenContext({ policy: { allowed: [dir], cwd: dir }, resolveNode: (n) => nodes.get(n) });
const KB = 1024;

createImageFile({ filename: p('base.qcow2'), format: 'qcow2', size: 4 << 20 }, ctx);
createImageFile({ filename: p('top.qcow2'), format: 'qcow2', backingFile: 'base.qcow2', backingFormat: 'qcow2' }, ctx);
{
  const base = openDriver({ driver: 'qcow2', file: { driver: 'file', filename: p('base.qcow2') } }, ctx);
  bdrvPwrite(base, 0, Buffer.alloc(1 << 20, 0x11));
  ctx.closeTree(base);
  const top = openDriver({ driver: 'qcow2', file: { driver: 'file', filename: p('top.qcow2') }, backing: null }, ctx);
  bdrvPwrite(top, 512 * KB, Buffer.alloc(64 * KB, 0x22));
  top.pwriteZeroes(2 << 20, 64 * KB);
  ctx.closeTree(top);
}

t.test('block status through the chain', async (t) => {
  const top = openDriver({ driver: 'qcow2', file: { driver: 'file', filename: p('top.qcow2') } }, ctx);
  const base = top.backing!.node;
  t.same(blockStatusAbove(top, null, 0, 4 << 20), { allocated: true, data: true, zero: false, length: 512 * KB, depth: 2 }, 'backing data (depth 2)');
  t.same(blockStatusAbove(top, null, 512 * KB, 4 << 20), { allocated: true, data: true, zero: false, length: 64 * KB, depth: 1 }, 'top data');
  t.same(blockStatusAbove(top, null, 2 << 20, 4 << 20), { allocated: true, data: false, zero: true, length: 64 * KB, depth: 1 }, 'zero cluster in top');
  t.same(blockStatusAbove(top, null, 3 << 20, 1 << 20), { allocated: false, data: false, zero: true, length: 1 << 20, depth: 0 }, 'nowhere: zero');
  t.same(isAllocatedAbove(top, base, 0, 1 << 20), { allocated: false, length: 512 * KB }, 'sync=top: backing data is not in top');
  t.same(isAllocatedAbove(top, base, 512 * KB, 1 << 20), { allocated: true, length: 64 * KB });
  t.same(isAllocatedAbove(top, top, 0, 100), { allocated: false, length: 100 });
  const buf = Buffer.alloc(1 << 20);
  bdrvPread(top, 0, buf);
  t.equal(buf[0], 0x11);
  t.equal(buf[512 * KB], 0x22);
  ctx.closeTree(top);
});

t.test('backing: null, references and overridden backing in filenames', async (t) => {
  const none = openDriver({ driver: 'qcow2', file: { driver: 'file', filename: p('top.qcow2') }, backing: null }, ctx);
  t.equal(none.backing, null);
  t.equal(none.pread(0, 1)[0], 0, 'no backing: unallocated reads zero');
  t.equal(none.filename, `json:{"backing": null, "driver": "qcow2", "file": {"driver": "file", "filename": "${p('top.qcow2')}"}}`);
  t.equal(none.imageInfo()['backing-filename'], 'base.qcow2', 'the header still names it');
  ctx.closeTree(none);

  const b = openDriver({ driver: 'qcow2', file: { driver: 'file', filename: p('base.qcow2') } }, ctx);
  nodes.set('b', b);
  const top = openDriver({ driver: 'qcow2', file: { driver: 'file', filename: p('top.qcow2') }, backing: 'b' }, ctx);
  t.equal(top.backing?.node, b);
  t.match(top.filename, /^json:\{"backing": \{"driver": "qcow2", "file": \{/, 'relative header name differs from the reference: overridden');
  t.throws(() => openDriver({ driver: 'qcow2', file: { driver: 'file', filename: p('top.qcow2') }, backing: 'nope' }, ctx), {
    message: "Could not open backing file: Cannot find device='nope' nor node-name='nope'",
  });
  t.throws(() => openDriver({ driver: 'qcow2', file: { driver: 'file', filename: p('top.qcow2') }, backing: { driver: 'qcow2', file: { driver: 'file', filename: p('gone.qcow2') } } }, ctx), {
    message: `Could not open backing file: Could not open '${p('gone.qcow2')}': No such file or directory`,
  });
  ctx.closeTree(top);
  b.close();
});

t.test('re-pointing edges: replaceChildNode and setBackingHd', async (t) => {
  const top = openDriver({ driver: 'qcow2', file: { driver: 'file', filename: p('top.qcow2') }, backing: null }, ctx);
  const base = openDriver({ driver: 'qcow2', file: { driver: 'file', filename: p('base.qcow2') } }, ctx);
  top.setBackingHd(base);
  t.equal(top.pread(0, 1)[0], 0x11, 'backing attached later is read');
  const other = openDriver({ driver: 'null-co', 'read-zeroes': true, size: 4 << 20 }, ctx);
  top.replaceChildNode(base, other);
  t.equal(top.backing?.node, other);
  t.equal(top.pread(0, 1)[0], 0, 'reads follow the re-pointed edge');
  top.setBackingHd(null);
  t.equal(top.backing, null);
  const raw = openDriver({ driver: 'raw', file: { driver: 'null-co' } }, ctx);
  t.throws(() => raw.setBackingHd(base), { message: "Driver doesn't support backing files" });
  t.throws(() => raw.changeBackingFile('x', 'raw'), new BlockIOError(95));
  ctx.closeTree(top);
  ctx.closeTree(base);
});
