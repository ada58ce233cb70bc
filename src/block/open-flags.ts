// The open flags a node gets from its options and its parent (block.c
// bdrv_open_common, bdrv_inherited_options): cache.direct and
// cache.no-flush inherit downwards, lower layers of a format node default to
// discard=unmap, detect-zeroes belongs to the node alone.

import type { BlockNodeFlags, DetectZeroes } from './block-node.js';
import { BlockGenericError } from './drivers/block-driver.js';
import { optBool, optEnum, type OptionBag } from './drivers/options.js';

/** A node being opened (the stack of bdrv_open_inherit calls). */
export interface OpenFrame {
  name: string | undefined;
  driver: string;
  options: OptionBag;
  flags: BlockNodeFlags;
  /** a format driver: named after its file child */
  isFormat: boolean;
  seq: number | undefined;
}

export function nodeFlagsFor(options: OptionBag, parent: OpenFrame | undefined): BlockNodeFlags {
  const cache = typeof options.cache === 'object' && options.cache !== null ? (options.cache as OptionBag) : {};
  const direct = optBool(cache, 'direct', 'cache.direct') ?? parent?.flags.direct ?? false;
  const noFlush = optBool(cache, 'no-flush', 'cache.no-flush') ?? parent?.flags.noFlush ?? false;
  const discard = optEnum(options, 'discard', ['ignore', 'unmap', 'off', 'on']);
  const unmap = discard !== undefined ? discard === 'unmap' || discard === 'on' : parent ? parent.isFormat || parent.flags.unmap : false;
  const detectZeroes: DetectZeroes = optEnum(options, 'detect-zeroes', ['off', 'on', 'unmap']) ?? 'off';
  if (detectZeroes === 'unmap' && !unmap) {
    throw new BlockGenericError('setting detect-zeroes to unmap is not allowed without setting discard operation to unmap');
  }
  const forceShare = optBool(options, 'force-share') ?? false;
  return { direct, noFlush, unmap, detectZeroes, forceShare };
}
