// The file driver's map of non-zero blocks (zero-detect.ts NonzeroBlocks):
// once the blocks seen non-zero account for every allocated block
// (st_blocks × 512), the rest of the file is known zero and block status,
// zeroing and reads stop looking at holes; a file with no blocks is all zero;
// own writes keep the map, outside changes and untrusted counts drop it, and
// whatever is not proven falls back to scanning the content.

import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileDriver } from '../src/block/drivers/file.js';
import { createOpenContext, openDriver } from '../src/block/drivers/registry.js';
import { HONEST_BLOCK_COUNT_FS, NonzeroBlocks } from '../src/block/drivers/zero-detect.js';

t.setTimeout(600_000);

const KiB = 1024;
const MiB = 1024 * KiB;
const G = 4096;
const st = (size: number, blocks: number, mtimeMs = 1) => ({ size, blocks, mtimeMs });
const data = (n: number, v = 0x5a) => Buffer.alloc(n, v);

t.test('unit: the budget completes the map only when every allocated block was seen', async (t) => {
  const m = new NonzeroBlocks(G, true);
  m.sync(st(64 * MiB, (3 * G) / 512));
  t.notOk(m.complete, 'nothing seen yet');
  m.noteRead(0, data(2 * G), Infinity);
  m.sync(st(64 * MiB, (3 * G) / 512));
  t.notOk(m.complete, 'two of three allocated blocks seen');
  m.noteRead(10 * G, Buffer.concat([Buffer.alloc(G), data(G)]), Infinity);
  t.equal(m.count, 3, 'zero blocks are not counted');
  m.sync(st(64 * MiB, (3 * G) / 512));
  t.ok(m.complete, 'three of three: the rest reads as zero');
  t.same(m.runAt(0, 64 * MiB, 64 * MiB), { zero: false, length: 2 * G });
  t.same(m.runAt(2 * G, 64 * MiB, 64 * MiB), { zero: true, length: 9 * G });
  t.same(m.runAt(12 * G, 64 * MiB, 64 * MiB), { zero: true, length: 64 * MiB }, 'a zero run to EOF covers the request');
});

t.test('unit: cases that must stay partial (scan)', async (t) => {
  const dishonest = new NonzeroBlocks(G, false);
  dishonest.noteRead(0, data(G), Infinity);
  dishonest.sync(st(MiB, G / 512));
  t.notOk(dishonest.complete, 'no budget on a filesystem not known to count st_blocks honestly');

  const zeroAllocated = new NonzeroBlocks(G, true);
  zeroAllocated.noteRead(0, Buffer.concat([data(G), Buffer.alloc(G)]), Infinity);
  zeroAllocated.sync(st(MiB, (2 * G) / 512));
  t.notOk(zeroAllocated.complete, 'an allocated block that reads zero is never seen: no proof');

  const partialRead = new NonzeroBlocks(G, true);
  partialRead.noteRead(100, data(G), Infinity);
  partialRead.sync(st(MiB, G / 512));
  t.equal(partialRead.count, 0, 'blocks only partly inside a read are not counted');
  t.notOk(partialRead.complete);

  const compressed = new NonzeroBlocks(G, true);
  compressed.noteRead(0, data(4 * G), Infinity);
  compressed.sync(st(MiB, G / 512));
  t.notOk(compressed.complete, 'more seen than allocated (compression): the count is not trusted');
  t.equal(compressed.count, 0, 'and what was seen is dropped');

  const big = new NonzeroBlocks(64 * KiB * 2, true);
  t.notOk(big.budget, 'a granule larger than 64 KiB is not trusted');
  t.equal(big.granule, G);

  const eof = new NonzeroBlocks(G, true);
  eof.noteRead(0, Buffer.concat([data(G), data(100), Buffer.alloc(G - 100)]), G + 100);
  eof.sync(st(G + 100, (2 * G) / 512));
  t.ok(eof.complete, 'the last block counts when the read reached EOF');
});

t.test('unit: writes keep a complete map, partial maps only lose blocks', async (t) => {
  const m = new NonzeroBlocks(G, true);
  m.sync(st(MiB, 0));
  t.ok(m.complete, 'no blocks allocated: all zero');
  m.noteWrite(G + 10, 20, data(20));
  t.ok(m.has(1), 'a partly written block with data joins');
  m.noteWrite(4 * G, 2 * G, data(2 * G));
  m.noteWrite(4 * G, G, Buffer.alloc(G));
  t.notOk(m.has(4), 'a whole block written with zeroes leaves');
  t.ok(m.has(5));
  m.noteWrite(5 * G + 1, 10, null);
  t.ok(m.has(5), 'a partly zeroed block stays (it may still hold data)');
  m.noteWrite(0, 8 * G, null);
  t.equal(m.count, 0, 'zeroing whole blocks empties the map');
  t.ok(m.complete);
  m.noteWrite(2 * G, G, data(G));
  m.noteTruncate(2 * G + 100);
  t.ok(m.has(2), 'the block holding the new end keeps its head');
  m.noteUnknown(6 * G, G);
  t.ok(m.has(6) && m.complete, 'a failed write: its blocks may hold anything');

  const p = new NonzeroBlocks(G, true);
  p.sync(st(MiB, (3 * G) / 512));
  p.noteRead(0, data(2 * G), Infinity);
  t.notOk(p.complete, 'two of three seen');
  p.noteWrite(G + 5, 5, Buffer.alloc(5));
  t.notOk(p.has(1), 'partial: a block partly overwritten with zeroes may be zero now: it leaves');
  p.noteTruncate(100);
  t.notOk(p.has(0), 'partial: the block holding the new end leaves');
});

t.test('unit: a change from outside drops the map', async (t) => {
  const m = new NonzeroBlocks(G, true);
  m.sync(st(MiB, 0, 1));
  t.ok(m.complete);
  m.sync(st(MiB, 8, 2));
  t.notOk(m.complete, 'st_blocks and mtime moved without an own write');
  const n = new NonzeroBlocks(G, true);
  n.sync(st(MiB, 0, 1));
  n.noteWrite(0, G, data(G));
  n.sync(st(MiB, 8, 2));
  t.ok(n.complete, 'after an own write the next fstat is the new reference');
  n.noteRead(8 * G, data(G), Infinity);
  t.notOk(n.complete, 'data where the map says zero: dropped');
});

// ---- the driver on real files ----

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qmp-sim-sparse-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const p = (n: string): string => path.join(dir, n);
const ctx = createOpenContext({ policy: { allowed: [dir], cwd: dir } });
const open = (name: string): FileDriver => openDriver({ driver: 'file', filename: p(name) }, ctx) as FileDriver;
const honest = HONEST_BLOCK_COUNT_FS.has(fs.statfsSync(dir).type);

function sparseFile(name: string, size: number, chunks: Array<[number, Buffer]>): void {
  const fd = fs.openSync(p(name), 'w');
  fs.ftruncateSync(fd, size);
  for (const [off, buf] of chunks) fs.writeSync(fd, buf, 0, buf.length, off);
  fs.closeSync(fd);
}

t.test('driver: one scan of the data proves the rest is zero', { skip: honest ? false : 'tmpdir is not on a filesystem with an honest st_blocks' }, async (t) => {
  sparseFile('a.img', 256 * MiB, [[0, data(512 * KiB)]]);
  t.equal(fs.statSync(p('a.img')).blocks * 512, 512 * KiB, 'the filesystem allocated exactly the data');
  const f = open('a.img');
  t.notOk(f.nonzeroMapState().complete);
  t.same(f.blockStatus(MiB, 255 * MiB), { allocated: true, data: false, zero: true, length: MiB }, 'before: one scan chunk at a time');
  t.same(f.blockStatus(0, 256 * MiB), { allocated: true, data: true, zero: false, length: 512 * KiB }, 'the scan reads the data');
  t.ok(f.nonzeroMapState().complete, 'every allocated block seen');
  t.same(f.blockStatus(512 * KiB, 256 * MiB), { allocated: true, data: false, zero: true, length: 256 * MiB }, 'after: the whole zero run in one answer');
  const before = fs.statSync(p('a.img')).blocks;
  f.pwriteZeroes(MiB, 200 * MiB);
  t.equal(fs.statSync(p('a.img')).blocks, before, 'zeroing a known-zero range allocates nothing');
  f.pwrite(100 * MiB, data(8 * KiB, 0x11));
  t.ok(f.nonzeroMapState().complete, 'own writes keep the map');
  t.same(f.blockStatus(512 * KiB, 256 * MiB), { allocated: true, data: false, zero: true, length: 100 * MiB - 512 * KiB }, 'up to the new data');
  t.ok(f.pread(100 * MiB - 4 * KiB, 16 * KiB).equals(Buffer.concat([Buffer.alloc(4 * KiB), data(8 * KiB, 0x11), Buffer.alloc(4 * KiB)])), 'reads: known-zero blocks are filled, data is read');
  f.close();
});

t.test('driver: a file with no blocks is all zero, and own writes keep it known', async (t) => {
  sparseFile('b.img', 64 * MiB, []);
  const f = open('b.img');
  t.ok(f.nonzeroMapState().complete);
  f.pwrite(3 * MiB, data(G));
  t.same(f.blockStatus(0, 64 * MiB), { allocated: true, data: false, zero: true, length: 3 * MiB });
  t.same(f.blockStatus(3 * MiB, 64 * MiB), { allocated: true, data: true, zero: false, length: G });
  t.same(f.blockStatus(3 * MiB + G, 64 * MiB), { allocated: true, data: false, zero: true, length: 64 * MiB });
  f.pwriteZeroes(3 * MiB, G);
  t.ok(f.pread(3 * MiB, G).equals(Buffer.alloc(G)));
  t.same(f.blockStatus(0, 64 * MiB), { allocated: true, data: false, zero: true, length: 64 * MiB }, 'zeroed block left the map');
  f.close();
});

t.test('driver: what must fall back to scanning', async (t) => {
  // an allocated block of zeroes can never be seen non-zero: no proof
  sparseFile('c.img', 64 * MiB, [[0, data(G)], [G, Buffer.alloc(G)]]);
  const c = open('c.img');
  c.blockStatus(0, 64 * MiB);
  c.blockStatus(G, 64 * MiB);
  t.notOk(c.nonzeroMapState().complete, 'allocated zero block');
  t.same(c.blockStatus(2 * G, 64 * MiB), { allocated: true, data: false, zero: true, length: MiB }, 'scanning: one chunk');
  c.close();

  // written from outside after the map was complete
  sparseFile('d.img', 64 * MiB, []);
  const d = open('d.img');
  t.ok(d.nonzeroMapState().complete);
  const fd = fs.openSync(p('d.img'), 'r+');
  fs.writeSync(fd, data(G, 0x77), 0, G, 5 * MiB);
  fs.closeSync(fd);
  await new Promise((r) => setImmediate(r)); // past the fstat shared by one synchronous run
  t.notOk(d.nonzeroMapState().complete, 'st_blocks changed behind the driver: map dropped');
  t.ok(d.pread(5 * MiB, G).equals(data(G, 0x77)), 'the outside data is read');
  t.same(d.blockStatus(5 * MiB, MiB), { allocated: true, data: true, zero: false, length: G });
  d.close();
});
