// One request from a BlockBackend down its root node (block/io.c
// bdrv_co_preadv/pwritev/pwrite_zeroes/pdiscard/flush over the synchronous
// drivers), and how long the host takes for it. The data moves at once; the
// BlockBackend delivers the completion after `latencyNs` through the host
// I/O model, or as a bare bottom half when no host I/O was involved.

import type { BlockNode } from './block-node.js';
import { BlockGenericError, BlockIOError, type BlockDriverState } from './drivers/block-driver.js';
import { EIO } from './drivers/errno.js';
import { bdrvFlush, bdrvPdiscard, bdrvPread, bdrvPwrite, bdrvPwriteZeroes } from './drivers/generic-io.js';
import { isAllZero } from './drivers/zero-detect.js';
import { injectedFault } from './fault-inject.js';

export type BlockRequestKind = 'read' | 'write' | 'write-zeroes' | 'discard' | 'flush';

export interface BlockRequest {
  kind: BlockRequestKind;
  offset: number;
  bytes: number;
  /** read: destination; write: source */
  buf?: Buffer;
  /** BDRV_REQ_FUA: flush after the write (writethrough BBs) */
  fua?: boolean;
  /** BDRV_REQ_MAY_UNMAP */
  mayUnmap?: boolean;
}

export interface RequestOutcome {
  /** 0 or -errno */
  ret: number;
  latencyNs: number;
}

/** Host latency of the protocol drivers, as data. */
const HOST_LATENCY: Readonly<Record<string, { baseNs: number; nsPerKiB: number; flushNs: number }>> = {
  file: { baseNs: 20_000, nsPerKiB: 250, flushNs: 100_000 },
};

/** The protocol node at the bottom of the node's primary chain. */
function bottomOf(bs: BlockDriverState): BlockDriverState {
  let cur = bs;
  for (let i = 0; i < 64 && cur.file; i++) cur = cur.file.node;
  return cur;
}

function latencyOf(node: BlockNode, req: BlockRequest): number {
  const bottom = bottomOf(node.bs);
  const host = HOST_LATENCY[bottom.format];
  if (host) {
    if (req.kind === 'flush') return host.flushNs;
    // write-zeroes and discard move no data (fallocate punch / zero range)
    if (req.kind === 'write-zeroes' || req.kind === 'discard') return host.baseNs;
    return host.baseNs + Math.ceil((req.bytes / 1024) * host.nsPerKiB);
  }
  // null-co / null-aio: latency-ns (0: completes in the coroutine, a BH)
  const lat = (bottom as { latencyNs?: unknown }).latencyNs;
  return typeof lat === 'number' && lat > 0 ? lat : 0;
}

/** Runs the request on the node's driver; never throws. */
export function runRequest(node: BlockNode, req: BlockRequest, log: (msg: string) => void): RequestOutcome {
  const bs = node.bs;
  const fault = injectedFault(node, req); // control channel fault.inject
  if (fault < 0) return { ret: fault, latencyNs: 0 };
  try {
    switch (req.kind) {
      case 'read':
        bdrvPread(bs, req.offset, req.buf ?? Buffer.alloc(req.bytes));
        break;
      case 'write': {
        const data = req.buf ?? Buffer.alloc(req.bytes);
        const dz = node.flags.detectZeroes;
        // bdrv_aligned_pwritev: detect-zeroes turns an all-zero write into write-zeroes
        if (dz !== 'off' && data.length > 0 && isAllZero(data)) {
          bdrvPwriteZeroes(bs, req.offset, data.length, { mayUnmap: dz === 'unmap' && node.flags.unmap });
        } else {
          bdrvPwrite(bs, req.offset, data);
        }
        if (req.fua && !node.flags.noFlush) bdrvFlush(bs);
        break;
      }
      case 'write-zeroes':
        bdrvPwriteZeroes(bs, req.offset, req.bytes, { mayUnmap: (req.mayUnmap ?? false) && node.flags.unmap });
        break;
      case 'discard':
        // bdrv_co_pdiscard: a no-op unless the node was opened with discard=unmap
        if (node.flags.unmap) bdrvPdiscard(bs, req.offset, req.bytes);
        break;
      case 'flush':
        if (!node.flags.noFlush) bdrvFlush(bs);
        break;
    }
  } catch (e) {
    if (e instanceof BlockIOError) return { ret: -e.errno, latencyNs: 0 };
    if (e instanceof BlockGenericError) return { ret: -(e.errno ?? EIO), latencyNs: 0 };
    log(`block: ${req.kind} on node '${node.nodeName}' failed: ${(e as Error)?.stack ?? String(e)}`);
    return { ret: -EIO, latencyNs: 0 };
  }
  return { ret: 0, latencyNs: latencyOf(node, req) };
}
