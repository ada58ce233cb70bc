// The blkdebug filter (block/blkdebug.c) over its 'image' child: fails
// requests according to inject-error rules armed by debug events that the
// format driver above raises on this node (raw/qcow2: read_aio, write_aio...,
// the generic write path: pwritev...). The rule engine is blkdebug-rules.ts.

import * as fs from 'node:fs';
import { BlockGenericError, BlockIOError, errorWithErrno } from './block-driver.js';
import type { BlockDriverState, BlockStatus, TruncateOptions, WriteZeroesFlags } from './block-driver.js';
import { parseBlkdebugConfig } from './blkdebug-config.js';
import type { BlkdebugEvent, BlkdebugIOType } from './blkdebug-events.js';
import { BLKDEBUG_IO_TYPES, isBlkdebugEvent } from './blkdebug-events.js';
import { BlkdebugRuleEngine, type InjectErrorRuleSpec, type InjectedError, type SetStateRuleSpec } from './blkdebug-rules.js';
import { BlockDriverBase } from './driver-base.js';
import { errnoOfFsError } from './errno.js';
import { bdrvBlockStatus, bdrvPdiscard, bdrvPread, bdrvPwrite, bdrvPwriteZeroes, bdrvTruncate } from './generic-io.js';
import type { BlockdevRef, InheritedFlags, OpenContext } from './open-context.js';
import { inheritedFrom, openRequiredChild, releaseOnFailure } from './open-context.js';
import { checkKnownOptions, optBool, optEnum, optInt, optList, optSize, optString, type OptKind, type OptionBag } from './options.js';
import type { QDictValue } from '../../qapi/qobject/qobject.js';
import { checkImagePath } from '../image-dir.js';

export const BLKDEBUG_OPTIONS: Readonly<Record<string, OptKind>> = {
  image: 'child',
  config: 'string',
  align: 'size',
  'max-transfer': 'size',
  'opt-write-zero': 'size',
  'max-write-zero': 'size',
  'opt-discard': 'size',
  'max-discard': 'size',
  'inject-error': 'list',
  'set-state': 'list',
  'take-child-perms': 'any',
  'unshare-child-perms': 'any',
};

const INT_MAX = 2 ** 31 - 1;

/** add_rule's reading of one inject-error / set-state entry. */
function parseEvent(o: OptionBag, name: string, legacy: boolean): BlkdebugEvent {
  const ev = optString(o, 'event', `${name}.event`);
  if (ev === undefined) throw new BlockGenericError('Missing event name for rule');
  if (!isBlkdebugEvent(ev)) {
    throw new BlockGenericError(legacy ? `invalid parameter value: ${ev}` : `Parameter 'event' does not accept value '${ev}'`);
  }
  return ev;
}

function parseInject(o: OptionBag, name: string, legacy: boolean): InjectErrorRuleSpec {
  const event = parseEvent(o, name, legacy);
  const iotypeText = optString(o, 'iotype', `${name}.iotype`);
  let iotype: BlkdebugIOType | undefined;
  if (iotypeText !== undefined) {
    if (!(BLKDEBUG_IO_TYPES as readonly string[]).includes(iotypeText)) {
      throw new BlockGenericError(
        legacy ? `invalid parameter value: ${iotypeText}` : `Parameter 'iotype' does not accept value '${iotypeText}'`,
      );
    }
    iotype = iotypeText as BlkdebugIOType;
  }
  return {
    event,
    state: optInt(o, 'state', `${name}.state`) ?? 0,
    iotype,
    errno: optInt(o, 'errno', `${name}.errno`) ?? 5,
    sector: optInt(o, 'sector', `${name}.sector`),
    once: optBool(o, 'once', `${name}.once`) ?? false,
    immediately: optBool(o, 'immediately', `${name}.immediately`) ?? false,
  };
}

function parseSetState(o: OptionBag, name: string, legacy: boolean): SetStateRuleSpec {
  return {
    event: parseEvent(o, name, legacy),
    state: optInt(o, 'state', `${name}.state`) ?? 0,
    newState: optInt(o, 'new_state', `${name}.new_state`) ?? 0,
  };
}

const PERMISSIONS = ['consistent-read', 'write', 'write-unchanged', 'resize', 'graph-mod'] as const;

function checkPermList(opts: OptionBag, key: string): void {
  const v = opts[key];
  if (v === undefined) return;
  const items = Array.isArray(v) ? v : typeof v === 'object' && v !== null ? Object.values(v) : null;
  if (!items) throw new BlockGenericError(`Invalid parameter type for '${key}', expected: array`);
  items.forEach((p, i) => optEnum({ p }, 'p', PERMISSIONS, `${key}[${i}]`));
}

export class BlkdebugDriver extends BlockDriverBase {
  readonly format = 'blkdebug';
  override readonly isProtocol = true;
  override readonly isFilter = true;
  protected override readonly strongRuntimeOpts = [
    'config', 'inject-error.', 'set-state.', 'align', 'max-transfer',
    'opt-write-zero', 'max-write-zero', 'opt-discard', 'max-discard',
  ];

  readonly rules: BlkdebugRuleEngine;
  private get image(): BlockDriverState {
    return this.childNode('image');
  }
  private readonly configFile: string | undefined;
  private readonly optWriteZero: number;

  private constructor(
    opts: OptionBag,
    image: BlockDriverState,
    readOnly: boolean,
    ctx: OpenContext,
    rules: BlkdebugRuleEngine,
    limits: { align: number; maxTransfer: number; optWriteZero: number },
  ) {
    super({ options: opts, readOnly, legacy: ctx.legacy });
    this.attachChild('image', image);
    this.rules = rules;
    this.configFile = optString(opts, 'config');
    this.requestAlignment = Math.max(limits.align, image.requestAlignment);
    this.maxTransfer = limits.maxTransfer;
    this.optWriteZero = limits.optWriteZero;
  }

  /** blkdebug_open. */
  static open(opts: OptionBag, ctx: OpenContext, inherited: InheritedFlags): BlkdebugDriver {
    checkKnownOptions(opts, BLKDEBUG_OPTIONS);
    const legacy = ctx.legacy ?? false;
    // read_config: the config file's rules first, then the options'
    const inject: InjectErrorRuleSpec[] = [];
    const setState: SetStateRuleSpec[] = [];
    const config = optString(opts, 'config');
    if (config !== undefined) {
      const path = checkImagePath(ctx.policy, config, 'open');
      let text: string;
      try {
        text = fs.readFileSync(path, 'utf8');
      } catch (e) {
        throw errorWithErrno('Could not read blkdebug config file', errnoOfFsError(e));
      }
      const parsed = parseBlkdebugConfig(text);
      parsed.injectError.forEach((o) => inject.push(parseInject(o, 'inject-error', true)));
      parsed.setState.forEach((o) => setState.push(parseSetState(o, 'set-state', true)));
    }
    optList(opts, 'inject-error').forEach((o, i) => inject.push(parseInject(o, `inject-error.${i}`, legacy)));
    optList(opts, 'set-state').forEach((o, i) => setState.push(parseSetState(o, `set-state.${i}`, legacy)));
    const rules = new BlkdebugRuleEngine(inject, setState);
    checkPermList(opts, 'take-child-perms');
    checkPermList(opts, 'unshare-child-perms');

    const readOnly = optBool(opts, 'read-only') ?? inherited.readOnly;
    const image = openRequiredChild(ctx, opts, 'image', inheritedFrom(opts, readOnly));
    return releaseOnFailure(ctx, image, opts.image as BlockdevRef, () => {
      const limits = BlkdebugDriver.limits(opts, image);
      const node = new BlkdebugDriver(opts, image, readOnly, ctx, rules, limits);
      node.debugEvent('none');
      return node;
    });
  }

  /** The alignment overrides and their checks ("Cannot meet constraints with ..."). */
  private static limits(opts: OptionBag, image: BlockDriverState): { align: number; maxTransfer: number; optWriteZero: number } {
    const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0 && n < 2 ** 31;
    const aligned = (n: number, a: number): boolean => n % a === 0;
    const fail = (name: string, v: number): never => {
      throw new BlockGenericError(`Cannot meet constraints with ${name} ${v}`);
    };
    const alignOpt = optSize(opts, 'align') ?? 0;
    if (alignOpt && (alignOpt >= INT_MAX || !isPow2(alignOpt))) fail('align', alignOpt);
    const align = Math.max(alignOpt, image.requestAlignment);
    const maxTransfer = optSize(opts, 'max-transfer') ?? 0;
    if (maxTransfer && (maxTransfer >= INT_MAX || !aligned(maxTransfer, align))) fail('max-transfer', maxTransfer);
    const optWriteZero = optSize(opts, 'opt-write-zero') ?? 0;
    if (optWriteZero && (optWriteZero >= INT_MAX || !aligned(optWriteZero, align))) fail('opt-write-zero', optWriteZero);
    const maxWriteZero = optSize(opts, 'max-write-zero') ?? 0;
    if (maxWriteZero && (maxWriteZero >= INT_MAX || !aligned(maxWriteZero, Math.max(optWriteZero, align)))) {
      fail('max-write-zero', maxWriteZero);
    }
    const optDiscard = optSize(opts, 'opt-discard') ?? 0;
    if (optDiscard && (optDiscard >= INT_MAX || !aligned(optDiscard, align))) fail('opt-discard', optDiscard);
    const maxDiscard = optSize(opts, 'max-discard') ?? 0;
    if (maxDiscard && (maxDiscard >= INT_MAX || !aligned(maxDiscard, Math.max(optDiscard, align)))) {
      fail('max-discard', maxDiscard);
    }
    return { align: alignOpt, maxTransfer, optWriteZero };
  }

  /** The blkdebug state number (starts at 1). */
  get state(): number {
    return this.rules.state;
  }

  /** bdrv_debug_event on this node. */
  override debugEvent(event: BlkdebugEvent): void {
    if (!this.closed) this.rules.raiseEvent(event);
  }

  /** Same as debugEvent, under the name the request layer looks for. */
  raiseEvent(event: BlkdebugEvent): void {
    this.debugEvent(event);
  }

  /**
   * rule_check. The driver's own request methods call it; exposed so a
   * caller can ask without sending data. A `once` rule is used up by the call.
   */
  checkRequest(kind: BlkdebugIOType, offset: number, length: number): InjectedError | null {
    return this.rules.checkRequest(kind, offset, length);
  }

  private check(kind: BlkdebugIOType, offset: number, length: number): void {
    const hit = this.rules.checkRequest(kind, offset, length);
    if (hit) throw new BlockIOError(hit.errno, undefined, { immediately: hit.immediately });
  }

  getLength(): number {
    this.checkOpen();
    return this.image.getLength();
  }

  preadInto(offset: number, dest: Buffer): void {
    this.checkOpen();
    this.check('read', offset, dest.length);
    bdrvPread(this.image, offset, dest);
  }

  pwrite(offset: number, data: Buffer): void {
    this.checkWritable();
    this.check('write', offset, data.length);
    bdrvPwrite(this.image, offset, data);
  }

  /**
   * blkdebug_co_pwrite_zeroes refuses requests smaller than the zero
   * alignment (ENOTSUP), and io.c then writes a zero buffer instead.
   */
  pwriteZeroes(offset: number, length: number, flags?: WriteZeroesFlags): void {
    this.checkWritable();
    if (length < Math.max(this.requestAlignment, this.optWriteZero)) {
      this.check('write', offset, length);
      bdrvPwrite(this.image, offset, Buffer.alloc(length));
      return;
    }
    this.check('write-zeroes', offset, length);
    bdrvPwriteZeroes(this.image, offset, length, flags);
  }

  /** Requests below the alignment are dropped (ENOTSUP, which io.c ignores for discard). */
  discard(offset: number, length: number): void {
    this.checkWritable();
    if (length < this.requestAlignment) return;
    this.check('discard', offset, length);
    bdrvPdiscard(this.image, offset, length);
  }

  /** blkdebug_co_flush (the image child is flushed by the generic recursion). */
  flush(): void {
    this.checkOpen();
    this.check('flush', 0, 0);
  }

  /** No truncate of its own: io.c passes it to the filtered child. */
  truncate(newSize: number, opts?: TruncateOptions): void {
    this.checkOpen();
    bdrvTruncate(this.image, newSize, { prealloc: opts?.prealloc });
  }

  /** blkdebug_co_block_status: BDRV_BLOCK_RAW, the image's answer. */
  blockStatus(offset: number, length: number): BlockStatus {
    this.checkOpen();
    this.check('block-status', offset, length);
    return bdrvBlockStatus(this.image, offset, length);
  }

  /** blkdebug_refresh_filename: "blkdebug:<config>:<image>" when no rule options are set. */
  protected override refreshExactFilename(full: QDictValue): string {
    const imageExact = this.image.refreshFilename().exactFilename;
    if (!imageExact) return '';
    for (const key of Object.keys(full)) {
      if (key !== 'config' && key !== 'image' && key !== 'x-image' && key !== 'driver') return '';
    }
    const s = `blkdebug:${this.configFile ?? ''}:${imageExact}`;
    return s.length >= 4096 ? '' : s;
  }
}
