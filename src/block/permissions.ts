// Block permissions (block.c: bdrv_default_perms, bdrv_filter_default_perms,
// bdrv_default_perms_for_storage/_for_cow, bdrv_a_allow_b, bdrv_perm_names;
// include/block/block-common.h BLK_PERM_*, BdrvChildRole). Every parent edge
// of a node carries (perm, shared); two parents conflict when one needs what
// the other does not share.

export const BLK_PERM_CONSISTENT_READ = 0x01;
export const BLK_PERM_WRITE = 0x02;
export const BLK_PERM_WRITE_UNCHANGED = 0x04;
export const BLK_PERM_RESIZE = 0x08;
export const BLK_PERM_GRAPH_MOD = 0x10;
export const BLK_PERM_ALL = 0x1f;

const PASSTHROUGH = BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE | BLK_PERM_WRITE_UNCHANGED | BLK_PERM_RESIZE;
const UNCHANGED = BLK_PERM_ALL & ~PASSTHROUGH;

/** BdrvChildRole bits. */
export const BDRV_CHILD_DATA = 0x01;
export const BDRV_CHILD_METADATA = 0x02;
export const BDRV_CHILD_FILTERED = 0x04;
export const BDRV_CHILD_COW = 0x08;
export const BDRV_CHILD_PRIMARY = 0x10;
export const BDRV_CHILD_IMAGE = BDRV_CHILD_DATA | BDRV_CHILD_METADATA | BDRV_CHILD_PRIMARY;

/** bdrv_perm_names, in QEMU's order. */
const PERM_NAMES: ReadonlyArray<[number, string]> = [
  [BLK_PERM_CONSISTENT_READ, 'consistent read'],
  [BLK_PERM_WRITE, 'write'],
  [BLK_PERM_WRITE_UNCHANGED, 'write unchanged'],
  [BLK_PERM_RESIZE, 'resize'],
];

export function permNames(perm: number): string {
  return PERM_NAMES.filter(([p]) => perm & p).map(([, n]) => n).join(', ');
}

/** BlockPermission (qapi) → bit, for blkdebug take/unshare-child-perms. */
export const QAPI_PERMS: Readonly<Record<string, number>> = {
  'consistent-read': BLK_PERM_CONSISTENT_READ,
  write: BLK_PERM_WRITE,
  'write-unchanged': BLK_PERM_WRITE_UNCHANGED,
  resize: BLK_PERM_RESIZE,
  'graph-mod': BLK_PERM_GRAPH_MOD,
};

export interface PermPair {
  perm: number;
  shared: number;
}

/**
 * bdrv_default_perms: what a node with cumulative (perm, shared) from its
 * parents asks of a child in `role`. `writable`: the parent node is writable.
 */
export function defaultChildPerms(role: number, parent: PermPair, writable: boolean): PermPair {
  let { perm, shared } = parent;
  if (role & BDRV_CHILD_FILTERED) {
    return { perm: perm & PASSTHROUGH, shared: (shared & PASSTHROUGH) | UNCHANGED };
  }
  if (role & BDRV_CHILD_COW) {
    perm &= BLK_PERM_CONSISTENT_READ;
    shared = shared & BLK_PERM_WRITE ? BLK_PERM_WRITE | BLK_PERM_RESIZE : 0;
    shared |= BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE_UNCHANGED;
    return { perm, shared };
  }
  // storage (data and/or metadata)
  perm &= PASSTHROUGH;
  shared = (shared & PASSTHROUGH) | UNCHANGED;
  if (role & BDRV_CHILD_METADATA) {
    if (writable) perm |= BLK_PERM_WRITE | BLK_PERM_RESIZE;
    perm |= BLK_PERM_CONSISTENT_READ;
    shared &= ~(BLK_PERM_WRITE | BLK_PERM_RESIZE);
  }
  if (role & BDRV_CHILD_DATA) {
    shared &= ~BLK_PERM_RESIZE;
    if (perm & BLK_PERM_WRITE_UNCHANGED) perm |= BLK_PERM_WRITE;
    if (perm & BLK_PERM_WRITE) perm |= BLK_PERM_RESIZE;
  }
  return { perm, shared };
}

/** raw_child_perm: the defaults, but WRITE/RESIZE only when the parents ask for them. */
export function rawChildPerms(role: number, parent: PermPair, writable: boolean): PermPair {
  const p = defaultChildPerms(role, parent, writable);
  return { perm: (p.perm & ~(BLK_PERM_WRITE | BLK_PERM_RESIZE)) | (parent.perm & (BLK_PERM_WRITE | BLK_PERM_RESIZE)), shared: p.shared };
}

/** One parent edge as the conflict check sees it. */
export interface PermUser extends PermPair {
  /** bdrv_child_user_desc: "node 'x'", "block device 'd'", "an unnamed block device" */
  desc: string;
  /** the child's role name at the parent ('root', 'file', 'backing', ...) */
  childName: string;
}

/** bdrv_parent_perms_conflict over parents listed newest first; null if none. */
export function parentPermsConflict(nodeName: string, parents: readonly PermUser[]): string | null {
  for (const a of parents) {
    for (const b of parents) {
      if (a === b) continue;
      if ((b.perm & a.shared) === b.perm) continue;
      return (
        `Permission conflict on node '${nodeName}': permissions '${permNames(b.perm & ~a.shared)}' are both required by ` +
        `${b.desc} (uses node '${nodeName}' as '${b.childName}' child) and unshared by ${a.desc} ` +
        `(uses node '${nodeName}' as '${a.childName}' child).`
      );
    }
  }
  return null;
}
