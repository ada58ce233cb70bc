// The 'file' protocol driver: QEMU's open errors, lengths rounded to
// sectors, reads past EOF, holes that stay holes when zeroed or discarded,
// sparse creation, truncate, read-only and auto-read-only, block status.

import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlockIOError } from '../src/block/drivers/block-driver.js';
import { FileDriver, createFile } from '../src/block/drivers/file.js';
import { bdrvPwrite, bdrvTruncate } from '../src/block/drivers/generic-io.js';
import { blockdevCreate, createOpenContext, openDriver } from '../src/block/drivers/registry.js';

// real file I/O and qemu-img runs: generous on a loaded machine (not a timed assertion)
t.setTimeout(600_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qmp-sim-file-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const p = (n: string): string => path.join(dir, n);
const ctx = createOpenContext({ policy: { allowed: [dir], cwd: dir } });
const open = (name: string, extra: Record<string, unknown> = {}): FileDriver =>
  openDriver({ driver: 'file', filename: p(name), ...extra }, ctx) as FileDriver;
const blocks = (name: string): number => fs.statSync(p(name)).blocks;

t.test('open errors', async (t) => {
  t.throws(() => open('missing.img'), { message: `Could not open '${p('missing.img')}': No such file or directory` });
  fs.mkdirSync(p('adir'));
  t.throws(() => open('adir', { 'read-only': true }), { message: `'file' driver requires '${p('adir')}' to be a regular file` });
  t.throws(() => openDriver({ driver: 'file' }, ctx), { message: "Parameter 'filename' is missing" });
  t.throws(() => open('x', { locking: 'sometimes' }), { message: "Parameter 'locking' does not accept value 'sometimes'" });
  t.throws(() => open('x', { bogus: 1 }), { message: "Parameter 'bogus' is unexpected" });
  t.throws(() => open('x', { aio: 'native' }), { message: 'aio=native was specified, but it requires cache.direct=on, which was not specified.' });
});

t.test('length is rounded up to sectors and reads past EOF are zero', async (t) => {
  fs.writeFileSync(p('odd.img'), Buffer.alloc(1000, 0x61));
  const f = open('odd.img', { locking: 'off' });
  t.equal(f.getLength(), 1024);
  t.equal(f.fileSize(), 1000);
  const b = f.pread(990, 30);
  t.ok(b.subarray(0, 10).equals(Buffer.alloc(10, 0x61)));
  t.ok(b.subarray(10).equals(Buffer.alloc(20)), 'zero past EOF');
  t.same(f.imageInfo(), { filename: p('odd.img'), format: 'file', 'dirty-flag': false, 'actual-size': blocks('odd.img') * 512, 'virtual-size': 1024 });
  f.close();
});

t.test('created files are sparse and stay sparse when zeroed', async (t) => {
  createFile(ctx, p('sparse.img'), 64 << 20);
  t.equal(fs.statSync(p('sparse.img')).size, 64 << 20);
  t.equal(blocks('sparse.img'), 0, 'no blocks after create');
  const f = open('sparse.img');
  t.same(f.blockStatus(0, 64 << 20), { allocated: true, data: false, zero: true, length: 64 << 20 }, 'all hole');
  f.pwriteZeroes(1 << 20, 8 << 20);
  f.pwriteZeroes(60 << 20, 4 << 20, { mayUnmap: true });
  f.discard(0, 1 << 20);
  t.equal(blocks('sparse.img'), 0, 'zeroing holes writes nothing');
  t.same(f.driverSpecificStats(), { driver: 'file', 'discard-nb-ok': 1, 'discard-nb-failed': 0, 'discard-bytes-ok': 1 << 20 });

  bdrvPwrite(f, 4 << 20, Buffer.alloc(64 << 10, 0xee));
  const used = blocks('sparse.img');
  t.ok(used > 0 && used <= ((64 << 10) / 512) * 2, 'only the written range allocated');
  t.same(f.blockStatus(4 << 20, 1 << 20), { allocated: true, data: true, zero: false, length: 64 << 10 }, 'data run');
  t.same(f.blockStatus(0, 8 << 20), { allocated: true, data: false, zero: true, length: 4 << 20 }, 'zero run up to the data in one answer (opened with no blocks, own writes tracked)');
  f.pwriteZeroes(4 << 20, 64 << 10);
  t.ok(f.pread(4 << 20, 64 << 10).equals(Buffer.alloc(64 << 10)), 'zeroed inside the file');
  t.equal(blocks('sparse.img'), used, 'no new blocks when zeroing');
  f.pwriteZeroes((64 << 20) - 4096, 8192);
  t.equal(f.fileSize(), (64 << 20) + 4096, 'zeroing past EOF extends the file');
  f.close();
});

t.test('tail zeroing cuts and re-extends', async (t) => {
  fs.writeFileSync(p('tail.img'), Buffer.alloc(1 << 20, 0x42));
  const before = blocks('tail.img');
  const f = open('tail.img');
  f.pwriteZeroes(512 << 10, 512 << 10);
  t.equal(f.fileSize(), 1 << 20);
  t.ok(f.pread(0, 512 << 10).equals(Buffer.alloc(512 << 10, 0x42)));
  t.ok(f.pread(512 << 10, 512 << 10).equals(Buffer.alloc(512 << 10)));
  t.ok(blocks('tail.img') < before, 'blocks released');
  f.close();
});

t.test('truncate', async (t) => {
  createFile(ctx, p('tr.img'), 1 << 20);
  const f = open('tr.img');
  bdrvTruncate(f, 4 << 20);
  t.equal(f.getLength(), 4 << 20);
  bdrvTruncate(f, 512);
  t.equal(f.getLength(), 512);
  t.throws(() => f.truncate(100, { prealloc: 'full' }), { message: 'Cannot use preallocation for shrinking files' });
  t.throws(() => f.truncate(1 << 20, { prealloc: 'metadata' }), { message: 'Unsupported preallocation mode: metadata' });
  f.truncate(8192, { prealloc: 'full' });
  t.equal(f.fileSize(), 8192);
  t.ok(blocks('tr.img') >= 8192 / 512 - 1, 'full preallocation allocates');
  f.close();
});

t.test('read-only and auto-read-only', async (t) => {
  createFile(ctx, p('ro.img'), 1 << 20);
  const ro = open('ro.img', { 'read-only': true });
  t.ok(ro.readOnly);
  t.throws(() => ro.pwrite(0, Buffer.alloc(1)), new BlockIOError(1));
  t.throws(() => bdrvTruncate(ro, 0), { message: 'Image is read-only' });
  ro.close();
  if (process.getuid?.() !== 0) {
    fs.chmodSync(p('ro.img'), 0o444);
    t.throws(() => open('ro.img'), { message: `Could not open '${p('ro.img')}': Permission denied` });
    const auto = open('ro.img', { 'auto-read-only': true });
    t.ok(auto.readOnly, 'fell back to read-only');
    auto.close();
  }
});

t.test('blockdev-create file', async (t) => {
  blockdevCreate({ driver: 'file', filename: p('bc.img'), size: 2 << 20 }, ctx);
  t.equal(fs.statSync(p('bc.img')).size, 2 << 20);
  t.equal(blocks('bc.img'), 0);
  fs.writeFileSync(p('bc.img'), Buffer.alloc(4096, 1));
  blockdevCreate({ driver: 'file', filename: p('bc.img'), size: 8192 }, ctx);
  t.ok(fs.readFileSync(p('bc.img')).equals(Buffer.alloc(8192)), 'existing file is cut to 0 first');
  t.throws(() => blockdevCreate({ driver: 'file', filename: p('nodir/x.img'), size: 1 }, ctx), {
    message: `Could not create '${p('nodir/x.img')}': No such file or directory`,
  });
  t.throws(() => blockdevCreate({ driver: 'raw', size: 1 }, ctx), { message: "Driver 'raw' does not support blockdev-create" });
});

t.test('requests on a closed node fail with ENOMEDIUM', async (t) => {
  createFile(ctx, p('c.img'), 4096);
  const f = open('c.img');
  f.close();
  t.throws(() => f.pread(0, 1), new BlockIOError(123));
  f.close();
});
