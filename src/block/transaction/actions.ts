// The `transaction` action table (blockdev.c: BlkActionOps actions[]), as
// data: per TransactionActionKind whether its prepare refuses a grouped
// completion-mode (action_check_completion_mode) and its prepare / commit /
// abort. prepare may fail; of commit and abort exactly one runs afterwards,
// abort also for the action whose prepare failed. Kinds qmp-sim does not
// model (snapshots, backups) fail in prepare with a clear error.

import { QmpError } from '../../qapi/error.js';
import type { BlockGraph } from '../block-graph.js';
import { type BdrvDirtyBitmap, type DirtyBitmapBackup, releaseDirtyBitmap } from '../dirty-bitmap.js';
import type { BlockNode } from '../block-node.js';
import { type BitmapAddArgs, type BitmapOrStr, bitmapAdd, bitmapClear, bitmapMerge, bitmapRemove, bitmapSetEnabled } from './bitmap-qmp.js';

/** TransactionActionKind (qapi/transaction.json), in QAPI order. */
export const TRANSACTION_ACTION_KINDS = [
  'abort',
  'block-dirty-bitmap-add',
  'block-dirty-bitmap-remove',
  'block-dirty-bitmap-clear',
  'block-dirty-bitmap-enable',
  'block-dirty-bitmap-disable',
  'block-dirty-bitmap-merge',
  'blockdev-backup',
  'blockdev-snapshot',
  'blockdev-snapshot-internal-sync',
  'blockdev-snapshot-sync',
  'drive-backup',
] as const;
export type TransactionActionKind = (typeof TRANSACTION_ACTION_KINDS)[number];

/** BlockDirtyBitmapState: what prepare leaves for commit / abort. */
export interface ActionState {
  graph: BlockGraph;
  prepared: boolean;
  bitmap: BdrvDirtyBitmap | null;
  bs: BlockNode | null;
  backup: DirtyBitmapBackup | null;
  wasEnabled: boolean;
}

export interface TransactionActionOps {
  /** false: the kind is in QEMU's table but not modelled here */
  readonly modelled: boolean;
  /** action_check_completion_mode: refuses completion-mode=grouped */
  readonly individualOnly: boolean;
  prepare(s: ActionState, data: Record<string, unknown>): void;
  commit?(s: ActionState): void;
  abort?(s: ActionState): void;
}

interface BitmapName {
  node: string;
  name: string;
}

function notModelled(kind: TransactionActionKind): TransactionActionOps['prepare'] {
  return () => {
    throw QmpError.generic(`Transaction action '${kind}' is not modelled by qmp-sim`);
  };
}

/** clear and merge: the backup goes on commit and comes back on abort. */
function restoreBackup(s: ActionState): void {
  if (s.backup && s.bitmap) s.bitmap.restore(s.backup);
}
function dropBackup(s: ActionState): void {
  s.backup = null;
}


/** block-dirty-bitmap-enable / -disable: prepare sets the state, abort puts the old one back. */
function setEnabledAction(enable: boolean): TransactionActionOps {
  return {
    modelled: true,
    individualOnly: true,
    prepare(s, d) {
      const { node, name } = d as unknown as BitmapName;
      const r = bitmapSetEnabled(s.graph, node, name, enable);
      s.bitmap = r.bitmap;
      s.wasEnabled = r.wasEnabled;
    },
    abort(s) {
      if (s.bitmap && s.wasEnabled !== enable) s.bitmap.disabled = !s.wasEnabled;
    },
  };
}

export const TRANSACTION_ACTIONS: Readonly<Record<TransactionActionKind, TransactionActionOps>> = {
  abort: {
    modelled: true,
    individualOnly: false,
    prepare() {
      throw QmpError.generic('Transaction aborted using Abort action');
    },
  },
  'block-dirty-bitmap-add': {
    modelled: true,
    individualOnly: true,
    prepare(s, d) {
      const bm = bitmapAdd(s.graph, d as unknown as BitmapAddArgs);
      s.bitmap = bm;
      s.bs = bm.node;
      s.prepared = true;
    },
    abort(s) {
      if (s.prepared && s.bitmap && s.bs) releaseDirtyBitmap(s.bs, s.bitmap);
    },
  },
  'block-dirty-bitmap-remove': {
    modelled: true,
    individualOnly: true,
    prepare(s, d) {
      const { node, name } = d as unknown as BitmapName;
      const found = bitmapRemove(s.graph, node, name, false);
      s.bitmap = found.bitmap;
      s.bs = found.bs;
      found.bitmap.busy = true;
    },
    commit(s) {
      if (!s.bitmap || !s.bs) return;
      s.bitmap.busy = false;
      releaseDirtyBitmap(s.bs, s.bitmap);
    },
    abort(s) {
      if (s.bitmap) s.bitmap.busy = false;
    },
  },
  'block-dirty-bitmap-clear': {
    modelled: true,
    individualOnly: true,
    prepare(s, d) {
      const { node, name } = d as unknown as BitmapName;
      const r = bitmapClear(s.graph, node, name, true);
      s.bitmap = r.bitmap;
      s.backup = r.backup;
    },
    commit: dropBackup,
    abort: restoreBackup,
  },
  'block-dirty-bitmap-enable': setEnabledAction(true),
  'block-dirty-bitmap-disable': setEnabledAction(false),
  'block-dirty-bitmap-merge': {
    modelled: true,
    individualOnly: true,
    prepare(s, d) {
      const { node, target, bitmaps } = d as unknown as { node: string; target: string; bitmaps: BitmapOrStr[] };
      const r = bitmapMerge(s.graph, node, target, bitmaps);
      s.bitmap = r.bitmap;
      s.backup = r.backup;
    },
    commit: dropBackup,
    abort: restoreBackup,
  },
  'blockdev-backup': { modelled: false, individualOnly: false, prepare: notModelled('blockdev-backup') },
  'blockdev-snapshot': { modelled: false, individualOnly: true, prepare: notModelled('blockdev-snapshot') },
  'blockdev-snapshot-internal-sync': { modelled: false, individualOnly: true, prepare: notModelled('blockdev-snapshot-internal-sync') },
  'blockdev-snapshot-sync': { modelled: false, individualOnly: true, prepare: notModelled('blockdev-snapshot-sync') },
  'drive-backup': { modelled: false, individualOnly: false, prepare: notModelled('drive-backup') },
};
