// Block status over a backing chain (block/io.c bdrv_block_status_above,
// bdrv_is_allocated_above): what mirror's sync=full and sync=top ask.

import type { BlockDriverState, BlockStatus } from './block-driver.js';
import { bdrvBlockStatus } from './generic-io.js';

export interface ChainBlockStatus extends BlockStatus {
  /** 1 for `top`, 2 for its backing...; 0 when no layer above base defines the range. */
  depth: number;
}

/**
 * The status of [offset, offset+length) seen through `top` down to, but not
 * including, `base` (null: the whole chain). The answer holds for `length`
 * bytes (never more than asked).
 */
export function blockStatusAbove(top: BlockDriverState, base: BlockDriverState | null, offset: number, length: number): ChainBlockStatus {
  let len = length;
  let p: BlockDriverState = top;
  for (let depth = 1; ; depth++) {
    const s = bdrvBlockStatus(p, offset, len);
    len = Math.min(len, s.length);
    if (s.allocated) return { ...s, length: len, depth };
    const next = p.backing?.node ?? null;
    if (s.zero || !next || next === base) return { allocated: false, data: s.data, zero: s.zero, length: len, depth: 0 };
    p = next;
  }
}

/** bdrv_is_allocated_above: whether a layer in [top, base) defines the range, and for how long. */
export function isAllocatedAbove(top: BlockDriverState, base: BlockDriverState | null, offset: number, length: number): { allocated: boolean; length: number } {
  if (top === base) return { allocated: false, length };
  const s = blockStatusAbove(top, base, offset, length);
  return { allocated: s.allocated, length: s.length };
}
