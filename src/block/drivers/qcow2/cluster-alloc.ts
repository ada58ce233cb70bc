// Writing into new clusters (block/qcow2-cluster.c handle_alloc,
// qcow2_alloc_cluster_link_l2, perform_cow): allocate, fill partial clusters
// from their previous content, point the L2 entries at the new clusters,
// then free what they replaced (qcow2_free_any_cluster).

import { type RawEntry, clusterType, compressedDescriptor, entryOffset, makeEntry, readEntry } from './format.js';
import type { Qcow2State } from './state.js';

/** The current content of one whole guest cluster (for copy-on-write). */
export function clusterContent(s: Qcow2State, cluster: number, e: RawEntry): Buffer {
  const cs = s.g.clusterSize;
  switch (clusterType(e)) {
    case 'normal':
      s.io.event('cow_read');
      return s.io.read(entryOffset(e), cs);
    case 'compressed':
      return Buffer.from(s.compressedCluster(e));
    case 'unallocated': {
      const buf = Buffer.allocUnsafe(cs);
      s.io.event('cow_read');
      s.readBacking(cluster * cs, buf);
      return buf;
    }
    default:
      return Buffer.alloc(cs);
  }
}

/** qcow2_free_any_cluster. */
export function freeAnyCluster(s: Qcow2State, e: RawEntry): void {
  switch (clusterType(e)) {
    case 'normal':
    case 'zero-alloc':
      s.refs.free(entryOffset(e), s.g.clusterSize);
      break;
    case 'compressed': {
      const d = compressedDescriptor(e, s.g);
      s.refs.free(d.offset, d.size);
      s.dropCompressedCache();
      break;
    }
    default:
      break;
  }
}

/**
 * Writes `chunk` (guest bytes from `guest` on, inside one L2 table) into
 * newly allocated contiguous clusters. Whole clusters are written straight
 * from `chunk`; only partial head/tail clusters are composed in a buffer.
 */
export function allocatingWrite(s: Qcow2State, guest: number, chunk: Buffer): void {
  const cs = s.g.clusterSize;
  const l1Index = Math.floor(guest / s.map.l2Coverage);
  const firstCluster = Math.floor(guest / cs);
  const lastCluster = Math.floor((guest + chunk.length - 1) / cs);
  const k = lastCluster - firstCluster + 1;
  const { table, offset: tableOffset } = s.map.writableL2(l1Index);
  const l2First = firstCluster % s.g.l2Size;
  const old: RawEntry[] = [];
  for (let i = 0; i < k; i++) old.push(readEntry(table, l2First + i));
  s.io.event('cluster_alloc_space');
  const host = s.refs.allocate(k);
  s.refs.commit();
  s.checkOverlap(host, k * cs);

  const headPad = guest - firstCluster * cs;
  const tailPad = (lastCluster + 1) * cs - (guest + chunk.length);
  if (headPad === 0 && tailPad === 0) {
    s.io.event('write_aio');
    s.io.write(host, chunk);
  } else if (k === 1) {
    const buf = clusterContent(s, firstCluster, old[0]);
    chunk.copy(buf, headPad);
    s.io.event('cow_write');
    s.io.write(host, buf);
  } else {
    let dataPos = 0;
    let hostPos = host;
    if (headPad) {
      const buf = clusterContent(s, firstCluster, old[0]);
      dataPos = chunk.copy(buf, headPad, 0, cs - headPad);
      s.io.event('cow_write');
      s.io.write(hostPos, buf);
      hostPos += cs;
    }
    const full = k - (headPad ? 1 : 0) - (tailPad ? 1 : 0);
    if (full > 0) {
      s.io.event('write_aio');
      s.io.write(hostPos, chunk.subarray(dataPos, dataPos + full * cs));
      dataPos += full * cs;
      hostPos += full * cs;
    }
    if (tailPad) {
      const buf = clusterContent(s, lastCluster, old[k - 1]);
      chunk.copy(buf, 0, dataPos);
      s.io.event('cow_write');
      s.io.write(hostPos, buf);
    }
  }
  const entries: RawEntry[] = [];
  for (let i = 0; i < k; i++) entries.push(makeEntry(host + i * cs, { copied: true }));
  s.map.setEntries(table, tableOffset, l2First, entries);
  s.writer.commit();
  for (const e of old) freeAnyCluster(s, e);
  s.refs.commit();
}
