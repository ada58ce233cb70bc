// qcow2 reference counts (block/qcow2-refcount.c): the refcount table, its
// refcount blocks, cluster allocation and freeing, growing the table and
// dropping unused blocks when an image shrinks. Refcount widths 1..64 bits.

import { BlockIOError } from '../block-driver.js';
import { EINVAL, ERANGE } from '../errno.js';
import type { Qcow2Geometry } from './format.js';
import type { MetadataWriter, Qcow2FileIO } from './metadata-io.js';

/** Refcount blocks kept in memory before the oldest loaded go. */
const BLOCK_CACHE_LIMIT = 256;

function getRefcount(block: Buffer, idx: number, order: number): number {
  switch (order) {
    case 0: return (block[idx >> 3] >> (idx & 7)) & 1;
    case 1: return (block[idx >> 2] >> (2 * (idx & 3))) & 3;
    case 2: return (block[idx >> 1] >> (4 * (idx & 1))) & 15;
    case 3: return block[idx];
    case 4: return block.readUInt16BE(idx * 2);
    case 5: return block.readUInt32BE(idx * 4);
    default: return block.readUInt32BE(idx * 8) * 0x100000000 + block.readUInt32BE(idx * 8 + 4);
  }
}

/** Sets an entry and returns the byte span [lo, hi) that changed. */
function setRefcount(block: Buffer, idx: number, order: number, v: number): [number, number] {
  switch (order) {
    case 0: {
      const b = idx >> 3, s = idx & 7;
      block[b] = (block[b] & ~(1 << s)) | ((v & 1) << s);
      return [b, b + 1];
    }
    case 1: {
      const b = idx >> 2, s = 2 * (idx & 3);
      block[b] = (block[b] & ~(3 << s)) | ((v & 3) << s);
      return [b, b + 1];
    }
    case 2: {
      const b = idx >> 1, s = 4 * (idx & 1);
      block[b] = (block[b] & ~(15 << s)) | ((v & 15) << s);
      return [b, b + 1];
    }
    case 3:
      block[idx] = v;
      return [idx, idx + 1];
    case 4:
      block.writeUInt16BE(v, idx * 2);
      return [idx * 2, idx * 2 + 2];
    case 5:
      block.writeUInt32BE(v, idx * 4);
      return [idx * 4, idx * 4 + 4];
    default:
      block.writeUInt32BE(Math.floor(v / 0x100000000), idx * 8);
      block.writeUInt32BE(v >>> 0, idx * 8 + 4);
      return [idx * 8, idx * 8 + 8];
  }
}

export interface RefcountHooks {
  /** Writes refcount_table_offset and refcount_table_clusters into the header. */
  updateHeaderReftable(offset: number, clusters: number): void;
  /** qcow2_signal_corruption (fatal): throws. */
  corruption(msg: string, offset?: number, size?: number): never;
  /** Non-fatal complaints QEMU prints (e.g. refcount underflow on free). */
  warn(msg: string): void;
  /** qcow2_pre_write_overlap_check for new metadata: throws (corruption) on overlap. */
  checkOverlap(host: number, bytes: number): void;
}

export class Qcow2Refcounts {
  readonly order: number;
  readonly maxRefcount: number;
  /** Refcount entries per block. */
  private readonly blockEntries: number;
  private table: Buffer;
  private tableOffset: number;
  private tableClusters: number;
  private readonly blocks = new Map<number, Buffer>();
  /** No cluster below this index is free (free_cluster_index). */
  private freeHint = 0;
  /** blockOffsets(), kept until the table changes. */
  private offsetsCache: number[] | null = null;

  private constructor(
    private readonly io: Qcow2FileIO,
    private readonly writer: MetadataWriter,
    private readonly g: Qcow2Geometry,
    order: number,
    table: Buffer,
    tableOffset: number,
    tableClusters: number,
    private readonly hooks: RefcountHooks,
  ) {
    this.order = order;
    const bits = 2 ** order;
    this.maxRefcount = bits >= 53 ? Number.MAX_SAFE_INTEGER : 2 ** bits - 1;
    this.blockEntries = (g.clusterSize * 8) / bits;
    this.table = table;
    this.tableOffset = tableOffset;
    this.tableClusters = tableClusters;
  }

  /** qcow2_refcount_init: reads the refcount table. */
  static load(io: Qcow2FileIO, writer: MetadataWriter, g: Qcow2Geometry, order: number, tableOffset: number, tableClusters: number, hooks: RefcountHooks): Qcow2Refcounts {
    io.event('reftable_load');
    const table = io.read(tableOffset, tableClusters * g.clusterSize);
    return new Qcow2Refcounts(io, writer, g, order, table, tableOffset, tableClusters, hooks);
  }

  get reftableOffset(): number {
    return this.tableOffset;
  }
  get reftableClusters(): number {
    return this.tableClusters;
  }
  private get tableEntries(): number {
    return this.table.length / 8;
  }

  /** Host offset of refcount block `r` (0: none). */
  blockOffset(r: number): number {
    if (r >= this.tableEntries) return 0;
    const hi = this.table.readUInt32BE(r * 8);
    const lo = this.table.readUInt32BE(r * 8 + 4);
    return hi * 0x100000000 + ((lo & 0xfffffe00) >>> 0);
  }

  private setBlockOffset(r: number, offset: number): void {
    this.offsetsCache = null;
    this.table.writeUInt32BE(Math.floor(offset / 0x100000000), r * 8);
    this.table.writeUInt32BE(offset >>> 0, r * 8 + 4);
    this.writer.mark(this.tableOffset, this.table, r * 8, r * 8 + 8);
  }

  private loadBlock(r: number): Buffer | null {
    const off = this.blockOffset(r);
    if (off === 0) return null;
    const cached = this.blocks.get(off);
    if (cached) return cached;
    if (off % this.g.clusterSize !== 0) {
      this.hooks.corruption(`Refblock offset 0x${off.toString(16)} unaligned (reftable index: 0x${r.toString(16)})`);
    }
    this.io.event('refblock_load');
    const block = this.io.read(off, this.g.clusterSize);
    this.cacheBlock(off, block);
    return block;
  }

  private cacheBlock(off: number, block: Buffer): void {
    this.blocks.set(off, block);
    if (this.blocks.size > BLOCK_CACHE_LIMIT && !this.writer.hasPending) {
      for (const k of this.blocks.keys()) {
        if (this.blocks.size <= BLOCK_CACHE_LIMIT) break;
        if (k !== off) this.blocks.delete(k);
      }
    }
  }

  /** qcow2_get_refcount. */
  get(cluster: number): number {
    const r = Math.floor(cluster / this.blockEntries);
    const block = this.loadBlock(r);
    return block ? getRefcount(block, cluster % this.blockEntries, this.order) : 0;
  }

  private set(cluster: number, value: number): void {
    const r = Math.floor(cluster / this.blockEntries);
    const block = this.loadBlock(r);
    if (!block) throw new Error(`qcow2: no refcount block for cluster ${cluster}`);
    const [lo, hi] = setRefcount(block, cluster % this.blockEntries, this.order, value);
    this.writer.mark(this.blockOffset(r), block, lo, hi);
  }

  /** update_refcount for one cluster. */
  change(cluster: number, delta: number): void {
    const cur = this.get(cluster);
    const next = cur + delta;
    if (next < 0) {
      this.hooks.warn(`qcow2_free_clusters failed: ${'Invalid argument'}`);
      throw new BlockIOError(EINVAL);
    }
    if (next > this.maxRefcount) throw new BlockIOError(ERANGE);
    this.set(cluster, next);
    if (next === 0 && cluster < this.freeHint) this.freeHint = cluster;
  }

  commit(): void {
    this.writer.commit();
  }

  /** First index of `n` consecutive free clusters at or after the hint (block by block). */
  private findFree(n: number): number {
    let run = 0;
    let i = this.freeHint;
    for (;;) {
      const r = Math.floor(i / this.blockEntries);
      const block = this.loadBlock(r);
      const blockEnd = (r + 1) * this.blockEntries;
      if (!block) {
        // no refcount block: the whole range is free
        if (run + (blockEnd - i) >= n) return i - run;
        run += blockEnd - i;
        i = blockEnd;
        continue;
      }
      for (let idx = i - r * this.blockEntries; i < blockEnd; i++, idx++) {
        if (getRefcount(block, idx, this.order) === 0) {
          if (++run === n) return i - n + 1;
        } else {
          run = 0;
        }
      }
    }
  }

  private blockIndex(cluster: number): number {
    return Math.floor(cluster / this.blockEntries);
  }

  private firstMissingBlock(start: number, n: number): number | null {
    for (let r = this.blockIndex(start); r <= this.blockIndex(start + n - 1); r++) {
      if (this.blockOffset(r) === 0) return r;
    }
    return null;
  }

  /** qcow2_alloc_clusters: `n` contiguous clusters with refcount 1; returns the host offset. */
  allocate(n: number): number {
    for (;;) {
      const start = this.findFree(n);
      const missing = this.firstMissingBlock(start, n);
      if (missing === null) {
        this.io.event('cluster_alloc');
        for (let i = 0; i < n; i++) this.change(start + i, 1);
        if (this.freeHint === start) this.freeHint = start + n;
        return start * this.g.clusterSize;
      }
      this.createBlock(missing);
    }
  }

  /** alloc_refcount_block: a refcount block for range `r`. */
  private createBlock(r: number): void {
    if (r >= this.tableEntries) {
      this.growTable(r + 1);
      return;
    }
    for (;;) {
      const f = this.findFree(1);
      const rf = this.blockIndex(f);
      if (rf !== r && this.blockOffset(rf) === 0) {
        this.createBlock(rf);
        continue;
      }
      this.io.event('refblock_alloc');
      const block = Buffer.alloc(this.g.clusterSize);
      const off = f * this.g.clusterSize;
      this.hooks.checkOverlap(off, this.g.clusterSize);
      if (rf === r) {
        // the new block describes itself
        setRefcount(block, f % this.blockEntries, this.order, 1);
      } else {
        this.change(f, 1);
        this.writer.commit();
      }
      this.io.event('refblock_alloc_write');
      this.io.write(off, block);
      this.cacheBlock(off, block);
      this.io.event('refblock_alloc_hookup');
      this.setBlockOffset(r, off);
      this.writer.commit();
      return;
    }
  }

  /** next_refcount_table_size: grow by about 1.5x until `minEntries` fit. */
  private nextTableClusters(minEntries: number): number {
    const perCluster = this.g.clusterSize / 8;
    const minClusters = Math.floor(minEntries / perCluster) + 1;
    let clusters = Math.max(1, this.tableClusters);
    while (minClusters > clusters) clusters = Math.floor((clusters * 3 + 1) / 2);
    return clusters;
  }

  /**
   * qcow2_refcount_area: a bigger refcount table, placed with the refcount
   * blocks its own clusters need in one free area, then switched to in the
   * header; the old table is freed.
   */
  private growTable(minEntries: number): void {
    this.io.event('reftable_grow');
    const perCluster = this.g.clusterSize / 8;
    let tableClusters = this.nextTableClusters(minEntries);
    let nbBlocks = 0;
    let start = 0;
    let lacking: number[] = [];
    for (;;) {
      const total = tableClusters + nbBlocks;
      start = this.findFree(total);
      const lastRange = this.blockIndex(start + total - 1);
      if (lastRange >= tableClusters * perCluster) {
        tableClusters = this.nextTableClusters(lastRange + 1);
        continue;
      }
      lacking = [];
      for (let r = this.blockIndex(start); r <= lastRange; r++) if (this.blockOffset(r) === 0) lacking.push(r);
      if (lacking.length <= nbBlocks) break;
      nbBlocks = lacking.length;
    }
    const cs = this.g.clusterSize;
    this.hooks.checkOverlap(start * cs, (tableClusters + lacking.length) * cs);
    const newTable = Buffer.alloc(tableClusters * cs);
    this.table.copy(newTable);
    const blocksStart = start + tableClusters;
    const newBlocks = new Map<number, Buffer>();
    lacking.forEach((r, i) => {
      const off = (blocksStart + i) * cs;
      newBlocks.set(r, Buffer.alloc(cs));
      newTable.writeUInt32BE(Math.floor(off / 0x100000000), r * 8);
      newTable.writeUInt32BE(off >>> 0, r * 8 + 4);
    });
    // refcounts of the area itself
    const areaEnd = blocksStart + lacking.length;
    for (let c = start; c < areaEnd; c++) {
      const nb = newBlocks.get(this.blockIndex(c));
      if (nb) setRefcount(nb, c % this.blockEntries, this.order, 1);
      else this.change(c, 1);
    }
    this.io.event('refblock_alloc_write_blocks');
    lacking.forEach((r, i) => {
      const off = (blocksStart + i) * cs;
      const block = newBlocks.get(r)!;
      this.io.write(off, block);
      this.cacheBlock(off, block);
    });
    this.writer.commit();
    this.io.event('refblock_alloc_write_table');
    this.io.write(start * cs, newTable);
    this.io.event('refblock_alloc_switch_table');
    this.hooks.updateHeaderReftable(start * cs, tableClusters);
    const oldOffset = this.tableOffset;
    const oldClusters = this.tableClusters;
    this.writer.forget(oldOffset);
    this.offsetsCache = null;
    this.table = newTable;
    this.tableOffset = start * cs;
    this.tableClusters = tableClusters;
    this.free(oldOffset, oldClusters * cs);
    this.writer.commit();
  }

  /** qcow2_free_clusters: one reference less for every cluster in the range. */
  free(offset: number, length: number): void {
    if (length <= 0) return;
    const cs = this.g.clusterSize;
    const first = Math.floor(offset / cs);
    const last = Math.floor((offset + length - 1) / cs);
    this.io.event('cluster_free');
    for (let c = first; c <= last; c++) {
      try {
        this.change(c, -1);
      } catch (e) {
        if (!(e instanceof BlockIOError && e.errno === EINVAL)) throw e;
      }
    }
  }

  /** qcow2_get_last_cluster: the highest used cluster below `fileSize`, or -1. */
  lastUsedCluster(fileSize: number): number {
    const last = Math.ceil(fileSize / this.g.clusterSize) - 1;
    for (let r = Math.min(this.blockIndex(Math.max(last, 0)), this.tableEntries - 1); r >= 0 && last >= 0; r--) {
      const block = this.loadBlock(r);
      if (!block) continue;
      const top = Math.min(this.blockEntries - 1, last - r * this.blockEntries);
      for (let i = top; i >= 0; i--) if (getRefcount(block, i, this.order) > 0) return r * this.blockEntries + i;
    }
    return -1;
  }

  /**
   * qcow2_shrink_reftable: refcount blocks that count nothing but (maybe)
   * themselves leave the table.
   */
  shrinkTable(): void {
    const dropped: number[] = [];
    for (let r = 0; r < this.tableEntries; r++) {
      const off = this.blockOffset(r);
      if (!off) continue;
      const block = this.loadBlock(r)!;
      const selfIdx = this.blockIndex(off / this.g.clusterSize) === r ? (off / this.g.clusterSize) % this.blockEntries : -1;
      let unused = true;
      for (let i = 0; i < this.blockEntries && unused; i++) {
        if (i !== selfIdx && getRefcount(block, i, this.order) !== 0) unused = false;
      }
      if (unused) dropped.push(r);
    }
    if (dropped.length === 0) return;
    for (const r of dropped) {
      const off = this.blockOffset(r);
      this.setBlockOffset(r, 0);
      this.writer.forget(off);
      this.blocks.delete(off);
      // a block described by another block gives its reference back there
      const c = off / this.g.clusterSize;
      if (!dropped.includes(this.blockIndex(c))) this.free(off, this.g.clusterSize);
      if (c < this.freeHint) this.freeHint = c;
    }
    this.writer.commit();
  }

  /** Every refcount block's host offset (for overlap checks). */
  blockOffsets(): readonly number[] {
    if (!this.offsetsCache) {
      const out: number[] = [];
      for (let r = 0; r < this.tableEntries; r++) {
        const off = this.blockOffset(r);
        if (off) out.push(off);
      }
      this.offsetsCache = out;
    }
    return this.offsetsCache;
  }
}
