// Image locking between the file nodes of one machine (block/file-posix.c
// raw_check_lock_bytes): a node needing permission P fails if another node
// on the same file does not share P; a node not sharing P fails if another
// holds P. Nodes opened with locking=off take no part.

import type { BlockNode } from './block-node.js';
import { canonicalImagePath } from './image-dir.js';
import { optEnum } from './drivers/options.js';
import { BLK_PERM_CONSISTENT_READ, BLK_PERM_GRAPH_MOD, BLK_PERM_RESIZE, BLK_PERM_WRITE, BLK_PERM_WRITE_UNCHANGED, permNames } from './permissions.js';

const BITS = [BLK_PERM_CONSISTENT_READ, BLK_PERM_WRITE, BLK_PERM_WRITE_UNCHANGED, BLK_PERM_RESIZE, BLK_PERM_GRAPH_MOD];

/** The file a file node locks, or null (other drivers, locking=off). */
export function lockedPath(node: BlockNode, cwd?: string): string | null {
  if (node.format !== 'file' || node.closed) return null;
  let locking: string | undefined;
  try {
    locking = optEnum(node.options, 'locking', ['on', 'off', 'auto']);
  } catch {
    return null;
  }
  if (locking === 'off') return null;
  const name = node.options.filename;
  if (typeof name !== 'string') return null;
  return canonicalImagePath(name.startsWith('file:') ? name.slice(5) : name, cwd);
}

/** raw_check_lock_bytes against the other nodes on the same file; null if the locks can be taken. */
export function fileLockConflict(node: BlockNode, perm: number, shared: number, others: Iterable<BlockNode>, cwd?: string): string | null {
  const path = lockedPath(node, cwd);
  if (path === null) return null;
  const peers = [...others].filter((o) => o !== node && lockedPath(o, cwd) === path);
  if (peers.length === 0) return null;
  for (const p of BITS) {
    if (perm & p && peers.some((o) => !(o.shared & p))) return `Failed to get "${permNames(p) || 'graph-mod'}" lock`;
  }
  for (const p of BITS) {
    if (!(shared & p) && peers.some((o) => o.perm & p)) return `Failed to get shared "${permNames(p) || 'graph-mod'}" lock`;
  }
  return null;
}
