// Dirty bitmaps (block/dirty-bitmap.c over util/hbitmap.c): the paged bit
// array against a naive Set-of-chunks model over random seeds, the hbitmap
// search semantics on hand-picked cases, a 100 GiB bitmap staying cheap, and
// the write path marking every node a guest write passes through.
import t from 'tap';
import { BdrvDirtyBitmap, createDirtyBitmap, findDirtyBitmap, markNodeDirty, releaseDirtyBitmap } from '../src/block/dirty-bitmap.js';
import { rmSync } from 'node:fs';
import { blockVm, scratchDir } from './lib/block-machine.js';
import { hmpQemuIo } from '../src/block/qemu-io.js';
import { xorshift32 } from './lib/prng.js';

/** The same semantics, one chunk index per dirty chunk in a Set. */
class NaiveBitmap {
  dirty = new Set<number>();
  // a byte per chunk mirrors the Set so that the linear searches stay quick
  flags = new Uint8Array(0);
  constructor(
    public size: number,
    readonly gran: number,
  ) {}
  get nbits(): number {
    return Math.ceil(this.size / this.gran);
  }
  set(off: number, bytes: number): void {
    if (bytes <= 0 || off >= this.size) return;
    const last = Math.min(Math.floor((off + bytes - 1) / this.gran), this.nbits - 1);
    for (let b = Math.floor(off / this.gran); b <= last; b++) this.dirty.add(b);
  }
  reset(off: number, bytes: number): void {
    if (bytes <= 0 || off >= this.size) return;
    const first = Math.ceil(off / this.gran);
    const end = off + bytes;
    const lastExcl = end >= this.size ? this.nbits : Math.floor(end / this.gran);
    for (let b = first; b < lastExcl; b++) this.dirty.delete(b);
  }
  get(off: number): boolean {
    return off < this.size && this.dirty.has(Math.floor(off / this.gran));
  }
  sync(): void {
    this.flags = new Uint8Array(this.nbits);
    for (const b of this.dirty) this.flags[b] = 1;
  }
  count(): number {
    return this.dirty.size * this.gran;
  }
  nextDirty(off: number, end = this.size): number {
    end = Math.min(end, this.size);
    if (off >= end) return -1;
    const endBit = Math.ceil(end / this.gran);
    for (let b = Math.floor(off / this.gran); b < endBit; b++) if (this.flags[b]) return Math.max(off, b * this.gran);
    return -1;
  }
  nextZero(off: number, end = this.size): number {
    if (off >= this.size || end <= off) return -1;
    // hbitmap_next_zero looks at whole chunks up to the one holding end-1
    const endBit = end >= this.size ? this.nbits : Math.floor((end - 1) / this.gran) + 1;
    for (let b = Math.floor(off / this.gran); b < endBit; b++) if (!this.flags[b]) return Math.max(off, b * this.gran);
    return -1;
  }
  truncate(size: number): void {
    this.size = size;
    for (const b of [...this.dirty]) if (b >= this.nbits) this.dirty.delete(b);
  }
}

function compare(t: { fail(m: string): boolean }, bm: BdrvDirtyBitmap, model: NaiveBitmap, rnd: () => number, what: string): boolean {
  model.sync();
  if (bm.count() !== model.count()) return t.fail(`${what}: count ${bm.count()} != ${model.count()}`);
  for (let i = 0; i < 8; i++) {
    const off = pick(rnd, model.size + model.gran);
    const end = off + pick(rnd, model.size);
    if (bm.isDirty(off) !== model.get(off)) return t.fail(`${what}: isDirty(${off})`);
    if (bm.nextDirty(off, end) !== model.nextDirty(off, end)) return t.fail(`${what}: nextDirty(${off}, ${end}) = ${bm.nextDirty(off, end)}, model ${model.nextDirty(off, end)}`);
    if (bm.nextDirty(off) !== model.nextDirty(off)) return t.fail(`${what}: nextDirty(${off})`);
    if (bm.nextZero(off, end) !== model.nextZero(off, end)) return t.fail(`${what}: nextZero(${off}, ${end}) = ${bm.nextZero(off, end)}, model ${model.nextZero(off, end)}`);
    if (bm.nextZero(off) !== model.nextZero(off)) return t.fail(`${what}: nextZero(${off})`);
    const max = 1 + pick(rnd, model.size);
    const area = bm.nextDirtyArea(off, end, max);
    const s = model.nextDirty(off, Math.min(end, model.size));
    let want: { offset: number; bytes: number } | null = null;
    if (s >= 0 && off < Math.min(end, model.size)) {
      let stop = s + Math.min(Math.min(end, model.size) - s, max);
      const z = model.nextZero(s, stop);
      if (z >= 0) stop = z;
      want = { offset: s, bytes: stop - s };
    }
    if (JSON.stringify(area) !== JSON.stringify(want)) return t.fail(`${what}: nextDirtyArea(${off}, ${end}, ${max}) = ${JSON.stringify(area)}, model ${JSON.stringify(want)}`);
  }
  return true;
}

/** Offsets biased towards chunk, word and page edges. */
function pick(rnd: () => number, limit: number): number {
  const r = rnd();
  if (r < 0.5) return Math.floor(rnd() * limit);
  const unit = [512, 512 * 32, 512 * 32768, 4096][Math.floor(rnd() * 4)];
  const n = Math.floor((rnd() * limit) / unit) * unit;
  return Math.max(0, n + [-1, 0, 1, 0][Math.floor(rnd() * 4)]);
}

t.test('paged bitmap equals a Set model over 200 seeds', async (t) => {
  let ok = true;
  for (let seed = 1; seed <= 200 && ok; seed++) {
    const rnd = xorshift32(seed);
    const gran = [512, 1024, 4096, 65536][seed % 4];
    // most maps within one page of 32768 chunks, every fifth up to ~3 pages
    const chunks = seed % 5 === 0 ? 100_000 : 3000;
    const size = 1 + Math.floor(rnd() * gran * chunks);
    const bm = new BdrvDirtyBitmap(size, gran, 'b');
    const model = new NaiveBitmap(size, gran);
    const other = new BdrvDirtyBitmap(size, seed % 2 ? gran : 512, 'o');
    const otherModel = new NaiveBitmap(size, seed % 2 ? gran : 512);
    for (let step = 0; step < 60 && ok; step++) {
      const op = rnd();
      const off = pick(rnd, model.size);
      const len = rnd() < 0.2 ? pick(rnd, model.size) : Math.floor(rnd() * gran * 70);
      const steps = chunks > 10_000 ? 25 : 60;
      if (step >= steps) break;
      let what: string;
      if (op < 0.45) {
        bm.setDirty(off, len);
        model.set(off, len);
        what = `set(${off}, ${len})`;
      } else if (op < 0.8) {
        bm.resetDirty(off, len);
        model.reset(off, len);
        what = `reset(${off}, ${len})`;
      } else if (op < 0.87) {
        other.setDirty(off, len);
        otherModel.set(off, len);
        bm.merge(other);
        for (const b of otherModel.dirty) model.set(b * otherModel.gran, otherModel.gran);
        what = `merge after other.set(${off}, ${len})`;
      } else if (op < 0.95) {
        const ns = 1 + Math.floor(rnd() * gran * chunks);
        bm.truncate(ns);
        model.truncate(ns);
        other.truncate(ns);
        otherModel.truncate(ns);
        what = `truncate(${ns})`;
      } else {
        bm.clear();
        model.dirty.clear();
        what = 'clear';
      }
      ok = compare(t, bm, model, rnd, `seed ${seed} step ${step} ${what}`);
    }
  }
  t.ok(ok, 'all seeds agree');
});

t.test('hbitmap search semantics', async (t) => {
  const bm = new BdrvDirtyBitmap(1_000_000, 65536, null);
  bm.setDirty(70_000, 1); // chunk 1: [65536, 131072)
  t.equal(bm.count(), 65536, 'count is whole chunks');
  t.equal(bm.nextDirty(0), 65536);
  t.equal(bm.nextDirty(100_000), 100_000, 'inside a dirty chunk: the offset itself');
  t.equal(bm.nextDirty(0, 65536), -1, 'end is exclusive');
  t.equal(bm.nextZero(65536), 131072);
  t.equal(bm.nextZero(0), 0);
  t.same(bm.nextDirtyArea(0, 1_000_000, 1 << 30), { offset: 65536, bytes: 65536 });
  t.same(bm.nextDirtyArea(70_000, 1_000_000, 1000), { offset: 70_000, bytes: 1000 });
  bm.resetDirty(65536 + 512, 65536);
  t.ok(bm.isDirty(65536), 'reset rounds in: a partly covered chunk stays dirty');
  bm.setDirty(983_040, 100); // the tail chunk [983040, 1000000)
  bm.resetDirty(983_040, 1_000_000 - 983_040);
  t.notOk(bm.isDirty(999_999), 'the tail chunk resets up to the end of the node');
  t.equal(bm.nextDirty(2_000_000), -1, 'past the end');
  t.equal(bm.nextZero(-5), -1, 'bad input answers -1');
  bm.setDirty(-1, 100);
  bm.setDirty(0, NaN);
  t.equal(bm.count(), 65536, 'bad ranges are ignored');
  t.same(bm.info(), { count: 65536, granularity: 65536, recording: true, busy: false, persistent: false }, 'anonymous: no name');
});

t.test('a 100 GiB bitmap at 64 KiB is cheap and searches skip clean space', async (t) => {
  const size = 100 * 2 ** 30;
  const bm = new BdrvDirtyBitmap(size, 65536, 'big');
  t.equal(bm.nextDirty(0), -1);
  bm.setDirty(size - 1, 1);
  t.equal(bm.nextDirty(0), size - 65536);
  bm.setDirty(0, size);
  t.equal(bm.count(), size);
  t.equal(bm.nextZero(0), -1);
  bm.resetDirty(0, size);
  t.equal(bm.count(), 0);
  const fine = new BdrvDirtyBitmap(8 * 2 ** 50, 512 * 1024 * 1024, 'huge-sparse');
  fine.setDirty(2 ** 52, 1);
  t.equal(fine.nextDirty(0), 2 ** 52);
  t.throws(() => new BdrvDirtyBitmap(2 ** 62, 512, 'x'), /Cannot allocate memory/, 'a bitmap too large to hold is an error, not a crash');
});

t.test('guest writes mark every enabled bitmap of every node on the path', async (t) => {
  const vm = blockVm({ drives: ['if=none,id=drive0,driver=raw,file.driver=null-co,file.size=8M,node-name=fmt,file.node-name=proto'] });
  t.teardown(() => vm.close());
  const fmt = vm.machine.block.findNode('fmt')!;
  const proto = vm.machine.block.findNode('proto')!;
  const a = createDirtyBitmap(fmt, 65536, 'a');
  const b = createDirtyBitmap(proto, 4096, 'b');
  const off = createDirtyBitmap(fmt, 65536, 'off');
  off.disabled = true;
  t.equal(fmt.dirtyBitmaps[0], off, 'newest first');
  t.equal(findDirtyBitmap(fmt, 'a'), a);
  t.throws(() => createDirtyBitmap(fmt, 65536, 'a'), /Bitmap already exists: a/);
  t.equal(hmpQemuIo(vm.machine.block, 'drive0 "write 4k 4k"'), '');
  t.equal(hmpQemuIo(vm.machine.block, 'drive0 "write -z 1M 64k"'), '');
  t.equal(a.count(), 2 * 65536);
  t.equal(b.count(), 4096 + 65536, 'the protocol node below sees the same writes');
  t.equal(off.count(), 0, 'a disabled bitmap records nothing');
  t.equal(hmpQemuIo(vm.machine.block, 'drive0 "read 0 128k"'), '');
  t.equal(a.count(), 2 * 65536, 'reads do not dirty');
  markNodeDirty(fmt, 4 * 1024 * 1024, 1);
  t.equal(a.count(), 3 * 65536);
  releaseDirtyBitmap(fmt, a);
  t.equal(findDirtyBitmap(fmt, 'a'), undefined);
});

t.test('block_resize truncates the bitmaps of the node and its children', async (t) => {
  const dir = scratchDir({ 'd.raw': 8 * 1024 * 1024 });
  const vm = blockVm({ drives: [`if=none,id=drive0,driver=raw,file.driver=file,file.filename=${dir}/d.raw,node-name=fmt,file.node-name=proto`] }, { dir });
  t.teardown(() => {
    vm.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const fmt = vm.machine.block.findNode('fmt')!;
  const proto = vm.machine.block.findNode('proto')!;
  const a = createDirtyBitmap(fmt, 65536, 'a');
  const b = createDirtyBitmap(proto, 65536, 'b');
  a.setDirty(7 * 1024 * 1024, 1);
  vm.machine.block.resize(fmt, 4 * 1024 * 1024);
  t.equal(a.size, 4 * 1024 * 1024);
  t.equal(b.size, proto.bs.getLength());
  t.equal(a.count(), 0, 'bits past the new end are gone');
});
