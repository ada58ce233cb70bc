// Zero clusters and discard (block/qcow2-cluster.c zero_in_l2_slice,
// discard_in_l2_slice): whole clusters get new L2 entries, the clusters
// they pointed to are freed once the entries are on disk. Missing L2 tables
// are allocated on the way, as get_cluster_table does.

import type { WriteZeroesFlags } from '../block-driver.js';
import { type ClusterType, type RawEntry, OFLAG_ZERO_LO, clusterType, readEntry, sameEntry } from './format.js';
import { freeAnyCluster } from './cluster-alloc.js';
import type { Qcow2State } from './state.js';

/** qcow2_cluster_is_allocated. */
function isAllocated(t: ClusterType): boolean {
  return t === 'normal' || t === 'zero-alloc' || t === 'compressed';
}

/** Replaces the entries of whole clusters [pos, pos+bytes), one L2 table at a time. */
function forEachL2Chunk(s: Qcow2State, pos: number, bytes: number, next: (e: RawEntry) => RawEntry & { free: boolean }): void {
  const cs = s.g.clusterSize;
  let cluster = Math.floor(pos / cs);
  const endCluster = Math.ceil((pos + bytes) / cs);
  while (cluster < endCluster) {
    const l1Index = Math.floor(cluster / s.g.l2Size);
    const { table, offset } = s.map.writableL2(l1Index);
    const first = cluster % s.g.l2Size;
    const n = Math.min(endCluster - cluster, s.g.l2Size - first);
    const toFree: RawEntry[] = [];
    for (let i = 0; i < n; i++) {
      const old = readEntry(table, first + i);
      const r = next(old);
      const neu = { hi: r.hi >>> 0, lo: r.lo >>> 0 };
      if (sameEntry(old, neu)) continue;
      s.map.setEntries(table, offset, first + i, [neu]);
      if (r.free) toFree.push(old);
    }
    s.writer.commit();
    for (const e of toFree) freeAnyCluster(s, e);
    s.refs.commit();
    cluster += n;
  }
}

/**
 * qcow2_cluster_discard: `fullDiscard` drops the mapping (the backing file
 * shows through again); otherwise the range reads as zero afterwards.
 */
export function clusterDiscard(s: Qcow2State, pos: number, bytes: number, fullDiscard: boolean): void {
  const v3 = s.version >= 3;
  const hasBacking = s.hasBacking();
  forEachL2Chunk(s, pos, bytes, (e) => {
    if (fullDiscard) return { hi: 0, lo: 0, free: true };
    if (hasBacking || isAllocated(clusterType(e))) return { hi: 0, lo: v3 ? OFLAG_ZERO_LO : 0, free: true };
    return { ...e, free: false };
  });
}

/**
 * qcow2_subcluster_zeroize over whole clusters. Returns false when the
 * image cannot express zeroes (v2 with a backing file): the caller writes
 * zero buffers then.
 */
export function zeroizeClusters(s: Qcow2State, pos: number, bytes: number, flags?: WriteZeroesFlags): boolean {
  if (s.version < 3) {
    if (s.hasBacking()) return false;
    clusterDiscard(s, pos, bytes, false);
    return true;
  }
  forEachL2Chunk(s, pos, bytes, (e) => {
    const t = clusterType(e);
    const unmap = t === 'compressed' || (!!flags?.mayUnmap && isAllocated(t));
    const base = unmap ? { hi: 0, lo: 0 } : e;
    return { hi: base.hi, lo: (base.lo | OFLAG_ZERO_LO) >>> 0, free: unmap };
  });
  return true;
}
