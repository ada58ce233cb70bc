// The qcow2 guest-to-host mapping (block/qcow2-cluster.c): the active L1
// table, L2 tables (cached), lookups that return runs of clusters mapped the
// same way, and the L2 allocation / copy-on-write of shared tables
// (get_cluster_table, l2_allocate), growing and shrinking the L1 table.

import {
  type ClusterType,
  type Qcow2Geometry,
  type RawEntry,
  EMPTY_ENTRY,
  clusterType,
  entryCopied,
  entryOffset,
  makeEntry,
  readEntry,
  writeEntry,
} from './format.js';
import type { MetadataWriter, Qcow2FileIO } from './metadata-io.js';
import type { Qcow2Refcounts } from './refcount.js';

/** L2 tables kept in memory before the oldest loaded go. */
const L2_CACHE_LIMIT = 256;

export interface ClusterRun {
  type: ClusterType;
  /** Host offset matching the run's first byte (normal / zero-alloc), else 0. */
  host: number;
  /** Bytes from the requested offset that are mapped this way. */
  bytes: number;
  /** The entry of the run's first cluster. */
  entry: RawEntry;
}

export interface ClusterMapHooks {
  /** Writes l1_size and l1_table_offset into the header. */
  updateHeaderL1(size: number, offset: number): void;
  corruption(msg: string, offset?: number, size?: number): never;
  /** qcow2_pre_write_overlap_check for new metadata. */
  checkOverlap(host: number, bytes: number): void;
}

export class Qcow2ClusterMap {
  l1Size: number;
  l1Offset: number;
  private l1: Buffer;
  private readonly l2Cache = new Map<number, Buffer>();
  /** l2Offsets(), kept until the L1 table changes. */
  private offsetsCache: number[] | null = null;

  constructor(
    private readonly io: Qcow2FileIO,
    private readonly writer: MetadataWriter,
    private readonly refs: Qcow2Refcounts,
    readonly g: Qcow2Geometry,
    l1Offset: number,
    l1: Buffer,
    private readonly hooks: ClusterMapHooks,
  ) {
    this.l1Offset = l1Offset;
    this.l1 = l1;
    this.l1Size = l1.length / 8;
  }

  /** Bytes of guest address space one L2 table covers. */
  get l2Coverage(): number {
    return this.g.clusterSize * this.g.l2Size;
  }

  l1Entry(i: number): RawEntry {
    return i < this.l1Size ? readEntry(this.l1, i) : EMPTY_ENTRY;
  }

  /** l2_load (whole table). */
  private loadL2(offset: number, l1Index: number): Buffer {
    const cached = this.l2Cache.get(offset);
    if (cached) return cached;
    if (offset % this.g.clusterSize !== 0) {
      this.hooks.corruption(`L2 table offset 0x${offset.toString(16)} unaligned (L1 index: 0x${l1Index.toString(16)})`);
    }
    this.io.event('l2_load');
    const table = this.io.read(offset, this.g.clusterSize);
    this.cacheL2(offset, table);
    return table;
  }

  private cacheL2(offset: number, table: Buffer): void {
    this.l2Cache.set(offset, table);
    if (this.l2Cache.size > L2_CACHE_LIMIT && !this.writer.hasPending) {
      for (const k of this.l2Cache.keys()) {
        if (this.l2Cache.size <= L2_CACHE_LIMIT) break;
        if (k !== offset) this.l2Cache.delete(k);
      }
    }
  }

  /** The L2 table for an L1 index, or null when unallocated. */
  l2Table(l1Index: number): Buffer | null {
    const off = entryOffset(this.l1Entry(l1Index));
    return off ? this.loadL2(off, l1Index) : null;
  }

  /**
   * qcow2_get_host_offset: how the guest byte `offset` is mapped, and how far
   * (up to `maxBytes`, within one L2 table) the following clusters continue
   * with the same type and contiguous host clusters.
   */
  lookup(offset: number, maxBytes: number): ClusterRun {
    const cs = this.g.clusterSize;
    const l1Index = Math.floor(offset / this.l2Coverage);
    const tableEnd = (l1Index + 1) * this.l2Coverage;
    const limit = Math.min(maxBytes, tableEnd - offset);
    const inCluster = offset % cs;
    const table = this.l2Table(l1Index);
    if (!table) return { type: 'unallocated', host: 0, bytes: limit, entry: EMPTY_ENTRY };
    let idx = Math.floor(offset / cs) % this.g.l2Size;
    const first = readEntry(table, idx);
    const type = clusterType(first);
    const firstHost = entryOffset(first);
    if ((type === 'normal' || type === 'zero-alloc') && firstHost % cs !== 0) {
      this.hooks.corruption(
        `Cluster allocation offset 0x${firstHost.toString(16)} unaligned (L2 offset: 0x${entryOffset(this.l1Entry(l1Index)).toString(16)}, L2 index: 0x${idx.toString(16)})`,
      );
    }
    let bytes = Math.min(limit, cs - inCluster);
    if (type !== 'compressed') {
      let expectHost = firstHost + cs;
      while (bytes < limit) {
        idx++;
        const e = readEntry(table, idx);
        if (clusterType(e) !== type) break;
        if (type === 'normal' || type === 'zero-alloc') {
          if (entryOffset(e) !== expectHost || entryCopied(e) !== entryCopied(first)) break;
          expectHost += cs;
        }
        bytes = Math.min(limit, bytes + cs);
      }
    }
    const host = type === 'normal' || type === 'zero-alloc' ? firstHost + inCluster : 0;
    return { type, host, bytes, entry: first };
  }

  /**
   * get_cluster_table: a writable L2 table (refcount 1) for the L1 index,
   * allocating an empty one or copying a shared one first.
   */
  writableL2(l1Index: number): { table: Buffer; offset: number } {
    const e = this.l1Entry(l1Index);
    const off = entryOffset(e);
    if (off && entryCopied(e)) return { table: this.loadL2(off, l1Index), offset: off };
    return this.allocateL2(l1Index);
  }

  /** l2_allocate. */
  private allocateL2(l1Index: number): { table: Buffer; offset: number } {
    const old = entryOffset(this.l1Entry(l1Index));
    const cs = this.g.clusterSize;
    let table: Buffer;
    if (old) {
      this.io.event('l2_alloc_cow_read');
      table = Buffer.from(this.loadL2(old, l1Index));
    } else {
      table = Buffer.alloc(cs);
    }
    const newOff = this.refs.allocate(1);
    this.refs.commit();
    this.hooks.checkOverlap(newOff, cs);
    this.io.event('l2_alloc_write');
    this.io.write(newOff, table);
    this.cacheL2(newOff, table);
    this.setL1Entry(l1Index, makeEntry(newOff, { copied: true }));
    this.writer.commit();
    if (old) {
      this.l2Cache.delete(old);
      this.writer.forget(old);
      this.refs.free(old, cs);
      this.refs.commit();
    }
    return { table, offset: newOff };
  }

  private setL1Entry(i: number, e: RawEntry): void {
    this.offsetsCache = null;
    this.io.event('l1_update');
    writeEntry(this.l1, i, e);
    this.writer.mark(this.l1Offset, this.l1, i * 8, i * 8 + 8);
  }

  /** Sets `entries` from index `first` of an L2 table (write-back on commit). */
  setEntries(table: Buffer, tableOffset: number, first: number, entries: readonly RawEntry[]): void {
    this.io.event('l2_update');
    entries.forEach((e, i) => writeEntry(table, first + i, e));
    this.writer.mark(tableOffset, table, first * 8, (first + entries.length) * 8);
  }

  /** qcow2_grow_l1_table: at least `minSize` entries (exactly with `exact`). */
  growL1(minSize: number, exact: boolean): void {
    if (minSize <= this.l1Size) return;
    let newSize = minSize;
    if (!exact) {
      newSize = Math.max(1, this.l1Size);
      while (minSize > newSize) newSize = Math.ceil((newSize * 3) / 2);
    }
    const bytes = newSize * 8;
    const newTable = Buffer.alloc(bytes);
    this.l1.copy(newTable);
    this.io.event('l1_grow_alloc_table');
    const clusters = Math.ceil(bytes / this.g.clusterSize);
    const newOff = this.refs.allocate(clusters);
    this.refs.commit();
    this.hooks.checkOverlap(newOff, clusters * this.g.clusterSize);
    this.io.event('l1_grow_write_table');
    this.io.write(newOff, newTable);
    this.io.event('l1_grow_activate_table');
    this.hooks.updateHeaderL1(newSize, newOff);
    const oldOff = this.l1Offset;
    const oldSize = this.l1Size;
    this.writer.forget(oldOff);
    this.offsetsCache = null;
    this.l1 = newTable;
    this.l1Offset = newOff;
    this.l1Size = newSize;
    this.refs.free(oldOff, oldSize * 8);
    this.refs.commit();
  }

  /** qcow2_shrink_l1_table: entries from `newSize` on are cleared and their L2 tables freed. */
  shrinkL1(newSize: number): void {
    if (newSize >= this.l1Size) return;
    this.io.event('l1_shrink_write_table');
    const from = newSize * 8;
    this.io.write(this.l1Offset + from, Buffer.alloc((this.l1Size - newSize) * 8));
    this.io.event('l1_shrink_free_l2_clusters');
    this.offsetsCache = null;
    for (let i = this.l1Size - 1; i >= newSize; i--) {
      const off = entryOffset(this.l1Entry(i));
      if (!off) continue;
      this.l2Cache.delete(off);
      this.writer.forget(off);
      this.refs.free(off, this.g.clusterSize);
      writeEntry(this.l1, i, EMPTY_ENTRY);
    }
    this.refs.commit();
  }

  /** Every allocated L2 table of the active L1 (for overlap checks). */
  l2Offsets(): readonly number[] {
    if (!this.offsetsCache) {
      const out: number[] = [];
      for (let i = 0; i < this.l1Size; i++) {
        const off = entryOffset(this.l1Entry(i));
        if (off) out.push(off);
      }
      this.offsetsCache = out;
    }
    return this.offsetsCache;
  }
}
