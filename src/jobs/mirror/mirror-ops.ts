// Mirror's in-flight operations (block/mirror.c MirrorOp): a copy reads
// the source node and writes the target BlockBackend; zero/discard only
// write. Each op holds granularity-sized chunks of the job's buffer while
// it copies, and wakes whoever waits on it when it ends.

import type { BlockNode } from '../../block/block-node.js';
import { runRequest } from '../../block/block-request.js';
import type { SimKernel } from '../../sim/kernel.js';

export const MAX_IN_FLIGHT = 16;
export const MAX_IO_BYTES = 1 << 20;
export const DEFAULT_MIRROR_BUF_SIZE = MAX_IN_FLIGHT * MAX_IO_BYTES;

export type MirrorMethod = 'copy' | 'zero' | 'discard';

export interface MirrorOp {
  offset: number;
  bytes: number;
  method: MirrorMethod;
  /** the pseudo op of mirror_iteration (claims a range, copies nothing) */
  isPseudo: boolean;
  isInFlight: boolean;
  /** buffer chunks held (copies) */
  chunks: number;
  /** the op this one waits for (active writes; kept for the conflict rules) */
  waitingForOp: MirrorOp | null;
  /** CoQueue waiting_requests */
  waiters: Array<() => void>;
  /** a copy's bounce buffer, from its source read until its target write is issued */
  buf: Buffer | null;
}

export function newOp(offset: number, bytes: number, method: MirrorMethod, isPseudo = false): MirrorOp {
  return { offset, bytes, method, isPseudo, isInFlight: false, chunks: 0, waitingForOp: null, waiters: [], buf: null };
}

/** qemu_co_queue_restart_all */
export function restartAll(op: MirrorOp): void {
  for (const w of op.waiters.splice(0)) w();
}

/**
 * bdrv_co_preadv on the source node itself (mirror reads below the filter,
 * not through a BlockBackend, so a drained section does not hold them). The
 * bytes move now; completion comes through the host I/O model, except that a
 * request failing without host I/O returns its error to the coroutine at
 * once (QEMU's blkdebug yield is rescheduled ahead of the monitor's reply).
 */
export function nodeRead(kernel: SimKernel, node: BlockNode, offset: number, buf: Buffer, log: (m: string) => void, cb: (ret: number) => void): void {
  node.inFlight++;
  const out = runRequest(node, { kind: 'read', offset, bytes: buf.length, buf }, log);
  const done = () => {
    node.inFlight--;
    try {
      cb(out.ret);
    } finally {
      kernel.aioWait.kick();
    }
  };
  const label = `mirror read ${node.nodeName} ${offset}+${buf.length}`;
  if (out.ret < 0) done();
  else if (out.latencyNs > 0) kernel.hostIo.submit(node.aioContext, out.latencyNs, done, label);
  else node.aioContext.bhScheduleOneshot(done, label);
}
