// The data part of block/io.c that sits between a parent and a node: the
// request alignment (read-modify-write), max_transfer splitting, the debug
// events the generic write path raises on the node itself (pwritev,
// pwritev_zero, pwritev_done, pwritev_rmw_*), flush_to_os/flush_to_disk on
// the primary child and the flush recursion into children. Drivers call these
// for I/O on their children; the request layer calls them for the root.

import type { BlockDriverState, BlockIoKind, BlockStatus, TruncateOptions, WriteZeroesFlags } from './block-driver.js';
import { BlockGenericError, BlockIOError } from './block-driver.js';
import { EACCES, ENOMEDIUM } from './errno.js';

function notify(node: BlockDriverState, kind: BlockIoKind, offset: number, length: number, err?: unknown): void {
  const l = node.ioListener;
  if (!l) return;
  l({ kind, offset, length, ...(err instanceof BlockIOError ? { errno: err.errno } : err !== undefined ? { errno: 5 } : {}) });
}

function alignDown(n: number, a: number): number {
  return n - (n % a);
}
function alignUp(n: number, a: number): number {
  return n % a === 0 ? n : n + a - (n % a);
}

/** Chunk size for max_transfer splitting (aligned down, 0 = whole request). */
function chunkLimit(node: BlockDriverState): number {
  const mt = node.maxTransfer;
  if (!mt) return Number.POSITIVE_INFINITY;
  return Math.max(node.requestAlignment, alignDown(mt, node.requestAlignment));
}

/** bdrv_co_preadv: reads [offset, offset+dest.length) of `node` into dest. */
export function bdrvPread(node: BlockDriverState, offset: number, dest: Buffer): void {
  try {
    const align = node.requestAlignment;
    const start = alignDown(offset, align);
    const end = alignUp(offset + dest.length, align);
    if (start !== offset || end !== offset + dest.length) {
      const bounce = Buffer.allocUnsafe(end - start);
      readChunks(node, start, bounce);
      bounce.copy(dest, 0, offset - start, offset - start + dest.length);
    } else {
      readChunks(node, offset, dest);
    }
  } catch (e) {
    notify(node, 'read', offset, dest.length, e);
    throw e;
  }
  notify(node, 'read', offset, dest.length);
}

function readChunks(node: BlockDriverState, offset: number, dest: Buffer): void {
  const limit = chunkLimit(node);
  if (dest.length <= limit) {
    node.preadInto(offset, dest);
    return;
  }
  for (let done = 0; done < dest.length; done += limit) {
    const n = Math.min(limit, dest.length - done);
    node.preadInto(offset + done, dest.subarray(done, done + n));
  }
}

/** bdrv_co_pwritev: writes data at offset, with read-modify-write for unaligned requests. */
export function bdrvPwrite(node: BlockDriverState, offset: number, data: Buffer): void {
  try {
    const align = node.requestAlignment;
    const start = alignDown(offset, align);
    const end = alignUp(offset + data.length, align);
    let buf = data;
    if (start !== offset || end !== offset + data.length) {
      // bdrv_co_do_pwritev_part: pad head and tail from the node's content
      buf = Buffer.allocUnsafe(end - start);
      const headUnaligned = start !== offset;
      const tailUnaligned = end !== offset + data.length;
      if (headUnaligned) {
        node.debugEvent('pwritev_rmw_head');
        readChunks(node, start, buf.subarray(0, align));
        node.debugEvent('pwritev_rmw_after_head');
      }
      if (tailUnaligned && !(headUnaligned && end - start === align)) {
        node.debugEvent('pwritev_rmw_tail');
        readChunks(node, end - align, buf.subarray(end - start - align));
        node.debugEvent('pwritev_rmw_after_tail');
      }
      data.copy(buf, offset - start);
    }
    alignedPwrite(node, start, buf);
  } catch (e) {
    notify(node, 'write', offset, data.length, e);
    throw e;
  }
  notify(node, 'write', offset, data.length);
}

/** bdrv_aligned_pwritev: the pwritev / pwritev_done events around the driver call. */
function alignedPwrite(node: BlockDriverState, offset: number, data: Buffer): void {
  node.debugEvent('pwritev');
  try {
    const limit = chunkLimit(node);
    if (data.length <= limit) {
      node.pwrite(offset, data);
    } else {
      for (let done = 0; done < data.length; done += limit) {
        const n = Math.min(limit, data.length - done);
        node.pwrite(offset + done, data.subarray(done, done + n));
      }
    }
  } finally {
    node.debugEvent('pwritev_done');
  }
}

/** bdrv_co_pwrite_zeroes. */
export function bdrvPwriteZeroes(node: BlockDriverState, offset: number, length: number, flags?: WriteZeroesFlags): void {
  try {
    node.debugEvent('pwritev_zero');
    try {
      node.pwriteZeroes(offset, length, flags);
    } finally {
      node.debugEvent('pwritev_done');
    }
  } catch (e) {
    notify(node, 'write-zeroes', offset, length, e);
    throw e;
  }
  notify(node, 'write-zeroes', offset, length);
}

/** bdrv_co_pdiscard. */
export function bdrvPdiscard(node: BlockDriverState, offset: number, length: number): void {
  try {
    node.discard(offset, length);
  } catch (e) {
    notify(node, 'discard', offset, length, e);
    throw e;
  }
  notify(node, 'discard', offset, length);
}

/**
 * bdrv_co_flush: flush_to_os / flush_to_disk on the primary child, the
 * node's own flush, then every child the node writes to (not backing).
 */
export function bdrvFlush(node: BlockDriverState): void {
  try {
    const primary = node.file?.node;
    primary?.debugEvent('flush_to_os');
    primary?.debugEvent('flush_to_disk');
    node.flush();
    for (const c of node.children) {
      if (c.name !== 'backing' && !c.node.readOnly) bdrvFlush(c.node);
    }
  } catch (e) {
    notify(node, 'flush', 0, 0, e);
    throw e;
  }
  notify(node, 'flush', 0, 0);
}

/** bdrv_co_block_status of one node. */
export function bdrvBlockStatus(node: BlockDriverState, offset: number, length: number): BlockStatus {
  try {
    return node.blockStatus(offset, length);
  } catch (e) {
    notify(node, 'block-status', offset, length, e);
    throw e;
  }
}

/**
 * bdrv_co_truncate: the checks every driver gets, and the zero-fill flag when
 * growing over a longer backing file (its data must not show through).
 */
export function bdrvTruncate(node: BlockDriverState, size: number, opts?: Omit<TruncateOptions, 'zeroWrite'>): void {
  if (node.closed) throw new BlockGenericError('No medium inserted', ENOMEDIUM);
  if (size < 0) throw new BlockGenericError('Image size cannot be negative');
  const oldSize = node.getLength();
  if (node.readOnly) throw new BlockGenericError('Image is read-only', EACCES);
  let zeroWrite = false;
  const backing = node.backing?.node;
  if (size > oldSize && backing && backing.getLength() > oldSize) zeroWrite = true;
  node.truncate(size, { ...opts, zeroWrite });
}
