// raw (offset/size windows, probing, the probed-raw write restriction,
// resize rules, events on its file child) and null-co / null-aio.

import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlockIOError, type BlockDriverState } from '../src/block/drivers/block-driver.js';
import { bdrvPread, bdrvPwrite, bdrvTruncate } from '../src/block/drivers/generic-io.js';
import { NullDriver } from '../src/block/drivers/null.js';
import { probeFormat } from '../src/block/drivers/probe.js';
import { optionsForFilename } from '../src/block/drivers/protocol-filename.js';
import { createOpenContext, openDriver } from '../src/block/drivers/registry.js';

// real file I/O and qemu-img runs: generous on a loaded machine (not a timed assertion)
t.setTimeout(600_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qmp-sim-raw-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const p = (n: string): string => path.join(dir, n);
const nodes = new Map<string, BlockDriverState>();
const warnings: string[] = [];
const ctx = createOpenContext({ policy: { allowed: [dir], cwd: dir }, resolveNode: (n) => nodes.get(n), warn: (m) => warnings.push(m) });

const img = Buffer.alloc(64 << 10);
for (let i = 0; i < img.length; i++) img[i] = i & 0xff;
fs.writeFileSync(p('a.img'), img);

t.test('probeFormat', async (t) => {
  const q = Buffer.alloc(512);
  q.writeUInt32BE(0x514649fb, 0);
  q.writeUInt32BE(3, 4);
  t.equal(probeFormat(q), 'qcow2');
  q.writeUInt32BE(1, 4);
  t.equal(probeFormat(q), 'raw', 'qcow v1 is not qcow2');
  t.equal(probeFormat(Buffer.alloc(512)), 'raw');
  t.equal(probeFormat(Buffer.alloc(3)), 'raw', 'short buffers');
});

t.test('offset/size window', async (t) => {
  const r = openDriver({ driver: 'raw', file: { driver: 'file', filename: p('a.img') }, offset: 4096, size: 8192 }, ctx);
  t.equal(r.getLength(), 8192);
  t.ok(r.pread(0, 8192).equals(img.subarray(4096, 4096 + 8192)));
  t.throws(() => r.pread(8000, 512), new BlockIOError(22), 'read out of the window: EINVAL');
  t.throws(() => r.pwrite(8000, Buffer.alloc(512)), new BlockIOError(28), 'write out of the window: ENOSPC');
  t.throws(() => bdrvTruncate(r, 4096), { message: 'Cannot resize fixed-size raw disks' });
  t.match(r.filename, /^json:\{/, 'strong options make a json: filename');
  t.equal(r.imageInfo()['actual-size'], fs.statSync(p('a.img')).blocks * 512, 'raw sums its file');
  ctx.closeTree(r);
  t.throws(() => openDriver({ driver: 'raw', file: { driver: 'file', filename: p('a.img') }, offset: 1 << 20 }, ctx), {
    message: `Offset (${1 << 20}) cannot be greater than size of the containing file (65536)`,
  });
  t.throws(() => openDriver({ driver: 'raw', file: { driver: 'file', filename: p('a.img') }, size: 100 }, ctx), {
    message: 'Specified size is not multiple of 512',
  });
  t.throws(() => openDriver({ driver: 'raw', file: { driver: 'file', filename: p('a.img') }, offset: 1024, size: 1 << 20 }, ctx), {
    message: 'The sum of offset (0) and size (0) has to be smaller or equal to the  actual size of the containing file (65536)',
  });
  t.throws(() => openDriver({ driver: 'raw' }, ctx), { message: "Parameter 'file' is missing" });
  t.throws(() => openDriver({ driver: 'raw', file: 'nope' }, ctx), { message: "Cannot find device='nope' nor node-name='nope'" });
});

t.test('resize follows the file', async (t) => {
  fs.writeFileSync(p('g.img'), Buffer.alloc(16 << 10));
  const r = openDriver({ driver: 'raw', file: { driver: 'file', filename: p('g.img') } }, ctx);
  bdrvTruncate(r, 1 << 20);
  t.equal(r.getLength(), 1 << 20);
  t.equal(fs.statSync(p('g.img')).size, 1 << 20);
  t.equal(r.filename, p('g.img'), 'plain filename without strong options');
  ctx.closeTree(r);
});

t.test('probed raw refuses to write something that probes as another format', async (t) => {
  fs.writeFileSync(p('pr.img'), Buffer.alloc(8192));
  const r = openDriver({ driver: 'raw', file: { driver: 'file', filename: p('pr.img') } }, ctx, undefined, { probed: true });
  t.match(warnings.at(-1) ?? '', /WARNING: Image format was not specified for '.*pr\.img' and probing guessed raw\./);
  const q = Buffer.alloc(512);
  q.writeUInt32BE(0x514649fb, 0);
  q.writeUInt32BE(3, 4);
  t.throws(() => r.pwrite(0, q), new BlockIOError(1), 'EPERM');
  r.pwrite(0, Buffer.alloc(512, 1));
  r.pwrite(512, q);
  ctx.closeTree(r);
});

t.test('raw raises read_aio / write_aio on its file child', async (t) => {
  const events: string[] = [];
  const file = openDriver({ driver: 'file', filename: p('a.img') }, ctx);
  const spy = file as unknown as { debugEvent(e: string): void };
  spy.debugEvent = (e: string) => events.push(e);
  nodes.set('f', file);
  const r = openDriver({ driver: 'raw', file: 'f' }, ctx);
  bdrvPread(r, 0, Buffer.alloc(512));
  bdrvPwrite(r, 0, img.subarray(0, 512));
  t.same(events, ['read_aio', 'write_aio', 'pwritev', 'pwritev_done']);
  r.close();
  file.close();
});

t.test('null-co / null-aio', async (t) => {
  const n = openDriver({ driver: 'null-co' }, ctx) as NullDriver;
  t.equal(n.getLength(), 1 << 30, 'default 1 GiB');
  t.same(n.imageInfo(), { filename: 'null-co://', format: 'null-co', 'actual-size': 0, 'virtual-size': 1 << 30 });
  const dest = Buffer.alloc(16, 0xaa);
  n.preadInto(0, dest);
  t.ok(dest.equals(Buffer.alloc(16, 0xaa)), 'read-zeroes=false leaves the buffer untouched');
  t.ok(n.pread(0, 16).equals(Buffer.alloc(16)), 'pread hands out zeroed memory');
  n.pwrite(0, Buffer.alloc(16, 1));
  t.same(n.blockStatus(0, 4096), { allocated: false, data: false, zero: false, length: 4096 });
  t.throws(() => bdrvTruncate(n, 4096), { message: 'Image format driver does not support resize' });

  const z = openDriver({ driver: 'null-aio', size: 1000, 'read-zeroes': true, 'latency-ns': 1000 }, ctx) as NullDriver;
  t.equal(z.getLength(), 1024, 'rounded up to a sector');
  t.equal(z.latencyNs, 1000);
  const d2 = Buffer.alloc(8, 0xaa);
  z.preadInto(0, d2);
  t.ok(d2.equals(Buffer.alloc(8)), 'read-zeroes=true zeroes');
  t.same(z.blockStatus(0, 512), { allocated: true, data: false, zero: true, length: 512 });
  t.equal(z.filename, 'json:{"read-zeroes": true, "driver": "null-aio", "size": 1000}');
  const lat = openDriver({ driver: 'null-co', 'latency-ns': 5 }, ctx);
  t.equal(lat.filename, 'null-co://', 'latency-ns alone keeps the plain filename');
  t.throws(() => openDriver({ driver: 'null-co', 'latency-ns': -1 }, ctx), { message: 'latency-ns is invalid' });
  t.throws(() => openDriver({ driver: 'null-co', size: 'big' }, ctx), { message: "Parameter 'size' expects a non-negative number below 2^64" });
  t.equal((openDriver({ driver: 'null-co', size: '1M' }, ctx) as NullDriver).getLength(), 1 << 20, '-drive style size suffix');
  const ro = openDriver({ driver: 'null-co', 'read-only': true }, ctx);
  t.throws(() => ro.pwrite(0, Buffer.alloc(1)), new BlockIOError(1));
});

t.test('unknown drivers', async (t) => {
  t.throws(() => openDriver({ driver: 'bogus' }, ctx), { message: "Parameter 'driver' does not accept value 'bogus'" });
  t.throws(() => openDriver({}, ctx), { message: "Parameter 'driver' is missing" });
});

t.test('bare filenames pick their protocol driver', async (t) => {
  t.same(optionsForFilename('/x/a.img'), { driver: 'file', filename: '/x/a.img' });
  t.same(optionsForFilename('file:/x/a.img'), { driver: 'file', filename: '/x/a.img' });
  t.same(optionsForFilename('null-co://'), { driver: 'null-co' });
  t.same(optionsForFilename('blkdebug:rules.cfg:/x/a.img'), { driver: 'blkdebug', config: 'rules.cfg', image: { driver: 'file', filename: '/x/a.img' } });
  t.same(optionsForFilename('blkdebug::null-aio://'), { driver: 'blkdebug', image: { driver: 'null-aio' } });
  t.throws(() => optionsForFilename('null-co://x'), { message: "The only allowed filename for this driver is 'null-co://'" });
  t.throws(() => optionsForFilename('blkdebug:x'), { message: 'blkdebug requires both config file and image path' });
  t.throws(() => optionsForFilename('nbd:localhost:10809'), { message: "Unknown protocol 'nbd'" });
  // -drive file.image.filename=...: a child with a filename and no driver is a file node
  const dbg = openDriver({ driver: 'blkdebug', image: { filename: p('a.img') } }, ctx);
  t.equal(dbg.file?.node.format, 'file');
  t.equal(dbg.filename, `blkdebug::${p('a.img')}`);
  ctx.closeTree(dbg);
});
