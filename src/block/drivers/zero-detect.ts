// Finding zero ranges in buffers (what QEMU's buffer_is_zero does), and what
// is known about which blocks of a host file read as zero, used where the
// host cannot be asked for holes: Node has no SEEK_DATA/SEEK_HOLE.

import { PagedBits } from '../dirty-bitmap.js';

/** Read-only comparison source; never handed out, never written. */
const ZEROES = Buffer.alloc(64 * 1024);

/** buffer_is_zero() of buf[start, end), without allocating. */
export function rangeIsZero(buf: Buffer, start: number, end: number): boolean {
  // a few samples first: data is seldom zero where it starts or ends
  if (end <= start) return true;
  if (buf[start] !== 0 || buf[end - 1] !== 0 || buf[(start + end) >>> 1] !== 0) return false;
  for (let pos = start; pos < end; pos += ZEROES.length) {
    const n = Math.min(ZEROES.length, end - pos);
    if (ZEROES.compare(buf, pos, pos + n, 0, n) !== 0) return false;
  }
  return true;
}

/** buffer_is_zero(). */
export function isAllZero(buf: Buffer): boolean {
  return rangeIsZero(buf, 0, buf.length);
}

/**
 * Splits buf (which starts at byte `base` of its device) into runs of
 * zero / non-zero granules, granules aligned to `granule` on the device.
 */
export function zeroRuns(buf: Buffer, base: number, granule: number): Array<{ start: number; length: number; zero: boolean }> {
  const runs: Array<{ start: number; length: number; zero: boolean }> = [];
  let pos = 0;
  while (pos < buf.length) {
    const abs = base + pos;
    const next = Math.min(buf.length, abs - (abs % granule) + granule - base);
    const zero = rangeIsZero(buf, pos, next);
    const last = runs[runs.length - 1];
    if (last && last.zero === zero) last.length += next - pos;
    else runs.push({ start: pos, length: next - pos, zero });
    pos = next;
  }
  return runs;
}

/** The fstat fields the map follows. */
export interface FileStamp {
  size: number;
  /** st_blocks (512-byte units) */
  blocks: number;
  mtimeMs: number;
}

/**
 * statfs f_type of filesystems whose st_blocks counts every allocated data
 * block at once and uncompressed (delayed allocation included). Others
 * (btrfs and zfs compress, zfs counts late, network filesystems guess) never
 * get the allocation budget.
 */
export const HONEST_BLOCK_COUNT_FS: ReadonlyMap<number, string> = new Map([
  [0xef53, 'ext2/ext3/ext4'],
  [0x58465342, 'xfs'],
  [0x01021994, 'tmpfs'],
]);

/** Past this many blocks (16 TiB at 4 KiB) the map stays off. */
const MAX_MAP_BLOCKS = 2 ** 32;

/**
 * Which `granule`-sized blocks of a host file hold non-zero bytes, so block
 * status and zeroing need not read through holes. Two states:
 *
 * - partial: `bits` holds only blocks seen non-zero (a block that reads
 *   non-zero is allocated). Once bits × granule reaches st_blocks × 512 on a
 *   filesystem that counts honestly, with granule no larger than its block,
 *   every allocated block has been seen, so every other block reads as zero:
 *   the map becomes complete.
 * - complete: every block outside `bits` reads as zero (also reached when
 *   st_blocks is 0). Own writes keep it so: written blocks are added, fully
 *   zeroed blocks dropped.
 *
 * Any change not made through this map (size, st_blocks or mtime moved
 * since the last fstat, with no own write in between) throws it all away.
 */
export class NonzeroBlocks {
  readonly granule: number;
  /** the allocation budget may make the map complete */
  readonly budget: boolean;
  private complete_ = false;
  private bits = new PagedBits(0);
  /** the fstat seen last, while no own change followed it */
  private stamp: FileStamp | null = null;
  private off = false;
  /** the file was fully allocated at the last fstat: reads teach nothing */
  private dense = false;

  constructor(granule: number, budget: boolean) {
    const ok = Number.isInteger(granule) && granule >= 512 && granule <= 65536 && (granule & (granule - 1)) === 0;
    this.granule = ok ? granule : 4096;
    this.budget = budget && ok;
  }

  /** Every block outside the map reads as zero. */
  get complete(): boolean {
    return this.complete_ && !this.off;
  }

  /** Blocks known non-zero (partial) or possibly non-zero (complete). */
  get count(): number {
    return this.bits.total;
  }

  /** Whether block `k` is in the map. */
  has(k: number): boolean {
    return this.bits.get(k);
  }

  private forget(): void {
    this.complete_ = false;
    this.bits.clearAll();
  }

  /** Makes room for blocks below `blocks`; false (and off for good) past the limit. */
  private cover(blocks: number): boolean {
    if (this.off) return false;
    if (blocks <= this.bits.nbits) return true;
    if (blocks > MAX_MAP_BLOCKS) {
      this.off = true;
      this.forget();
      this.bits = new PagedBits(0);
      return false;
    }
    this.bits.resize(Math.min(MAX_MAP_BLOCKS, Math.max(blocks, this.bits.nbits * 2)));
    return true;
  }

  /** A fresh fstat of the file. */
  sync(st: FileStamp): void {
    if (this.off) return;
    const s = this.stamp;
    if (s && (s.size !== st.size || s.blocks !== st.blocks || s.mtimeMs !== st.mtimeMs)) this.forget();
    this.stamp = { size: st.size, blocks: st.blocks, mtimeMs: st.mtimeMs };
    this.dense = st.blocks * 512 >= st.size;
    if (!this.cover(Math.ceil(st.size / this.granule))) return;
    if (st.blocks === 0) {
      // nothing allocated: all of it reads as zero
      this.bits.clearAll();
      this.complete_ = true;
      return;
    }
    this.checkBudget();
  }

  /** The budget against the last fstat (only while no own change followed it). */
  private checkBudget(): void {
    const st = this.stamp;
    if (this.complete_ || !this.budget || !st) return;
    const seen = this.bits.total * this.granule;
    const allocated = st.blocks * 512;
    if (seen > allocated) this.forget(); // the count cannot be trusted
    else if (seen === allocated) this.complete_ = true;
  }

  /** The file is about to change through this process: the next fstat re-stamps. */
  private touched(): void {
    this.stamp = null;
  }

  /**
   * buf holds [offset, offset+buf.length) as just read; eof is the file size
   * when the read was short (the rest of buf is zero fill), else Infinity.
   * Blocks wholly inside the read that are non-zero go into the map.
   */
  noteRead(offset: number, buf: Buffer, eof: number): void {
    if (this.off || (this.dense && !this.complete_)) return;
    const g = this.granule;
    const end = offset + buf.length;
    let k = Math.ceil(offset / g);
    const limit = Math.min(end, eof);
    if (!this.cover(Math.ceil(limit / g))) return;
    let runStart = -1;
    for (; k * g < limit; k++) {
      const bEnd = Math.min((k + 1) * g, eof);
      if (bEnd > end) break;
      const nonzero = !rangeIsZero(buf, k * g - offset, bEnd - offset);
      if (nonzero && this.complete_ && !this.bits.get(k)) {
        // non-zero where the map says zero: changed behind our back (the fstat too is stale)
        this.forget();
        this.touched();
      }
      if (nonzero) {
        if (runStart < 0) runStart = k;
        continue;
      }
      if (runStart >= 0) {
        this.bits.setRange(runStart, k - 1);
        runStart = -1;
      }
      // partial: only blocks that read non-zero now may stay
      if (!this.complete_ && this.bits.get(k)) this.bits.resetRange(k, k);
    }
    if (runStart >= 0) this.bits.setRange(runStart, k - 1);
    this.checkBudget();
  }

  /**
   * [offset, offset+length) was written with `data` (null: zeroes). Whole
   * blocks take the state of their new content; a partly written block
   * becomes non-zero with non-zero data, else stays as it was (complete) or
   * leaves the map (partial: it may have turned zero).
   */
  noteWrite(offset: number, length: number, data: Buffer | null): void {
    this.touched();
    if (length <= 0 || this.off) return;
    const g = this.granule;
    const end = offset + length;
    const first = Math.floor(offset / g);
    const last = Math.floor((end - 1) / g);
    if (!this.cover(last + 1)) return;
    if (data === null && this.bits.total === 0) return;
    for (let k = first; k <= last; k++) {
      const bs = k * g;
      const whole = bs >= offset && bs + g <= end;
      if (whole && data === null) {
        // the whole-block middle of a zeroed range goes in one step
        const lastWhole = Math.floor(end / g) - 1;
        this.bits.resetRange(k, lastWhole);
        k = lastWhole;
        continue;
      }
      const lo = Math.max(bs, offset) - offset;
      const hi = Math.min(bs + g, end) - offset;
      const nonzero = data !== null && !rangeIsZero(data, lo, hi);
      if (nonzero) this.bits.setRange(k, k);
      else if (whole || !this.complete_) this.bits.resetRange(k, k);
    }
  }

  /** A write into [offset, offset+length) failed part way: its content is unknown. */
  noteUnknown(offset: number, length: number): void {
    this.touched();
    if (length <= 0 || this.off) return;
    const g = this.granule;
    const first = Math.floor(offset / g);
    const last = Math.floor((offset + length - 1) / g);
    if (!this.cover(last + 1)) return;
    if (this.complete_) this.bits.setRange(first, last);
    else this.bits.resetRange(first, last);
  }

  /** The file changed in ways not known (a failed resize): start over. */
  noteLost(): void {
    this.touched();
    this.forget();
  }

  /** ftruncate to newSize: what lies past it is gone (and reads zero if it grows back). */
  noteTruncate(newSize: number): void {
    this.touched();
    if (this.off) return;
    const g = this.granule;
    // the block holding the new end keeps its head: it stays (complete) or leaves (partial)
    const keep = this.complete_ ? Math.ceil(newSize / g) : Math.floor(newSize / g);
    if (keep < this.bits.nbits) this.bits.resetRange(keep, this.bits.nbits - 1);
  }

  /**
   * Complete maps only: the run at `offset` (< size) and its length, at most
   * `length`; a zero run reaching EOF covers the whole request.
   */
  runAt(offset: number, length: number, size: number): { zero: boolean; length: number } {
    const g = this.granule;
    const k = Math.floor(offset / g);
    const nbits = this.bits.nbits;
    if (this.bits.get(k)) {
      const c = this.bits.nextClear(k, nbits);
      const runEnd = c < 0 ? size : Math.min(c * g, size);
      return { zero: false, length: Math.min(length, runEnd - offset) };
    }
    const s = this.bits.nextSet(k, nbits);
    if (s < 0 || s * g >= size) return { zero: true, length };
    return { zero: true, length: Math.min(length, s * g - offset) };
  }

  /** Complete maps only: the ranges in [offset, end) that may hold non-zero bytes. */
  nonzeroRanges(offset: number, end: number): Array<{ start: number; end: number }> {
    const g = this.granule;
    const out: Array<{ start: number; end: number }> = [];
    const lastBit = Math.min(this.bits.nbits, Math.ceil(end / g));
    for (let k = this.bits.nextSet(Math.floor(offset / g), lastBit); k >= 0; ) {
      const c = this.bits.nextClear(k, lastBit);
      const stop = c < 0 ? lastBit : c;
      out.push({ start: Math.max(offset, k * g), end: Math.min(end, stop * g) });
      if (c < 0) break;
      k = this.bits.nextSet(stop, lastBit);
    }
    return out;
  }
}
