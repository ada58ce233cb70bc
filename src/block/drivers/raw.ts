// The 'raw' format driver (block/raw-format.c): an optional offset/size window
// over its file child. Raises read_aio / write_aio on the child, refuses
// writes that would make a probed raw image probe as another format.

import { BlockGenericError, BlockIOError } from './block-driver.js';
import type { BlockDriverState, BlockStatus, TruncateOptions, WriteZeroesFlags } from './block-driver.js';
import { BlockDriverBase } from './driver-base.js';
import { EINVAL, ENOSPC, EPERM } from './errno.js';
import { bdrvBlockStatus, bdrvPdiscard, bdrvPread, bdrvPwrite, bdrvPwriteZeroes } from './generic-io.js';
import type { BlockdevRef, InheritedFlags, OpenContext } from './open-context.js';
import { inheritedFrom, openRequiredChild, releaseOnFailure } from './open-context.js';
import { checkKnownOptions, optBool, optSize, type OptKind, type OptionBag } from './options.js';
import { BLOCK_PROBE_BUF_SIZE, probeFormat, rawProbeWarning } from './probe.js';

export const RAW_OPTIONS: Readonly<Record<string, OptKind>> = {
  file: 'child',
  offset: 'size',
  size: 'size',
};

export class RawDriver extends BlockDriverBase {
  readonly format = 'raw';
  protected override readonly strongRuntimeOpts = ['offset', 'size'];

  private get child(): BlockDriverState {
    return this.childNode('file');
  }
  private readonly offset: number;
  private readonly hasSize: boolean;
  private size: number;
  private readonly probed: boolean;

  private constructor(opts: OptionBag, child: BlockDriverState, readOnly: boolean, ctx: OpenContext, window: { offset: number; hasSize: boolean; size: number }, probed: boolean) {
    super({ options: opts, readOnly, legacy: ctx.legacy });
    this.attachChild('file', child);
    this.offset = window.offset;
    this.hasSize = window.hasSize;
    this.size = window.size;
    this.probed = probed;
  }

  /** raw_open. `probed`: the format was guessed (bs->probed). */
  static open(opts: OptionBag, ctx: OpenContext, inherited: InheritedFlags, probed = false): RawDriver {
    checkKnownOptions(opts, RAW_OPTIONS);
    const offset = optSize(opts, 'offset') ?? 0;
    const hasSize = opts.size !== undefined;
    const size = optSize(opts, 'size') ?? 0;
    const readOnly = optBool(opts, 'read-only') ?? inherited.readOnly;
    const child = openRequiredChild(ctx, opts, 'file', inheritedFrom(opts, readOnly));
    return releaseOnFailure(ctx, child, opts.file as BlockdevRef, () => {
      const window = RawDriver.applyOptions(child, offset, hasSize, size);
      const node = new RawDriver(opts, child, readOnly, ctx, window, probed);
      if (probed && !readOnly) {
        ctx.warn?.(rawProbeWarning(child.filename));
      }
      return node;
    });
  }

  /** raw_apply_options: the window must fit into the file. */
  private static applyOptions(child: BlockDriverState, offset: number, hasSize: boolean, size: number): { offset: number; hasSize: boolean; size: number } {
    const realSize = child.getLength();
    if (offset > realSize) {
      throw new BlockGenericError(`Offset (${offset}) cannot be greater than size of the containing file (${realSize})`);
    }
    if (hasSize && realSize - offset < size) {
      // (sic: QEMU prints the state's offset/size, still 0 at this point, and two spaces)
      throw new BlockGenericError(
        `The sum of offset (0) and size (0) has to be smaller or equal to the  actual size of the containing file (${realSize})`,
      );
    }
    if (hasSize && size % 512 !== 0) throw new BlockGenericError('Specified size is not multiple of 512');
    return { offset, hasSize, size: hasSize ? size : realSize - offset };
  }

  /** raw_getlength: follows the file, honouring the size option. */
  getLength(): number {
    this.checkOpen();
    const len = this.child.getLength();
    if (len < this.offset) this.size = 0;
    else if (this.hasSize) this.size = Math.min(this.size, len - this.offset);
    else this.size = len - this.offset;
    return this.size;
  }

  /** raw_adjust_offset. */
  private adjust(offset: number, bytes: number, isWrite: boolean): number {
    if (this.hasSize && (offset > this.size || bytes > this.size - offset)) {
      throw new BlockIOError(isWrite ? ENOSPC : EINVAL);
    }
    return offset + this.offset;
  }

  preadInto(offset: number, dest: Buffer): void {
    this.checkOpen();
    const off = this.adjust(offset, dest.length, false);
    this.child.debugEvent('read_aio');
    bdrvPread(this.child, off, dest);
  }

  pwrite(offset: number, data: Buffer): void {
    this.checkWritable();
    if (this.probed && offset < BLOCK_PROBE_BUF_SIZE && data.length > 0) {
      const head = Buffer.alloc(BLOCK_PROBE_BUF_SIZE);
      data.copy(head, offset, 0, Math.min(data.length, BLOCK_PROBE_BUF_SIZE - offset));
      if (probeFormat(head) !== 'raw') throw new BlockIOError(EPERM);
    }
    const off = this.adjust(offset, data.length, true);
    this.child.debugEvent('write_aio');
    bdrvPwrite(this.child, off, data);
  }

  pwriteZeroes(offset: number, length: number, flags?: WriteZeroesFlags): void {
    this.checkWritable();
    bdrvPwriteZeroes(this.child, this.adjust(offset, length, true), length, flags);
  }

  discard(offset: number, length: number): void {
    this.checkWritable();
    bdrvPdiscard(this.child, this.adjust(offset, length, true), length);
  }

  flush(): void {
    this.checkOpen();
  }

  /** raw_co_truncate. */
  truncate(newSize: number, opts?: TruncateOptions): void {
    this.checkOpen();
    if (this.hasSize) throw new BlockGenericError('Cannot resize fixed-size raw disks');
    if (Number.MAX_SAFE_INTEGER - newSize < this.offset) {
      throw new BlockGenericError('Disk size too large for the chosen offset');
    }
    this.child.truncate(newSize + this.offset, opts);
    this.size = newSize;
  }

  /** raw_co_block_status returns BDRV_BLOCK_RAW: the answer is the file's. */
  blockStatus(offset: number, length: number): BlockStatus {
    this.checkOpen();
    const len = Math.min(length, Math.max(0, this.getLength() - offset));
    return bdrvBlockStatus(this.child, offset + this.offset, len);
  }

  /** raw_get_info: the file's. */
  override getInfo(): { clusterSize: number; isDirty: boolean } | null {
    return this.child.getInfo();
  }
}
