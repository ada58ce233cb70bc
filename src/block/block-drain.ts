// Drained sections over the graph (block/io.c bdrv_do_drained_begin_quiesce,
// bdrv_parent_drained_begin/end, bdrv_drain_poll): a quiesced node disables
// its context's external events and quiesces its parents (node parents
// recursively, BlockBackends and jobs through their callbacks); the drain
// waits while the node or any parent still has requests in flight.

import type { BlockNode } from './block-node.js';

/** Quiesce `node` and its parents; `single`: only this node's non-node parents (drain_all). */
export function quiesce(node: BlockNode, seen: Set<BlockNode>, single = false): void {
  if (seen.has(node)) return;
  seen.add(node);
  if (node.quiesceCounter++ === 0) node.aioContext.disableExternal();
  for (const p of node.parents) {
    if (p.kind === 'node' && p.parentNode) {
      if (!single) quiesce(p.parentNode, seen);
    } else p.drainedBegin?.();
  }
}

export function unquiesce(node: BlockNode, seen: Set<BlockNode>, single = false): void {
  if (seen.has(node)) return;
  seen.add(node);
  if (node.quiesceCounter <= 0) return;
  for (const p of node.parents) {
    if (p.kind === 'node' && p.parentNode) {
      if (!single) unquiesce(p.parentNode, seen);
    } else p.drainedEnd?.();
  }
  if (--node.quiesceCounter === 0) node.aioContext.enableExternal();
}

/** bdrv_drain_poll: requests still in flight on the node or its parents. */
export function drainPoll(node: BlockNode, seen: Set<BlockNode>): boolean {
  if (seen.has(node)) return false;
  seen.add(node);
  if (node.inFlight > 0) return true;
  for (const p of node.parents) {
    if (p.kind === 'node' && p.parentNode) {
      if (drainPoll(p.parentNode, seen)) return true;
    } else if (p.drainedPoll?.()) return true;
  }
  return false;
}
