// The block graph of one machine (block.c, block/block-backend.c): nodes
// (BlockDriverState, called BlockNode here) by node-name, and BlockBackends
// by name. Node names and BlockBackend names share one namespace.

import { QmpError } from '../qapi/error.js';

export interface BlockNode {
  nodeName: string;
  /** block.c bdrv_truncate via the node's driver */
  truncate(size: number): void;
}

export interface BlockBackend {
  name: string;
  root?: BlockNode;
}

export class BlockGraph {
  readonly nodes = new Map<string, BlockNode>();
  readonly backends = new Map<string, BlockBackend>();

  /** bdrv_lookup_bs: a BlockBackend name or a node-name. */
  lookup(device: string | undefined, nodeName: string | undefined): BlockNode {
    if (device !== undefined) {
      const blk = this.backends.get(device);
      if (blk) {
        if (!blk.root) throw QmpError.generic(`Device '${device}' has no medium`);
        return blk.root;
      }
    }
    if (nodeName !== undefined) {
      const bs = this.nodes.get(nodeName);
      if (bs) return bs;
    }
    throw QmpError.generic(`Cannot find device='${device ?? ''}' nor node-name='${nodeName ?? ''}'`);
  }
}
