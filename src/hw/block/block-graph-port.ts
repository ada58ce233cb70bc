// The part of the block graph (src/block/) the device models use: finding
// a -drive BlockBackend or a node by name, creating anonymous BlockBackends,
// -drive's legacy front-end info, and -drive auto-deletion (blockdev.c
// blockdev_mark_auto_del, which also cancels the block jobs on the drive,
// and blockdev_auto_del).

import type { BlockBackend, DriveInfo } from '../../block/block-backend.js';
import type { BlockGraph } from '../../block/block-graph.js';
import type { BlockNode } from '../../block/block-node.js';
import type { AioContext } from '../../sim/aio-context.js';
import { cancelJobsOnAutoDel } from '../../jobs/job-auto-del.js';

export interface HwBlockGraph {
  /** blk_by_name: a named (monitor-visible) BlockBackend */
  backend(name: string): BlockBackend | undefined;
  /** bdrv_find_node */
  findNode(nodeName: string): BlockNode | undefined;
  /** blk_new(ctx, perm, shared): an anonymous BlockBackend, no root */
  createBackend(opts?: { perm?: number; shared?: number; ctx?: AioContext }): BlockBackend;
  /** -drive's DriveInfo, command-line order */
  readonly drives: readonly DriveInfo[];
  /** blockdev_mark_auto_del: a -drive BB goes away with its device */
  markAutoDel(blk: BlockBackend): void;
  /** blockdev_auto_del: the device releases its drive property */
  autoDel(blk: BlockBackend): void;
}

export function hwBlockGraph(graph: BlockGraph): HwBlockGraph {
  const autoDel = new WeakSet<BlockBackend>();
  return {
    backend: (name) => graph.backend(name),
    findNode: (name) => graph.findNode(name),
    createBackend: (opts) => graph.createBackend(opts),
    get drives() {
      return graph.drives;
    },
    markAutoDel: (blk) => {
      if (!blk.legacyDinfo) return;
      // jobs on the drive's root are cancelled first (blockdev.c)
      cancelJobsOnAutoDel(blk.root);
      autoDel.add(blk);
    },
    autoDel: (blk) => {
      if (!autoDel.delete(blk)) return;
      graph.monitorRemoveBackend(blk);
      blk.unref();
    },
  };
}
