// Dirty bitmaps (block/dirty-bitmap.c over util/hbitmap.c): one bit per
// `granularity` bytes of a node. Offsets and lengths are bytes; setDirty
// rounds out to the granularity, resetDirty rounds in (hbitmap_reset wants
// aligned ranges; the tail chunk at the end of the node counts as aligned),
// count() is dirty chunks × granularity as hbitmap_count reports it.
//
// Storage: pages of 32768 bits (1024 32-bit words) allocated on first set and
// dropped when they empty, a per-page population count and a bitset of
// non-empty pages, so an empty bitmap over a huge node costs almost nothing
// and the searches skip clean pages 32 at a time and clean words one by one.

import type { BlockNode } from './block-node.js';
import { BlockGenericError } from './drivers/block-driver.js';

const PAGE_SHIFT = 15;
const PAGE_BITS = 1 << PAGE_SHIFT;
const PAGE_WORDS = PAGE_BITS >>> 5;
/** More pages than this: the bitmap would need too much memory (QEMU would abort). */
const MAX_PAGES = 1 << 22;
/** BDRV_BITMAP_MAX_NAME_SIZE (include/block/dirty-bitmap.h) */
export const BITMAP_MAX_NAME_SIZE = 1023;

function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Bits lo..hi (0..31, inclusive) of a word. */
function wordMask(lo: number, hi: number): number {
  return (hi === 31 ? 0xffffffff : ((1 << (hi + 1)) - 1)) & ~((1 << lo) - 1);
}

/** The bit array behind a bitmap (util/hbitmap.c's role): bit indices, no granularity. */
export class PagedBits {
  nbits: number;
  private pages: Array<Uint32Array | undefined>;
  private pageCount: Uint32Array;
  private nonEmpty: Uint32Array;
  total = 0;

  constructor(nbits: number) {
    this.nbits = nbits;
    const np = PagedBits.pagesFor(nbits);
    this.pages = new Array(np);
    this.pageCount = new Uint32Array(np);
    this.nonEmpty = new Uint32Array(Math.max(1, (np + 31) >>> 5));
  }

  static pagesFor(nbits: number): number {
    return Math.ceil(nbits / PAGE_BITS);
  }

  clone(): PagedBits {
    const c = new PagedBits(this.nbits);
    for (let p = 0; p < this.pages.length; p++) {
      const pg = this.pages[p];
      if (pg) c.pages[p] = pg.slice();
    }
    c.pageCount.set(this.pageCount);
    c.nonEmpty.set(this.nonEmpty);
    c.total = this.total;
    return c;
  }

  get(bit: number): boolean {
    if (!(bit >= 0 && bit < this.nbits)) return false;
    const pg = this.pages[Math.floor(bit / PAGE_BITS)];
    if (!pg) return false;
    const w = bit % PAGE_BITS;
    return ((pg[w >>> 5] >>> (w & 31)) & 1) === 1;
  }

  private markPage(p: number, count: number): void {
    this.pageCount[p] = count;
    if (count === 0) {
      this.pages[p] = undefined;
      this.nonEmpty[p >>> 5] &= ~(1 << (p & 31));
    } else {
      this.nonEmpty[p >>> 5] |= 1 << (p & 31);
    }
  }

  /** Sets bits first..last (inclusive, already clamped). */
  setRange(first: number, last: number): void {
    for (let p = Math.floor(first / PAGE_BITS); p * PAGE_BITS <= last; p++) {
      const base = p * PAGE_BITS;
      const lo = Math.max(first, base) - base;
      const hi = Math.min(last, base + PAGE_BITS - 1) - base;
      const old = this.pageCount[p];
      if (old === PAGE_BITS) continue;
      let pg = this.pages[p];
      if (!pg) pg = this.pages[p] = new Uint32Array(PAGE_WORDS);
      if (lo === 0 && hi === PAGE_BITS - 1) {
        pg.fill(0xffffffff);
        this.total += PAGE_BITS - old;
        this.markPage(p, PAGE_BITS);
        continue;
      }
      let delta = 0;
      for (let w = lo >>> 5; w <= hi >>> 5; w++) {
        const m = wordMask(w === lo >>> 5 ? lo & 31 : 0, w === hi >>> 5 ? hi & 31 : 31);
        const before = pg[w];
        const after = (before | m) >>> 0;
        if (after !== before) {
          delta += popcount32(after) - popcount32(before);
          pg[w] = after;
        }
      }
      this.total += delta;
      this.markPage(p, old + delta);
    }
  }

  /** Clears bits first..last (inclusive, already clamped). */
  resetRange(first: number, last: number): void {
    const pFirst = Math.floor(first / PAGE_BITS);
    const pLast = Math.floor(last / PAGE_BITS);
    for (let p = this.nextNonEmptyPage(pFirst, pLast + 1); p >= 0; p = this.nextNonEmptyPage(p + 1, pLast + 1)) {
      const base = p * PAGE_BITS;
      const lo = Math.max(first, base) - base;
      const hi = Math.min(last, base + PAGE_BITS - 1) - base;
      const old = this.pageCount[p];
      if (lo === 0 && hi === PAGE_BITS - 1) {
        this.total -= old;
        this.markPage(p, 0);
        continue;
      }
      const pg = this.pages[p]!;
      let delta = 0;
      for (let w = lo >>> 5; w <= hi >>> 5; w++) {
        const before = pg[w];
        if (before === 0) continue;
        const m = wordMask(w === lo >>> 5 ? lo & 31 : 0, w === hi >>> 5 ? hi & 31 : 31);
        const after = (before & ~m) >>> 0;
        delta += popcount32(before) - popcount32(after);
        pg[w] = after;
      }
      this.total -= delta;
      this.markPage(p, old - delta);
    }
  }

  clearAll(): void {
    this.pages = new Array(this.pages.length);
    this.pageCount.fill(0);
    this.nonEmpty.fill(0);
    this.total = 0;
  }

  /** First page >= p (and < limit) holding a set bit, -1 if none. */
  private nextNonEmptyPage(p: number, limit: number): number {
    limit = Math.min(limit, this.pages.length);
    while (p < limit) {
      const w = this.nonEmpty[p >>> 5] & ~((1 << (p & 31)) - 1);
      if (w !== 0) {
        const found = (p & ~31) + ctz32(w);
        return found < limit ? found : -1;
      }
      p = (p & ~31) + 32;
    }
    return -1;
  }

  /** First set bit in [from, limit), -1 if none. */
  nextSet(from: number, limit: number): number {
    limit = Math.min(limit, this.nbits);
    if (from < 0) from = 0;
    if (from >= limit || this.total === 0) return -1;
    let p = Math.floor(from / PAGE_BITS);
    const pEnd = Math.ceil(limit / PAGE_BITS);
    let start = from - p * PAGE_BITS;
    for (p = this.nextNonEmptyPage(p, pEnd); p >= 0; p = this.nextNonEmptyPage(p + 1, pEnd)) {
      const base = p * PAGE_BITS;
      if (base + PAGE_BITS <= from) continue;
      if (base > from) start = 0;
      const pg = this.pages[p]!;
      for (let w = start >>> 5; w < PAGE_WORDS; w++) {
        let word = pg[w];
        if (w === start >>> 5) word &= ~((1 << (start & 31)) - 1);
        if (word !== 0) {
          const bit = base + (w << 5) + ctz32(word);
          return bit < limit ? bit : -1;
        }
      }
    }
    return -1;
  }

  /** First clear bit in [from, limit), -1 if none. */
  nextClear(from: number, limit: number): number {
    limit = Math.min(limit, this.nbits);
    if (from < 0) from = 0;
    let bit = from;
    while (bit < limit) {
      const p = Math.floor(bit / PAGE_BITS);
      const base = p * PAGE_BITS;
      const pg = this.pages[p];
      if (!pg) return bit;
      if (this.pageCount[p] === PAGE_BITS) {
        bit = base + PAGE_BITS;
        continue;
      }
      const start = bit - base;
      for (let w = start >>> 5; w < PAGE_WORDS; w++) {
        let word = ~pg[w];
        if (w === start >>> 5) word &= ~((1 << (start & 31)) - 1);
        if (word !== 0) {
          const found = base + (w << 5) + ctz32(word);
          return found < limit ? found : -1;
        }
      }
      bit = base + PAGE_BITS;
    }
    return -1;
  }

  /** result |= other, same bit layout (bits past nbits are ignored). */
  orFrom(other: PagedBits): void {
    const n = Math.min(this.pages.length, other.pages.length);
    for (let p = other.nextNonEmptyPage(0, n); p >= 0; p = other.nextNonEmptyPage(p + 1, n)) {
      const src = other.pages[p]!;
      const base = p * PAGE_BITS;
      if (base + PAGE_BITS > this.nbits) {
        // the last page of this map: only bits below nbits
        for (let b = other.nextSet(base, Math.min(this.nbits, base + PAGE_BITS)); b >= 0; b = other.nextSet(b + 1, Math.min(this.nbits, base + PAGE_BITS))) {
          this.setRange(b, b);
        }
        continue;
      }
      const old = this.pageCount[p];
      if (old === PAGE_BITS) continue;
      let pg = this.pages[p];
      if (!pg) pg = this.pages[p] = new Uint32Array(PAGE_WORDS);
      let count = 0;
      for (let w = 0; w < PAGE_WORDS; w++) {
        const v = (pg[w] | src[w]) >>> 0;
        pg[w] = v;
        count += popcount32(v);
      }
      this.total += count - old;
      this.markPage(p, count);
    }
  }

  /** hbitmap_truncate: bits past the new end are dropped, new bits are clear. */
  resize(nbits: number): void {
    if (nbits === this.nbits) return;
    if (nbits < this.nbits && this.nbits > 0) this.resetRange(nbits, this.nbits - 1);
    const np = PagedBits.pagesFor(nbits);
    const pages: Array<Uint32Array | undefined> = new Array(np);
    const counts = new Uint32Array(np);
    const nonEmpty = new Uint32Array(Math.max(1, (np + 31) >>> 5));
    const keep = Math.min(np, this.pages.length);
    for (let p = 0; p < keep; p++) pages[p] = this.pages[p];
    counts.set(this.pageCount.subarray(0, keep));
    for (let p = 0; p < keep; p++) if (counts[p] !== 0) nonEmpty[p >>> 5] |= 1 << (p & 31);
    this.pages = pages;
    this.pageCount = counts;
    this.nonEmpty = nonEmpty;
    this.nbits = nbits;
  }
}

/** BlockDirtyInfo (qapi/block-core.json), QAPI member order. */
export interface BlockDirtyInfo {
  name?: string;
  count: number;
  granularity: number;
  recording: boolean;
  busy: boolean;
  persistent: boolean;
  inconsistent?: boolean;
}

/** A saved copy of a bitmap's bits (the HBitmap backup of bdrv_clear_dirty_bitmap / merge). */
export interface DirtyBitmapBackup {
  readonly bits: PagedBits;
  readonly size: number;
}

export class BdrvDirtyBitmap {
  readonly granularity: number;
  name: string | null;
  disabled = false;
  busy = false;
  persistent = false;
  inconsistent = false;
  /** BdrvDirtyBitmap.readonly (bitmaps loaded from a read-only image) */
  readonly = false;
  /** the node the bitmap belongs to (set by createDirtyBitmap) */
  node: BlockNode | null = null;
  private bits: PagedBits;
  private bytes: number;

  constructor(size: number, granularity: number, name: string | null) {
    if (!Number.isInteger(granularity) || granularity < 1 || granularity > 2 ** 40 || Math.log2(granularity) % 1 !== 0) {
      throw new RangeError(`dirty bitmap granularity ${granularity} is not a power of 2`);
    }
    this.granularity = granularity;
    this.name = name;
    this.bytes = Math.max(0, size);
    const nbits = Math.ceil(this.bytes / granularity);
    if (PagedBits.pagesFor(nbits) > MAX_PAGES) throw new BlockGenericError('Cannot allocate memory for the dirty bitmap', 12);
    this.bits = new PagedBits(nbits);
  }

  /** bytes covered (bdrv_dirty_bitmap_size) */
  get size(): number {
    return this.bytes;
  }

  /** bdrv_dirty_bitmap_enabled */
  get enabled(): boolean {
    return !this.disabled;
  }

  /** bdrv_set_dirty_bitmap: rounds out to the granularity, clamps to the node. */
  setDirty(offset: number, bytes: number): void {
    if (!(bytes > 0) || !(offset >= 0) || offset >= this.bytes) return;
    const g = this.granularity;
    const first = Math.floor(offset / g);
    const last = Math.min(Math.floor((offset + bytes - 1) / g), this.bits.nbits - 1);
    if (first <= last) this.bits.setRange(first, last);
  }

  /** bdrv_reset_dirty_bitmap: rounds in (a partial chunk stays dirty), the node's tail chunk included. */
  resetDirty(offset: number, bytes: number): void {
    if (!(bytes > 0) || !(offset >= 0) || offset >= this.bytes) return;
    const g = this.granularity;
    const first = Math.ceil(offset / g);
    const end = offset + bytes;
    const lastExcl = end >= this.bytes ? this.bits.nbits : Math.floor(end / g);
    if (first < lastExcl) this.bits.resetRange(first, lastExcl - 1);
  }

  /** bdrv_dirty_bitmap_get */
  isDirty(offset: number): boolean {
    if (!(offset >= 0) || offset >= this.bytes) return false;
    return this.bits.get(Math.floor(offset / this.granularity));
  }

  /** bdrv_get_dirty_count: dirty chunks × granularity */
  count(): number {
    return this.bits.total * this.granularity;
  }

  /** hbitmap_next_dirty: first dirty byte >= offset and < end, -1 if none. */
  nextDirty(offset: number, end?: number): number {
    if (!(offset >= 0) || offset >= this.bytes) return -1;
    const e = end === undefined ? this.bytes : Math.min(end, this.bytes);
    if (!(e > offset)) return -1;
    const g = this.granularity;
    const bit = this.bits.nextSet(Math.floor(offset / g), Math.ceil(e / g));
    if (bit < 0) return -1;
    return Math.max(offset, bit * g);
  }

  /** hbitmap_next_zero: first clean byte >= offset and < end, -1 if none. */
  nextZero(offset: number, end?: number): number {
    if (!(offset >= 0) || offset >= this.bytes) return -1;
    if (end !== undefined && !(end > offset)) return -1;
    const g = this.granularity;
    const endBit = end === undefined || end >= this.bytes ? this.bits.nbits : Math.floor((end - 1) / g) + 1;
    const bit = this.bits.nextClear(Math.floor(offset / g), endBit);
    if (bit < 0) return -1;
    return Math.max(offset, bit * g);
  }

  /** hbitmap_next_dirty_area: the first dirty run in [offset, end), at most maxBytes long. */
  nextDirtyArea(offset: number, end: number, maxBytes: number): { offset: number; bytes: number } | null {
    if (!(maxBytes > 0) || !(offset >= 0)) return null;
    end = Math.min(end, this.bytes);
    if (!(offset < end)) return null;
    const start = this.nextDirty(offset, end);
    if (start < 0) return null;
    let stop = start + Math.min(end - start, maxBytes);
    const zero = this.nextZero(start, stop);
    if (zero >= 0) stop = zero;
    return { offset: start, bytes: stop - start };
  }

  /** bdrv_clear_dirty_bitmap */
  clear(): void {
    this.bits.clearAll();
  }

  /** hbitmap_merge: this |= src (granularities may differ; past this map's end is ignored). */
  merge(src: BdrvDirtyBitmap): void {
    if (src === this || src.bits.total === 0) return;
    if (src.granularity === this.granularity) {
      this.bits.orFrom(src.bits);
      return;
    }
    // hbitmap_sparse_merge
    for (let a = src.nextDirtyArea(0, src.size, Number.MAX_SAFE_INTEGER); a; a = src.nextDirtyArea(a.offset + a.bytes, src.size, Number.MAX_SAFE_INTEGER)) {
      this.setDirty(a.offset, a.bytes);
    }
  }

  /** bdrv_dirty_bitmap_truncate for one bitmap */
  truncate(newSize: number): void {
    if (!(newSize >= 0)) return;
    const nbits = Math.ceil(newSize / this.granularity);
    if (PagedBits.pagesFor(nbits) > MAX_PAGES) throw new BlockGenericError('Cannot allocate memory for the dirty bitmap', 12);
    this.bits.resize(nbits);
    this.bytes = newSize;
  }

  /** The bits as they are now, for a transaction's abort (bdrv_clear_dirty_bitmap's backup). */
  backup(): DirtyBitmapBackup {
    return { bits: this.bits.clone(), size: this.bytes };
  }

  /** bdrv_restore_dirty_bitmap */
  restore(b: DirtyBitmapBackup): void {
    this.bits = b.bits.clone();
    this.bytes = b.size;
  }

  /** bdrv_dirty_bitmap_recording (no successors are modelled) */
  get recording(): boolean {
    return !this.disabled;
  }

  /** BlockDirtyInfo, as bdrv_query_dirty_bitmaps fills it. */
  info(): Record<string, unknown> {
    const info: BlockDirtyInfo = {
      ...(this.name !== null ? { name: this.name } : {}),
      count: this.count(),
      granularity: this.granularity,
      recording: this.recording,
      busy: this.busy,
      persistent: this.persistent,
      ...(this.inconsistent ? { inconsistent: true } : {}),
    };
    return info as unknown as Record<string, unknown>;
  }
}

/** bdrv_create_dirty_bitmap: newest first in node.dirtyBitmaps. */
export function createDirtyBitmap(node: BlockNode, granularity: number, name: string | null): BdrvDirtyBitmap {
  if (name !== null) {
    if (findDirtyBitmap(node, name)) throw new BlockGenericError(`Bitmap already exists: ${name}`);
    if (name.length > BITMAP_MAX_NAME_SIZE) throw new BlockGenericError(`Bitmap name too long: ${name}`);
  }
  const bm = new BdrvDirtyBitmap(node.bs.getLength(), granularity, name);
  bm.node = node;
  node.dirtyBitmaps.unshift(bm);
  return bm;
}

/** bdrv_release_dirty_bitmap */
export function releaseDirtyBitmap(node: BlockNode, bm: BdrvDirtyBitmap): void {
  const i = node.dirtyBitmaps.indexOf(bm);
  if (i >= 0) node.dirtyBitmaps.splice(i, 1);
  bm.node = null;
}

/** bdrv_find_dirty_bitmap */
export function findDirtyBitmap(node: BlockNode, name: string): BdrvDirtyBitmap | undefined {
  return node.dirtyBitmaps.find((b) => b.name === name);
}

/** bdrv_set_dirty: every enabled bitmap of the node. */
export function markNodeDirty(node: BlockNode, offset: number, bytes: number): void {
  const list = node.dirtyBitmaps;
  for (let i = 0; i < list.length; i++) {
    const bm = list[i];
    if (!bm.disabled) bm.setDirty(offset, bytes);
  }
}

/** bdrv_dirty_bitmap_truncate: the node changed length. */
export function truncateNodeBitmaps(node: BlockNode, size: number): void {
  for (const bm of node.dirtyBitmaps) bm.truncate(size);
}

/** bdrv_get_default_bitmap_granularity: the cluster size clamped to [4 KiB, 64 KiB], else 64 KiB. */
export function defaultBitmapGranularity(node: BlockNode): number {
  let cs = 0;
  try {
    cs = node.bs.getInfo()?.clusterSize ?? 0;
  } catch {
    cs = 0;
  }
  return cs > 0 ? Math.min(65536, Math.max(4096, cs)) : 65536;
}

/**
 * bdrv_co_truncate's bdrv_dirty_bitmap_truncate on every node the truncate
 * passed through: the node and its subtree follow their new lengths.
 */
export function syncBitmapSizes(node: BlockNode, seen: Set<BlockNode>): void {
  if (seen.has(node)) return;
  seen.add(node);
  if (node.dirtyBitmaps.length > 0) {
    let len = -1;
    try {
      len = node.bs.getLength();
    } catch {
      len = -1;
    }
    if (len >= 0) truncateNodeBitmaps(node, len);
  }
  for (const c of node.children()) syncBitmapSizes(c.node, seen);
}
