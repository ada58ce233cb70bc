// The role a node gives each child (BdrvChildRole, chosen by the driver's
// open: raw-format.c raw_open, block.c bdrv_open_file_child, qcow2.c) and
// the permissions it asks of it (BlockDriver.bdrv_child_perm), mirror's
// mirror_top filter included (block/mirror.c).

import type { BlockNode, BdrvParent } from './block-node.js';
import { optSize } from './drivers/options.js';
import {
  BDRV_CHILD_COW,
  BDRV_CHILD_DATA,
  BDRV_CHILD_FILTERED,
  BDRV_CHILD_IMAGE,
  BDRV_CHILD_METADATA,
  BDRV_CHILD_PRIMARY,
  BLK_PERM_ALL,
  QAPI_PERMS,
  defaultChildPerms,
  rawChildPerms,
  type PermPair,
} from './permissions.js';

function hasOpt(node: BlockNode, key: string): boolean {
  try {
    return (optSize(node.options, key) ?? 0) !== 0 || (key === 'size' && node.options.size !== undefined);
  } catch {
    return false;
  }
}

export function childRole(parent: BlockNode, childName: string): number {
  switch (parent.format) {
    case 'raw':
      // raw is a filter unless it has an offset or size window
      return hasOpt(parent, 'offset') || hasOpt(parent, 'size') ? BDRV_CHILD_DATA | BDRV_CHILD_PRIMARY : BDRV_CHILD_FILTERED | BDRV_CHILD_PRIMARY;
    case 'blkdebug':
    case 'mirror_top':
      // filters: their one child is filtered (bdrv_filter_or_cow_child_role)
      return BDRV_CHILD_FILTERED | BDRV_CHILD_PRIMARY;
    default:
      if (childName === 'backing') return BDRV_CHILD_COW;
      if (childName === 'data-file') return BDRV_CHILD_DATA;
      if (childName === 'file' && parent.options['data-file'] !== undefined) return BDRV_CHILD_METADATA | BDRV_CHILD_PRIMARY;
      return BDRV_CHILD_IMAGE;
  }
}

function permList(v: unknown): number {
  const items = Array.isArray(v) ? v : typeof v === 'object' && v !== null ? Object.values(v) : [];
  let bits = 0;
  for (const it of items) if (typeof it === 'string') bits |= QAPI_PERMS[it] ?? 0;
  return bits;
}

export function childPerms(parent: BlockNode, edge: BdrvParent, cumulative: PermPair): PermPair {
  const writable = !parent.readOnly;
  if (parent.format === 'raw') return rawChildPerms(edge.role, cumulative, writable);
  // block/mirror.c bdrv_mirror_top_child_perm: once the job stops, nothing is forwarded
  if (parent.format === 'mirror_top' && (parent.bs as { stop?: unknown }).stop === true) return { perm: 0, shared: BLK_PERM_ALL };
  const p = defaultChildPerms(edge.role, cumulative, writable);
  if (parent.format === 'blkdebug') {
    // blkdebug_child_perm: take-child-perms / unshare-child-perms
    p.perm |= permList(parent.options['take-child-perms']);
    p.shared &= ~permList(parent.options['unshare-child-perms']);
  }
  return p;
}
