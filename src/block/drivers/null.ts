// The null-co / null-aio protocol drivers (block/null.c): a device of `size`
// bytes (default 1 GiB) that drops writes. With read-zeroes=false a read
// leaves the caller's buffer as it was (preadInto does not touch `dest`;
// pread hands out a zeroed buffer so no stale host memory leaks out).
// latency-ns is only recorded: the request layer applies it on its clock.

import { BlockGenericError } from './block-driver.js';
import type { BlockStatus, TruncateOptions, WriteZeroesFlags } from './block-driver.js';
import { BlockDriverBase, roundUpToSector } from './driver-base.js';
import type { OpenContext } from './open-context.js';
import { checkKnownOptions, optBool, optInt, optSize, type OptKind, type OptionBag } from './options.js';
import type { QDictValue } from '../../qapi/qobject/qobject.js';

export const NULL_OPTIONS: Readonly<Record<string, OptKind>> = {
  size: 'size',
  'latency-ns': 'int',
  'read-zeroes': 'bool',
};

export class NullDriver extends BlockDriverBase {
  override readonly isProtocol = true;
  protected override readonly strongRuntimeOpts = ['size', 'read-zeroes'];

  /** BDRVNullState.length (bytes, not rounded). */
  readonly length: number;
  readonly latencyNs: number;
  readonly readZeroes: boolean;

  private constructor(
    readonly format: 'null-co' | 'null-aio',
    opts: OptionBag,
    ctx: OpenContext,
    readOnly: boolean,
  ) {
    super({ options: opts, readOnly, legacy: ctx.legacy });
    this.length = optSize(opts, 'size') ?? 2 ** 30;
    this.latencyNs = optInt(opts, 'latency-ns') ?? 0;
    this.readZeroes = optBool(opts, 'read-zeroes') ?? false;
  }

  /** null_file_open. */
  static open(format: 'null-co' | 'null-aio', opts: OptionBag, ctx: OpenContext, readOnly: boolean): NullDriver {
    checkKnownOptions(opts, NULL_OPTIONS);
    const latency = optInt(opts, 'latency-ns') ?? 0;
    if (latency < 0) throw new BlockGenericError('latency-ns is invalid');
    return new NullDriver(format, opts, ctx, optBool(opts, 'read-only') ?? readOnly);
  }

  getLength(): number {
    this.checkOpen();
    return roundUpToSector(this.length);
  }

  override pread(offset: number, length: number): Buffer {
    const buf = Buffer.alloc(length);
    this.preadInto(offset, buf);
    return buf;
  }

  preadInto(_offset: number, dest: Buffer): void {
    this.checkOpen();
    if (this.readZeroes) dest.fill(0);
  }

  pwrite(_offset: number, _data: Buffer): void {
    this.checkWritable();
  }

  pwriteZeroes(_offset: number, _length: number, _flags?: WriteZeroesFlags): void {
    this.checkWritable();
  }

  discard(_offset: number, _length: number): void {
    this.checkWritable();
  }

  flush(): void {
    this.checkOpen();
  }

  truncate(_newSize: number, _opts?: TruncateOptions): void {
    throw new BlockGenericError('Image format driver does not support resize');
  }

  /** null_co_block_status: OFFSET_VALID, plus ZERO with read-zeroes; never DATA. */
  blockStatus(_offset: number, length: number): BlockStatus {
    this.checkOpen();
    return { allocated: this.readZeroes, data: false, zero: this.readZeroes, length };
  }

  override allocatedFileSize(): number {
    return 0;
  }

  /** null_refresh_filename: "null-co://" unless options beyond latency-ns were given. */
  protected override refreshExactFilename(full: QDictValue): string {
    for (const key of Object.keys(full)) {
      if (key !== 'filename' && key !== 'driver' && key !== 'latency-ns') return '';
    }
    return `${this.format}://`;
  }
}
