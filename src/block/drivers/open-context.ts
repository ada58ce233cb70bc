// What a driver needs from the graph while it opens: its children (inline
// definitions or node-name references, block.c bdrv_open_child), the image
// directory policy and sinks for warnings and corruption reports.

import type { BdrvChildName, BlockDriverState } from './block-driver.js';
import { BlockGenericError } from './block-driver.js';
import type { ImageDirPolicy } from '../image-dir.js';
import type { OptionBag } from './options.js';

/** BlockdevRef: a node-name reference or an inline BlockdevOptions. */
export type BlockdevRef = string | OptionBag;

/** Flags a child inherits from its parent (block.c bdrv_inherited_options, bdrv_backing_options). */
export interface InheritedFlags {
  readOnly: boolean;
  autoReadOnly: boolean;
  /** cache.no-flush of the parent. */
  noFlush: boolean;
}

/** BLOCK_IMAGE_CORRUPTED's data (qcow2_signal_corruption). */
export interface CorruptionReport {
  msg: string;
  offset?: number;
  size?: number;
  fatal: boolean;
}

export interface OpenContext {
  policy: ImageDirPolicy;
  /**
   * Opens an inline child definition or resolves a node-name reference. A
   * graph layer registers inline children as nodes (generated names) and
   * opens them with openDriver(); see registry.ts for the default.
   */
  openChild(ref: BlockdevRef, role: BdrvChildName, inherited: InheritedFlags): BlockDriverState;
  /** Returns a child obtained from openChild when the parent's open failed. */
  releaseChild?(node: BlockDriverState, ref: BlockdevRef): void;
  /** Options come from legacy -drive (QemuOpts: strings, command-line order). */
  legacy?: boolean;
  /** warn_report() lines (e.g. raw's probing warning). */
  warn?(msg: string): void;
  /** qcow2 found (and possibly marked) a corrupt image. */
  onCorruption?(node: BlockDriverState, report: CorruptionReport): void;
}

/** Opens the child named `key` of a node's options ("Parameter '%s' is missing" when absent). */
export function openRequiredChild(
  ctx: OpenContext,
  opts: OptionBag,
  key: BdrvChildName,
  inherited: InheritedFlags,
): BlockDriverState {
  const ref = opts[key];
  if (ref === undefined || ref === null) throw new BlockGenericError(`Parameter '${key}' is missing`);
  if (typeof ref !== 'string' && (typeof ref !== 'object' || Array.isArray(ref))) {
    throw new BlockGenericError(`Invalid parameter type for '${key}', expected: BlockdevRef`);
  }
  return ctx.openChild(ref as BlockdevRef, key, inherited);
}

/** What a child of a node opened with `opts` inherits (bdrv_inherited_options). */
export function inheritedFrom(opts: OptionBag, parentReadOnly: boolean): InheritedFlags {
  const cache = opts.cache;
  const noFlush =
    typeof cache === 'object' && cache !== null && ((cache as OptionBag)['no-flush'] === true || (cache as OptionBag)['no-flush'] === 'on');
  const aro = opts['auto-read-only'];
  return { readOnly: parentReadOnly, autoReadOnly: aro === true || aro === 'on', noFlush };
}

/** Gives a child back if the parent's open fails after obtaining it. */
export function releaseOnFailure<T>(ctx: OpenContext, child: BlockDriverState, ref: BlockdevRef, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    ctx.releaseChild?.(child, ref);
    throw e;
  }
}
