// The block query results (block/qapi.c): BlockDeviceInfo with its ImageInfo
// chain, BlockInfo (query-block), BlockStats (query-blockstats) and the
// query-named-block-nodes list. Members are built in QAPI declaration order;
// the monitor writes them in QEMU's QDict order.

import type { BlockBackend } from './block-backend.js';
import type { BlockGraph } from './block-graph.js';
import type { BlockNode, ChildEdge } from './block-node.js';
import type { BlockAcctType } from './block-acct.js';
import { BlockGenericError, type ImageInfo } from './drivers/block-driver.js';
import { BDRV_CHILD_COW, BDRV_CHILD_DATA, BDRV_CHILD_FILTERED, BDRV_CHILD_PRIMARY } from './permissions.js';
import { throttleInfoExtras } from './throttle.js';
import { writeThresholdValue } from './write-threshold.js';
import { QmpError } from '../qapi/error.js';

type Json = Record<string, unknown>;

function edgeChild(e: ChildEdge | undefined): BlockNode | null {
  return e ? e.child : null;
}

/** bdrv_filter_child: a filter driver's filtered child. */
export function filterChild(node: BlockNode): BlockNode | null {
  if (!node.bs.isFilter) return null;
  return edgeChild(node.childEdges.find((e) => e.role & BDRV_CHILD_FILTERED) as ChildEdge | undefined);
}

/** bdrv_cow_child */
export function cowChild(node: BlockNode): BlockNode | null {
  return edgeChild(node.childEdges.find((e) => e.role & BDRV_CHILD_COW) as ChildEdge | undefined);
}

/** bdrv_filter_or_cow_bs */
export function filterOrCowChild(node: BlockNode): BlockNode | null {
  return node.bs.isFilter ? filterChild(node) : cowChild(node);
}

/** bdrv_skip_implicit_filters */
export function skipImplicitFilters(node: BlockNode): BlockNode {
  let cur = node;
  for (let i = 0; i < 64 && cur.implicit; i++) {
    const next = filterChild(cur);
    if (!next) break;
    cur = next;
  }
  return cur;
}

/** bdrv_query_image_info (flat). */
function imageInfo(node: BlockNode): ImageInfo {
  try {
    return { ...node.bs.imageInfo() };
  } catch (e) {
    if (e instanceof BlockGenericError) throw QmpError.generic(e.message);
    throw e;
  }
}

/** bdrv_block_device_info */
export function blockDeviceInfo(blk: BlockBackend | null, node: BlockNode, flat: boolean): Json {
  if (node.closed) throw QmpError.generic(`Block device ${node.nodeName} is ejected`);
  const bs = node.bs;
  const info: Json = { file: bs.filename, 'node-name': node.nodeName, ro: bs.readOnly, drv: bs.format };
  const cow = cowChild(node);
  if (cow) info.backing_file = cow.bs.filename;
  // image chain first: it decides backing_file_depth
  const image = imageInfo(node);
  let depth = 0;
  if (!flat) {
    let cur: ImageInfo = image;
    let bs0 = node;
    for (let i = 0; i < 256; i++) {
      const next = filterOrCowChild(bs0);
      if (!next) break;
      depth++;
      bs0 = blk ? skipImplicitFilters(next) : next;
      const sub = imageInfo(bs0);
      cur['backing-image'] = sub;
      cur = sub;
    }
  }
  info.backing_file_depth = depth;
  info.encrypted = false;
  info.detect_zeroes = node.flags.detectZeroes;
  const th = blk?.throttle ?? null;
  const b = th?.config.buckets;
  info.bps = b?.bps.avg ?? 0;
  info.bps_rd = b?.bps_rd.avg ?? 0;
  info.bps_wr = b?.bps_wr.avg ?? 0;
  info.iops = b?.iops.avg ?? 0;
  info.iops_rd = b?.iops_rd.avg ?? 0;
  info.iops_wr = b?.iops_wr.avg ?? 0;
  info.image = image;
  if (th) Object.assign(info, throttleInfoExtras(th));
  info.cache = { writeback: blk ? blk.enableWriteCache : true, direct: node.flags.direct, 'no-flush': node.flags.noFlush };
  info.write_threshold = writeThresholdValue(node);
  if (node.dirtyBitmaps.length > 0) info['dirty-bitmaps'] = node.dirtyBitmaps.map((d) => d.info());
  return info;
}

/** qmp_query_named_block_nodes: every node, newest name first. */
export function queryNamedBlockNodes(graph: BlockGraph, flat: boolean): Json[] {
  return graph
    .nodeList()
    .reverse()
    .map((n) => blockDeviceInfo(null, n, flat));
}

/** BBs query-block and query-blockstats show: named, or with a device. */
function visibleBackends(graph: BlockGraph): BlockBackend[] {
  return graph.backendList().filter((b) => b.name !== '' || b.dev !== null);
}

/** bdrv_query_info */
export function blockInfo(blk: BlockBackend): Json {
  const info: Json = { device: blk.name };
  const qdev = blk.dev?.qdevId() ?? '';
  if (qdev) info.qdev = qdev;
  info.type = 'unknown';
  info.removable = blk.devHasRemovableMedia();
  info.locked = blk.devIsMediumLocked();
  const root = blk.root;
  if (root && !root.closed) info.inserted = blockDeviceInfo(blk, skipImplicitFilters(root), false);
  if (blk.devHasTray()) info.tray_open = blk.devIsTrayOpen();
  if (blk.iostatusIsEnabled()) info['io-status'] = blk.iostatus;
  return info;
}

export function queryBlock(graph: BlockGraph): Json[] {
  return visibleBackends(graph).map(blockInfo);
}

const T: Record<string, BlockAcctType> = { rd: 'read', wr: 'write', flush: 'flush', unmap: 'unmap' };

/** BlockDeviceStats in QAPI order; BB numbers filled in by blkStats. */
function emptyStats(wrHighest: number): Json {
  return {
    rd_bytes: 0, wr_bytes: 0, unmap_bytes: 0,
    rd_operations: 0, wr_operations: 0, flush_operations: 0, unmap_operations: 0,
    rd_total_time_ns: 0, wr_total_time_ns: 0, flush_total_time_ns: 0, unmap_total_time_ns: 0,
    wr_highest_offset: wrHighest,
    rd_merged: 0, wr_merged: 0, unmap_merged: 0,
    failed_rd_operations: 0, failed_wr_operations: 0, failed_flush_operations: 0, failed_unmap_operations: 0,
    invalid_rd_operations: 0, invalid_wr_operations: 0, invalid_flush_operations: 0, invalid_unmap_operations: 0,
    account_invalid: false, account_failed: false,
    timed_stats: [],
  };
}

/** bdrv_query_blk_stats: the BB's accounting into `ds`. */
function blkStats(ds: Json, blk: BlockBackend): void {
  const s = blk.stats;
  const out: Json = {};
  for (const p of ['rd', 'wr', 'unmap']) out[`${p}_bytes`] = s.nrBytes[T[p]];
  for (const p of ['rd', 'wr', 'flush', 'unmap']) out[`${p}_operations`] = s.nrOps[T[p]];
  for (const p of ['rd', 'wr', 'flush', 'unmap']) out[`${p}_total_time_ns`] = s.totalTimeNs[T[p]];
  out.wr_highest_offset = ds.wr_highest_offset;
  for (const p of ['rd', 'wr', 'unmap']) out[`${p}_merged`] = s.merged[T[p]];
  if (s.lastAccessNs > 0) out.idle_time_ns = s.idleTimeNs();
  for (const p of ['rd', 'wr', 'flush', 'unmap']) out[`failed_${p}_operations`] = s.failedOps[T[p]];
  for (const p of ['rd', 'wr', 'flush', 'unmap']) out[`invalid_${p}_operations`] = s.invalidOps[T[p]];
  out.account_invalid = s.accountInvalid;
  out.account_failed = s.accountFailed;
  out.timed_stats = s.intervals.map((w) => {
    const lat = (t: BlockAcctType) => {
      const l = w.latencies[t];
      if (l.length === 0) return [0, 0, 0];
      return [Math.min(...l), Math.max(...l), Math.floor(l.reduce((a, x) => a + x, 0) / l.length)];
    };
    const [rmin, rmax, ravg] = lat('read');
    const [wmin, wmax, wavg] = lat('write');
    const [fmin, fmax, favg] = lat('flush');
    return {
      interval_length: w.intervalLength,
      min_rd_latency_ns: rmin, max_rd_latency_ns: rmax, avg_rd_latency_ns: ravg,
      min_wr_latency_ns: wmin, max_wr_latency_ns: wmax, avg_wr_latency_ns: wavg,
      min_flush_latency_ns: fmin, max_flush_latency_ns: fmax, avg_flush_latency_ns: favg,
      avg_rd_queue_depth: 0, avg_wr_queue_depth: 0,
    };
  });
  for (const k of Object.keys(ds)) delete ds[k];
  Object.assign(ds, out);
}

/** bdrv_query_bds_stats */
function bdsStats(node: BlockNode | null, blkLevel: boolean): Json {
  const s: Json = {};
  if (!node) {
    s.stats = emptyStats(0);
    return s;
  }
  const bs = blkLevel ? skipImplicitFilters(node) : node;
  s['node-name'] = bs.nodeName;
  s.stats = emptyStats(bs.wrHighestOffset);
  const spec = (bs.bs as { driverSpecificStats?: () => Json }).driverSpecificStats;
  if (typeof spec === 'function') s['driver-specific'] = spec.call(bs.bs);
  // the primary child if it holds data or is filtered, else a unique data child
  let parent = bs.childEdges.find((e) => e.role & BDRV_CHILD_PRIMARY) as ChildEdge | undefined;
  if (!parent || !(parent.role & (BDRV_CHILD_DATA | BDRV_CHILD_FILTERED))) {
    const data = bs.childEdges.filter((e) => e.role & BDRV_CHILD_DATA) as ChildEdge[];
    parent = data.length === 1 ? data[0] : undefined;
  }
  if (parent) s.parent = bdsStats(parent.child, blkLevel);
  const foc = filterOrCowChild(bs);
  if (blkLevel && foc) s.backing = bdsStats(foc, blkLevel);
  return s;
}

/** qmp_query_blockstats */
export function queryBlockstats(graph: BlockGraph, queryNodes: boolean): Json[] {
  if (queryNodes) return graph.nodeList().map((n) => bdsStats(n, false));
  return visibleBackends(graph).map((blk) => {
    const s = bdsStats(blk.root, true);
    const out: Json = { device: blk.name };
    const qdev = blk.dev?.qdevId() ?? '';
    if (qdev) out.qdev = qdev;
    Object.assign(out, s);
    blkStats(out.stats as Json, blk);
    return out;
  });
}
