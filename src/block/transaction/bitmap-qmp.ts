// The block-dirty-bitmap-* operations as block/monitor/bitmap-qmp-cmds.c
// performs them, shared by the commands and by `transaction`'s actions:
// lookups and checks in QEMU's order with QEMU's texts.

import { QmpError } from '../../qapi/error.js';
import type { BlockGraph } from '../block-graph.js';
import type { BlockNode } from '../block-node.js';
import { BlockGenericError } from '../drivers/block-driver.js';
import {
  type BdrvDirtyBitmap,
  type DirtyBitmapBackup,
  createDirtyBitmap,
  defaultBitmapGranularity,
  findDirtyBitmap,
  releaseDirtyBitmap,
} from '../dirty-bitmap.js';

/** bdrv_dirty_bitmap_check flags (include/block/dirty-bitmap.h) */
export const BITMAP_BUSY = 1;
export const BITMAP_RO = 2;
export const BITMAP_INCONSISTENT = 4;
export const BITMAP_DEFAULT = BITMAP_BUSY | BITMAP_RO | BITMAP_INCONSISTENT;
export const BITMAP_ALLOW_RO = BITMAP_BUSY | BITMAP_INCONSISTENT;

/** block/qcow2-bitmap.c limits */
const BME_MIN_GRANULARITY_BITS = 9;
const BME_MAX_GRANULARITY_BITS = 31;
const BME_MAX_NAME_SIZE = 1023;
const BME_MAX_PHYS_SIZE = 0x20000000;
const BME_MAX_TABLE_SIZE = 0x8000000;
const QCOW2_MAX_BITMAPS = 65535;

export interface BitmapAddArgs {
  node: string;
  name: string;
  granularity?: number;
  persistent?: boolean;
  disabled?: boolean;
}

/** A source of block-dirty-bitmap-merge: a bitmap of the target's node, or {node, name}. */
export type BitmapOrStr = string | { node: string; name: string };

/** bdrv_lookup_bs without an error: a BB's root or a node name. */
function lookupBs(graph: BlockGraph, name: string): BlockNode | undefined {
  const blk = graph.backend(name);
  if (blk) return blk.root ?? undefined;
  return graph.findNode(name);
}

/** bdrv_get_device_or_node_name */
function deviceOrNodeName(graph: BlockGraph, node: BlockNode): string {
  return graph.deviceNameOf(node) || node.nodeName;
}

/** block_dirty_bitmap_lookup */
export function lookupBitmap(graph: BlockGraph, node: string, name: string): { bs: BlockNode; bitmap: BdrvDirtyBitmap } {
  const bs = lookupBs(graph, node);
  if (!bs) throw QmpError.generic(`Node '${node}' not found`);
  const bitmap = findDirtyBitmap(bs, name);
  if (!bitmap) throw QmpError.generic(`Dirty bitmap '${name}' not found`);
  return { bs, bitmap };
}

/** bdrv_dirty_bitmap_check */
export function checkBitmap(bm: BdrvDirtyBitmap, flags: number): void {
  if (flags & BITMAP_BUSY && bm.busy) {
    throw QmpError.generic(`Bitmap '${bm.name}' is currently in use by another operation and cannot be used`);
  }
  if (flags & BITMAP_RO && bm.readonly) throw QmpError.generic(`Bitmap '${bm.name}' is readonly and cannot be modified`);
  if (flags & BITMAP_INCONSISTENT && bm.inconsistent) throw QmpError.generic(`Bitmap '${bm.name}' is inconsistent and cannot be used`);
}

/**
 * bdrv_can_store_new_dirty_bitmap: only qcow2 stores bitmaps. qmp-sim checks
 * qcow2's constraints (qcow2_co_can_store_new_dirty_bitmap) but does not
 * write bitmaps into images: a bitmap that passes them is refused too.
 */
function checkCanStore(graph: BlockGraph, bs: BlockNode, name: string, granularity: number): void {
  const where = deviceOrNodeName(graph, bs);
  if (bs.format !== 'qcow2') throw QmpError.generic(`Can't store persistent bitmaps to ${where}: Operation not supported`);
  if (findDirtyBitmap(bs, name)) throw QmpError.generic(`Bitmap already exists: ${name}`);
  const fail = (why: string) => QmpError.generic(`Can't make bitmap '${name}' persistent in '${where}': ${why}`);
  const info = bs.bs.imageInfo();
  const fmt = info['format-specific'];
  if (fmt?.type === 'qcow2' && fmt.data.compat === '0.10') throw fail('Cannot store dirty bitmaps in qcow2 v2 files');
  const bits = Math.log2(granularity);
  if (bits > BME_MAX_GRANULARITY_BITS) throw fail(`Granularity exceeds maximum (${2 ** BME_MAX_GRANULARITY_BITS} bytes)`);
  if (bits < BME_MIN_GRANULARITY_BITS) throw fail(`Granularity is under minimum (${2 ** BME_MIN_GRANULARITY_BITS} bytes)`);
  const clusterSize = info['cluster-size'] ?? 65536;
  const bytes = Math.ceil(Math.ceil(bs.bs.getLength() / granularity) / 8);
  if (bytes > BME_MAX_PHYS_SIZE || bytes > BME_MAX_TABLE_SIZE * clusterSize) {
    throw fail('Too much space will be occupied by the bitmap. Use larger granularity');
  }
  if (name.length > BME_MAX_NAME_SIZE) throw fail(`Name length exceeds maximum (${BME_MAX_NAME_SIZE} characters)`);
  const persistent = bs.dirtyBitmaps.filter((b) => b.persistent).length;
  if (persistent + 1 > QCOW2_MAX_BITMAPS) throw fail('Maximum number of persistent bitmaps is already reached');
  throw fail('persistent bitmaps are not modelled by qmp-sim (qcow2 bitmap extension not written)');
}

/** qmp_block_dirty_bitmap_add */
export function bitmapAdd(graph: BlockGraph, a: BitmapAddArgs): BdrvDirtyBitmap {
  if (a.name === '') throw QmpError.generic('Bitmap name cannot be empty');
  const bs = graph.lookup(a.node, a.node);
  let granularity: number;
  if (a.granularity !== undefined) {
    const g = a.granularity;
    if (g < 512 || (g & (g - 1)) !== 0) throw QmpError.generic('Granularity must be power of 2 and at least 512');
    granularity = g;
  } else {
    granularity = defaultBitmapGranularity(bs);
  }
  if (a.persistent) checkCanStore(graph, bs, a.name, granularity);
  let bitmap: BdrvDirtyBitmap;
  try {
    bitmap = createDirtyBitmap(bs, granularity, a.name);
  } catch (e) {
    if (e instanceof BlockGenericError) throw QmpError.generic(e.message);
    throw e;
  }
  if (a.disabled) bitmap.disabled = true;
  bitmap.persistent = a.persistent ?? false;
  return bitmap;
}

/** block_dirty_bitmap_remove: release=false leaves the bitmap for a transaction's commit. */
export function bitmapRemove(graph: BlockGraph, node: string, name: string, release: boolean): { bs: BlockNode; bitmap: BdrvDirtyBitmap } {
  const found = lookupBitmap(graph, node, name);
  checkBitmap(found.bitmap, BITMAP_BUSY | BITMAP_RO);
  if (release) releaseDirtyBitmap(found.bs, found.bitmap);
  return found;
}

/** qmp_block_dirty_bitmap_clear; with `backup`, the old bits are returned for an abort. */
export function bitmapClear(graph: BlockGraph, node: string, name: string, backup: boolean): { bitmap: BdrvDirtyBitmap; backup: DirtyBitmapBackup | null } {
  const { bitmap } = lookupBitmap(graph, node, name);
  checkBitmap(bitmap, BITMAP_DEFAULT);
  const saved = backup ? bitmap.backup() : null;
  bitmap.clear();
  return { bitmap, backup: saved };
}

/** qmp_block_dirty_bitmap_enable / _disable; returns whether it was enabled before. */
export function bitmapSetEnabled(graph: BlockGraph, node: string, name: string, enable: boolean): { bitmap: BdrvDirtyBitmap; wasEnabled: boolean } {
  const { bitmap } = lookupBitmap(graph, node, name);
  checkBitmap(bitmap, BITMAP_ALLOW_RO);
  const wasEnabled = !bitmap.disabled;
  bitmap.disabled = !enable;
  return { bitmap, wasEnabled };
}

/** bdrv_merge_dirty_bitmap's checks */
function checkMerge(dest: BdrvDirtyBitmap, src: BdrvDirtyBitmap): void {
  checkBitmap(dest, BITMAP_DEFAULT);
  checkBitmap(src, BITMAP_ALLOW_RO);
  if (src.size !== dest.size) {
    throw QmpError.generic(
      `Bitmaps are of different sizes (destination size is ${dest.size}, source size is ${src.size}) and can't be merged`,
    );
  }
}

/**
 * block_dirty_bitmap_merge: sources are merged one by one; a failure part way
 * restores the target as it was before the first merge.
 */
export function bitmapMerge(graph: BlockGraph, node: string, target: string, bitmaps: BitmapOrStr[]): { bitmap: BdrvDirtyBitmap; backup: DirtyBitmapBackup | null } {
  const { bs, bitmap: dst } = lookupBitmap(graph, node, target);
  let backup: DirtyBitmapBackup | null = null;
  try {
    for (const item of bitmaps) {
      let src: BdrvDirtyBitmap;
      if (typeof item === 'string') {
        const found = findDirtyBitmap(bs, item);
        if (!found) throw QmpError.generic(`Dirty bitmap '${item}' not found`);
        src = found;
      } else {
        src = lookupBitmap(graph, item.node, item.name).bitmap;
      }
      checkMerge(dst, src);
      if (!backup) backup = dst.backup();
      dst.merge(src);
    }
  } catch (e) {
    if (backup) dst.restore(backup);
    throw e;
  }
  return { bitmap: dst, backup };
}
