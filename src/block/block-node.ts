// A node of the block graph: one BlockDriverState (block_int-common.h) as
// the graph sees it. The driver (src/block/drivers/) moves the bytes; the
// node adds what block.c and block/io.c keep beside it: the node name, the
// reference count, the parent edges (BdrvChild seen from the child, newest
// first as QLIST_INSERT_HEAD keeps them), open flags, the write threshold,
// wr_highest_offset, in-flight requests, the drain counter, op blockers and
// the AioContext. "BlockNode" is qmp-sim's name for QEMU's BlockDriverState.

import type { BlockDriverState } from './drivers/block-driver.js';
import type { OptionBag } from './drivers/options.js';
import type { AioContext } from '../sim/aio-context.js';
import type { BlockBackend } from './block-backend.js';
import type { BdrvDirtyBitmap } from './dirty-bitmap.js';

export type DetectZeroes = 'off' | 'on' | 'unmap';

/** The open flags qmp-sim models (BDRV_O_NOCACHE, BDRV_O_NO_FLUSH, BDRV_O_UNMAP, detect_zeroes). */
export interface BlockNodeFlags {
  direct: boolean;
  noFlush: boolean;
  /** discard=unmap (BDRV_O_UNMAP) */
  unmap: boolean;
  detectZeroes: DetectZeroes;
  /** force-share=on: parents share every permission with others */
  forceShare: boolean;
}

/**
 * The parent side of a BdrvChild (BdrvChildClass): a node, a BlockBackend,
 * a block job, or another user. Kept on the child in `parents`.
 */
export interface BdrvParent {
  readonly kind: 'node' | 'blk' | 'job' | 'other';
  /** the child's name at the parent: 'root', 'file', 'backing', 'image', 'main node'... */
  readonly childName: string;
  /** BdrvChildRole bits (node parents; BDRV_CHILD_* in permissions.ts) */
  readonly role: number;
  perm: number;
  shared: number;
  /** get_parent_desc: "node 'x'", "block device 'd'", "an unnamed block device" */
  desc(): string;
  readonly parentNode?: BlockNode;
  readonly blk?: BlockBackend;
  /** BdrvChildClass drained_begin / drained_end / drained_poll (true while busy) */
  drainedBegin?(): void;
  drainedEnd?(): void;
  drainedPoll?(): boolean;
}

/** bdrv_op_block reasons per BlockOpType (only the ones qmp-sim checks). */
export type BlockOpType = 'drive-del' | 'resize' | 'mirror-source' | 'mirror-target' | 'backup-source' | 'commit-source' | 'dataplane';

export interface BlockNodeInit {
  bs: BlockDriverState;
  nodeName: string;
  autoNamed: boolean;
  options: OptionBag;
  flags: BlockNodeFlags;
  ctx: AioContext;
  seq: number;
}

export class BlockNode {
  readonly bs: BlockDriverState;
  readonly nodeName: string;
  /** the name was generated (#blockNNN) */
  readonly autoNamed: boolean;
  /** the options the node was opened with (strings from -drive) */
  readonly options: OptionBag;
  readonly flags: BlockNodeFlags;
  /** creation order: query-named-block-nodes lists newest first */
  readonly seq: number;
  /** in monitor_bdrv_states (blockdev-add / -blockdev roots) */
  monitorOwned = false;
  /** bs->implicit: filters inserted by jobs (mirror_top), skipped by query-block */
  implicit = false;
  refcnt = 0;
  /** parent edges, newest first */
  readonly parents: BdrvParent[] = [];
  /** edges this node holds to its children, in bs.children order */
  readonly childEdges: BdrvParent[] = [];
  /** bs->write_threshold_offset (0: disabled) */
  writeThreshold: bigint = 0n;
  /** bs->wr_highest_offset */
  wrHighestOffset = 0;
  /** requests in flight on this node (bs->in_flight) */
  inFlight = 0;
  /** bs->quiesce_counter */
  quiesceCounter = 0;
  aioContext: AioContext;
  /** op type → reasons (first reason is reported) */
  readonly opBlockers = new Map<BlockOpType, string[]>();
  /** cumulative permissions granted to the parents (bdrv_get_cumulative_perm) */
  perm = 0;
  shared = 0x1f;
  closed = false;
  /** BdrvDirtyBitmaps, newest first (bs->dirty_bitmaps; src/block/dirty-bitmap.ts) */
  readonly dirtyBitmaps: BdrvDirtyBitmap[] = [];

  constructor(init: BlockNodeInit) {
    this.bs = init.bs;
    this.nodeName = init.nodeName;
    this.autoNamed = init.autoNamed;
    this.options = init.options;
    this.flags = init.flags;
    this.aioContext = init.ctx;
    this.seq = init.seq;
  }

  get format(): string {
    return this.bs.format;
  }

  get readOnly(): boolean {
    return this.bs.readOnly;
  }

  /** The children as graph nodes (bs.children order). */
  children(): Array<{ name: string; role: number; node: BlockNode }> {
    return this.childEdges.map((e) => ({ name: e.childName, role: e.role, node: (e as ChildEdge).child }));
  }

  /** bdrv_has_blk: a BlockBackend is a direct parent. */
  hasBlk(): boolean {
    return this.parents.some((p) => p.kind === 'blk');
  }

  /** bdrv_op_block */
  opBlock(op: BlockOpType, reason: string): void {
    const list = this.opBlockers.get(op) ?? [];
    list.push(reason);
    this.opBlockers.set(op, list);
  }

  /** bdrv_op_unblock */
  opUnblock(op: BlockOpType, reason: string): void {
    const list = this.opBlockers.get(op);
    if (!list) return;
    const i = list.indexOf(reason);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.opBlockers.delete(op);
  }

  /** bdrv_op_is_blocked: QEMU's "Node '%s' is busy: %s" text, or null. */
  opBlockedMessage(op: BlockOpType): string | null {
    const reasons = this.opBlockers.get(op);
    if (!reasons || reasons.length === 0) return null;
    return `Node '${this.nodeName}' is busy: ${reasons[0]}`;
  }
}

/** A node's edge to one of its children (child_of_bds). */
export interface ChildEdge extends BdrvParent {
  readonly kind: 'node';
  readonly parentNode: BlockNode;
  readonly child: BlockNode;
}
