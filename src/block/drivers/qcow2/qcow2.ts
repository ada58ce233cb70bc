// The qcow2 format driver (block/qcow2.c): reads through the L1/L2 mapping
// (unallocated clusters fall through to the backing file or read as zeroes,
// compressed clusters are inflated), writes in place into clusters it owns
// alone and allocates (with copy-on-write of partial clusters) otherwise,
// zero clusters (v3), discard, resize, ImageInfo. Metadata is written through
// at the end of each step (metadata-io.ts); lazy refcounts are never used, so
// the image never needs the dirty bit.

import { optionsForFilename } from '../protocol-filename.js';
import { BlockGenericError, BlockIOError, errorWithErrno } from '../block-driver.js';
import type {
  BlockDriverState,
  BlockStatus,
  ImageInfoSpecific,
  SnapshotInfo,
  TruncateOptions,
  WriteZeroesFlags,
} from '../block-driver.js';
import { BlockDriverBase } from '../driver-base.js';
import { EIO, ENOTSUP } from '../errno.js';
import { bdrvPread } from '../generic-io.js';
import type { BlockdevRef, InheritedFlags, OpenContext } from '../open-context.js';
import { inheritedFrom, openRequiredChild, releaseOnFailure } from '../open-context.js';
import { checkKnownOptions, optBool, optInt, optSize, type OptKind, type OptionBag } from '../options.js';
import { probeImageFile } from '../probe-file.js';
import { Qcow2ClusterMap } from './cluster-map.js';
import { readCompressedCluster } from './compressed.js';
import { COMPAT_LAZY_REFCOUNTS, INCOMPAT_CORRUPT, INCOMPAT_DIRTY, type Qcow2Geometry, type RawEntry, sizeToL1 } from './format.js';
import { type Qcow2Extensions, type Qcow2Header, buildHeaderCluster } from './header.js';
import { MetadataWriter, type Qcow2FileIO, fileIO } from './metadata-io.js';
import { allocatingWrite } from './cluster-alloc.js';
import { readQcow2Image } from './open.js';
import { Qcow2Refcounts } from './refcount.js';
import { type Qcow2Snapshot, readSnapshots } from './snapshots.js';
import type { Qcow2State } from './state.js';
import { clusterDiscard, zeroizeClusters } from './zero-discard.js';

export const QCOW2_OPTIONS: Readonly<Record<string, OptKind>> = {
  file: 'child',
  backing: 'child-or-null',
  'data-file': 'child',
  'lazy-refcounts': 'bool',
  'pass-discard-request': 'bool',
  'pass-discard-snapshot': 'bool',
  'pass-discard-other': 'bool',
  'overlap-check': 'any',
  'cache-size': 'size',
  'l2-cache-size': 'size',
  'l2-cache-entry-size': 'size',
  'refcount-cache-size': 'size',
  'cache-clean-interval': 'int',
  encrypt: 'any',
};

export class Qcow2Driver extends BlockDriverBase {
  readonly format = 'qcow2';
  override readonly supportsBacking = true;
  protected override readonly strongRuntimeOpts = ['encrypt.key-secret'];

  private get fileNode(): BlockDriverState {
    return this.childNode('file');
  }
  private readonly io: Qcow2FileIO;
  private readonly writer: MetadataWriter;
  private readonly refs: Qcow2Refcounts;
  private readonly map: Qcow2ClusterMap;
  private readonly g: Qcow2Geometry;
  private readonly header: Qcow2Header;
  private readonly ext: Qcow2Extensions;
  private readonly snapshots: Qcow2Snapshot[];
  private size: number;
  /** s->image_backing_file / bs->backing_file. */
  private headerBackingFile: string;
  private headerBackingFormat: string;
  /** bs->auto_backing_file. */
  private autoBackingFile: string;
  private signaledCorruption = false;
  private lastCompressed: { key: string; data: Buffer } | null = null;
  private readonly ctx: OpenContext;
  /** What cluster-alloc.ts / zero-discard.ts work on. */
  private readonly state: Qcow2State;

  private constructor(opts: OptionBag, ctx: OpenContext, file: BlockDriverState, readOnly: boolean) {
    super({ options: opts, readOnly, legacy: ctx.legacy });
    this.ctx = ctx;
    this.attachChild('file', file);
    this.io = fileIO(() => this.fileNode);
    this.writer = new MetadataWriter(this.io);
    const img = readQcow2Image(this.io, !readOnly);
    this.header = img.header;
    this.ext = img.ext;
    this.g = img.g;
    this.size = img.header.size;
    this.headerBackingFile = img.backingFile;
    this.headerBackingFormat = img.ext.backingFormat ?? '';
    this.autoBackingFile = img.backingFile;
    const corruption = (msg: string, offset?: number, size?: number): never => this.corruption(msg, offset, size);
    try {
      this.refs = Qcow2Refcounts.load(this.io, this.writer, this.g, img.header.refcountOrder, img.header.refcountTableOffset, img.header.refcountTableClusters, {
        updateHeaderReftable: (offset, clusters) => {
          const b = Buffer.alloc(12);
          b.writeBigUInt64BE(BigInt(offset), 0);
          b.writeUInt32BE(clusters, 8);
          this.io.write(48, b);
          this.header.refcountTableOffset = offset;
          this.header.refcountTableClusters = clusters;
        },
        corruption,
        warn: (m) => ctx.warn?.(m),
        checkOverlap: (h, b) => this.checkOverlap(h, b),
      });
    } catch (e) {
      if (e instanceof BlockIOError) throw errorWithErrno('Could not initialize refcount handling', e.errno);
      throw e;
    }
    this.map = new Qcow2ClusterMap(this.io, this.writer, this.refs, this.g, img.header.l1TableOffset, img.l1, {
      updateHeaderL1: (size, offset) => {
        const b = Buffer.alloc(12);
        b.writeUInt32BE(size, 0);
        b.writeBigUInt64BE(BigInt(offset), 4);
        this.io.write(36, b);
        this.header.l1Size = size;
        this.header.l1TableOffset = offset;
      },
      corruption,
      checkOverlap: (h, b) => this.checkOverlap(h, b),
    });
    this.state = {
      io: this.io,
      writer: this.writer,
      refs: this.refs,
      map: this.map,
      g: this.g,
      version: this.header.version,
      hasBacking: () => this.backing !== null,
      readBacking: (offset, dest) => this.readBacking(offset, dest),
      compressedCluster: (e) => this.compressedCluster(e),
      dropCompressedCache: () => {
        this.lastCompressed = null;
      },
      checkOverlap: (h, b) => this.checkOverlap(h, b),
    };
    this.snapshots = readSnapshots(this.io, img.header.snapshotsOffset, img.header.nbSnapshots, file.getLength());
    // autoclear bits this driver does not maintain (bitmaps) are cleared on a writable open
    if (!readOnly && img.header.version >= 3 && img.header.autoclearFeatures !== 0n) {
      this.header.autoclearFeatures = 0n;
      this.updateHeader();
    }
  }

  /** qcow2_open. */
  static open(opts: OptionBag, ctx: OpenContext, inherited: InheritedFlags): Qcow2Driver {
    checkKnownOptions(opts, QCOW2_OPTIONS);
    const lazy = optBool(opts, 'lazy-refcounts');
    for (const k of ['pass-discard-request', 'pass-discard-snapshot', 'pass-discard-other']) optBool(opts, k);
    for (const k of ['cache-size', 'l2-cache-size', 'l2-cache-entry-size', 'refcount-cache-size']) optSize(opts, k);
    optInt(opts, 'cache-clean-interval');
    if (opts['data-file'] !== undefined) {
      throw new BlockGenericError("'data-file' can only be set for images with an external data file");
    }
    const readOnly = optBool(opts, 'read-only') ?? inherited.readOnly;
    const file = openRequiredChild(ctx, opts, 'file', inheritedFrom(opts, readOnly));
    return releaseOnFailure(ctx, file, opts.file as BlockdevRef, () => {
      const node = new Qcow2Driver(opts, ctx, file, readOnly);
      if (lazy && node.header.version < 3) {
        throw new BlockGenericError('Lazy refcounts require a qcow2 image with at least qemu 1.1 compatibility level');
      }
      node.openBacking(opts, ctx, inherited);
      return node;
    });
  }

  /** Opens an image for qcow2_co_create: no backing, no options. */
  static openForCreate(file: BlockDriverState, ctx: OpenContext): Qcow2Driver {
    return new Qcow2Driver({ driver: 'qcow2' }, ctx, file, false);
  }

  /** bdrv_open_backing_file. */
  private openBacking(opts: OptionBag, ctx: OpenContext, inherited: InheritedFlags): void {
    const ref = opts.backing;
    if (ref === null) return;
    const flags: InheritedFlags = { readOnly: true, autoReadOnly: false, noFlush: inherited.noFlush };
    let child: BlockDriverState;
    let implicit = false;
    let childRef: BlockdevRef;
    try {
      if (ref !== undefined) {
        if (typeof ref !== 'string' && (typeof ref !== 'object' || Array.isArray(ref))) {
          throw new BlockGenericError("Invalid parameter type for 'backing', expected: BlockdevRefOrNull");
        }
        childRef = ref as BlockdevRef;
        // backing.node-name=... and such without a driver or file: the header's backing
        // file, opened with those options merged in (bdrv_open_backing_file)
        const o = ref as Record<string, unknown>;
        if (typeof ref === 'object' && ref !== null && o.driver === undefined && o.file === undefined && this.headerBackingFile) {
          const full = this.fullBackingFilename();
          if (full === null) throw new BlockGenericError(`Cannot generate a base directory for ${this.fileNode.format} nodes`);
          childRef = { ...o, driver: this.headerBackingFormat || probeImageFile(ctx.policy, full), file: optionsForFilename(full) } as BlockdevRef;
          implicit = true;
        }
      } else {
        if (!this.headerBackingFile) return;
        const full = this.fullBackingFilename();
        if (full === null) throw new BlockGenericError(`Cannot generate a base directory for ${this.fileNode.format} nodes`);
        const fmt = this.headerBackingFormat || probeImageFile(ctx.policy, full);
        childRef = { driver: fmt, file: optionsForFilename(full) };
        implicit = true;
      }
      child = ctx.openChild(childRef, 'backing', flags);
    } catch (e) {
      if (e instanceof BlockGenericError) throw new BlockGenericError(`Could not open backing file: ${e.message}`, e.errno);
      throw e;
    }
    if (implicit) this.autoBackingFile = child.filename;
    this.attachChild('backing', child);
  }

  // ---- header -------------------------------------------------------------

  private updateHeader(): void {
    this.io.write(
      0,
      buildHeaderCluster({
        version: this.header.version,
        clusterBits: this.g.clusterBits,
        size: this.size,
        cryptMethod: this.header.cryptMethod,
        l1Size: this.map.l1Size,
        l1TableOffset: this.map.l1Offset,
        refcountTableOffset: this.refs.reftableOffset,
        refcountTableClusters: this.refs.reftableClusters,
        nbSnapshots: this.header.nbSnapshots,
        snapshotsOffset: this.header.snapshotsOffset,
        incompatibleFeatures: this.header.incompatibleFeatures,
        compatibleFeatures: this.header.compatibleFeatures,
        autoclearFeatures: this.header.autoclearFeatures,
        refcountOrder: this.header.refcountOrder,
        compressionType: this.header.compressionType,
        unknownHeaderFields: this.header.unknownHeaderFields,
        backingFormat: this.headerBackingFormat || null,
        dataFile: null,
        unknownExtensions: this.ext.unknown,
        backingFile: this.headerBackingFile || null,
      }),
    );
  }

  /**
   * qcow2_co_create after its first open: take the header and refcount
   * clusters, write the full header, then grow to the virtual size.
   */
  initialiseCreated(size: number): void {
    const first = this.refs.allocate(3);
    this.refs.commit();
    if (first !== 0) throw new Error('Huh, first cluster in empty image is already in use?');
    this.updateHeader();
    this.truncate(size);
  }

  /** qcow2_change_backing_file: the backing file name and format in the header. */
  override changeBackingFile(backingFile: string | null, backingFormat: string | null): void {
    this.checkWritable();
    if (backingFile && Buffer.byteLength(backingFile) > 1023) throw new BlockIOError(22);
    this.headerBackingFile = backingFile ?? '';
    this.autoBackingFile = backingFile ?? '';
    this.headerBackingFormat = backingFormat ?? '';
    this.updateHeader();
  }

  /** qcow2_signal_corruption: reports, marks the image corrupt and makes the node unusable. */
  private corruption(msg: string, offset?: number, size?: number): never {
    let fatal = !this.readOnly;
    const corruptBit = (this.header.incompatibleFeatures & BigInt(INCOMPAT_CORRUPT)) !== 0n;
    if (!(this.signaledCorruption && (!fatal || corruptBit))) {
      this.ctx.warn?.(
        fatal
          ? `qcow2: Marking image as corrupt: ${msg}; further corruption events will be suppressed`
          : `qcow2: Image is corrupt: ${msg}; further non-fatal corruption events will be suppressed`,
      );
      this.ctx.onCorruption?.(this, { msg, ...(offset !== undefined ? { offset } : {}), ...(size !== undefined ? { size } : {}), fatal });
      if (fatal) {
        this.header.incompatibleFeatures |= BigInt(INCOMPAT_CORRUPT);
        try {
          if (this.header.version >= 3) this.updateHeader();
        } catch {
          // best effort, as qcow2_mark_corrupt
        }
        this.markUnusable();
      }
      this.signaledCorruption = true;
    } else {
      fatal = false;
    }
    throw new BlockIOError(EIO);
  }

  /**
   * qcow2_pre_write_overlap_check ("cached" mode): data must not land on the
   * header, the active L1 table and its L2 tables, the refcount table and
   * blocks, or the snapshot table.
   */
  private checkOverlap(host: number, bytes: number): void {
    const cs = this.g.clusterSize;
    const overlaps = (start: number, len: number): boolean => len > 0 && host < start + len && start < host + bytes;
    const fail = (name: string): never => this.corruption(`Preventing invalid write on metadata (overlaps with ${name})`, host, bytes);
    if (overlaps(0, cs)) fail('qcow2_header');
    if (overlaps(this.map.l1Offset, this.map.l1Size * 8)) fail('active L1 table');
    if (overlaps(this.refs.reftableOffset, this.refs.reftableClusters * cs)) fail('refcount table');
    if (this.header.nbSnapshots && overlaps(this.header.snapshotsOffset, cs)) fail('snapshot table');
    for (const off of this.map.l2Offsets()) if (overlaps(off, cs)) fail('active L2 table');
    for (const off of this.refs.blockOffsets()) if (overlaps(off, cs)) fail('refcount block');
  }

  // ---- reads ----------------------------------------------------------------

  getLength(): number {
    this.checkOpen();
    return this.size;
  }

  private readBacking(offset: number, dest: Buffer): void {
    const backing = this.backing?.node;
    if (!backing) {
      dest.fill(0);
      return;
    }
    const n = Math.max(0, Math.min(dest.length, backing.getLength() - offset));
    if (n > 0) {
      this.io.event('read_backing_aio');
      bdrvPread(backing, offset, dest.subarray(0, n));
    }
    if (n < dest.length) dest.fill(0, n);
  }

  private compressedCluster(e: RawEntry): Buffer {
    const key = `${e.hi}:${e.lo}`;
    if (this.lastCompressed?.key === key) return this.lastCompressed.data;
    const data = readCompressedCluster(this.io, e, this.g, this.header.compressionType, this.fileNode.getLength());
    this.lastCompressed = { key, data };
    return data;
  }

  preadInto(offset: number, dest: Buffer): void {
    this.checkOpen();
    const avail = Math.max(0, Math.min(dest.length, this.size - offset));
    if (avail < dest.length) dest.fill(0, avail);
    const cs = this.g.clusterSize;
    let pos = 0;
    while (pos < avail) {
      const run = this.map.lookup(offset + pos, avail - pos);
      const slice = dest.subarray(pos, pos + run.bytes);
      switch (run.type) {
        case 'unallocated':
          this.readBacking(offset + pos, slice);
          break;
        case 'zero-plain':
        case 'zero-alloc':
          slice.fill(0);
          break;
        case 'normal':
          this.io.event('read_aio');
          this.io.readInto(run.host, slice);
          break;
        case 'compressed': {
          const inCluster = (offset + pos) % cs;
          this.compressedCluster(run.entry).copy(slice, 0, inCluster, inCluster + run.bytes);
          break;
        }
      }
      pos += run.bytes;
    }
  }

  // ---- writes ---------------------------------------------------------------

  private checkRange(offset: number, length: number): void {
    if (offset < 0 || length < 0 || offset + length > this.size) throw new BlockIOError(EIO);
  }

  pwrite(offset: number, data: Buffer): void {
    this.checkWritable();
    this.checkRange(offset, data.length);
    let pos = 0;
    while (pos < data.length) {
      const guest = offset + pos;
      const run = this.map.lookup(guest, data.length - pos);
      if (run.type === 'normal' && (run.entry.hi & 0x80000000) !== 0) {
        this.checkOverlap(run.host, run.bytes);
        this.io.event('write_aio');
        this.io.write(run.host, data.subarray(pos, pos + run.bytes));
      } else {
        allocatingWrite(this.state, guest, data.subarray(pos, pos + run.bytes));
      }
      pos += run.bytes;
    }
  }

  /**
   * qcow2_co_pwrite_zeroes as io.c drives it: unaligned head and tail
   * pieces become zero clusters when the rest of their cluster already reads
   * as zero, else zero buffers are written; whole clusters are zeroized.
   */
  pwriteZeroes(offset: number, length: number, flags?: WriteZeroesFlags): void {
    this.checkWritable();
    this.checkRange(offset, length);
    if (length === 0) return;
    const cs = this.g.clusterSize;
    const end = offset + length;
    let pos = offset;
    if (pos % cs) {
      const n = Math.min(end, (Math.floor(pos / cs) + 1) * cs) - pos;
      this.zeroPartial(pos, n, flags);
      pos += n;
    }
    let midEnd = Math.floor(end / cs) * cs;
    if (end === this.size) midEnd = end;
    if (midEnd > pos) {
      this.zeroWholeClusters(pos, midEnd - pos, flags);
      pos = midEnd;
    }
    if (pos < end) this.zeroPartial(pos, end - pos, flags);
  }

  private zeroPartial(pos: number, n: number, flags?: WriteZeroesFlags): void {
    const cs = this.g.clusterSize;
    const clusterStart = Math.floor(pos / cs) * cs;
    const clusterEnd = Math.min(clusterStart + cs, this.size);
    const head = this.pread(clusterStart, pos - clusterStart);
    const tail = this.pread(pos + n, Math.max(0, clusterEnd - pos - n));
    const t = this.map.lookup(clusterStart, 1).type;
    if (head.every((b) => b === 0) && tail.every((b) => b === 0) && (t === 'unallocated' || t === 'zero-plain' || t === 'zero-alloc')) {
      if (zeroizeClusters(this.state, clusterStart, clusterEnd - clusterStart, flags)) return;
    }
    if (flags?.noFallback) throw new BlockIOError(ENOTSUP);
    this.pwrite(pos, Buffer.alloc(n));
  }

  /** Whole clusters: zero clusters, or (v2 over a backing file) zero buffers as io.c's fallback. */
  private zeroWholeClusters(pos: number, bytes: number, flags?: WriteZeroesFlags): void {
    if (zeroizeClusters(this.state, pos, bytes, flags)) return;
    if (flags?.noFallback) throw new BlockIOError(ENOTSUP);
    for (let done = 0; done < bytes; done += 1 << 20) this.pwrite(pos + done, Buffer.alloc(Math.min(1 << 20, bytes - done)));
  }

  /** qcow2_co_pdiscard: whole clusters only (and the partial last one). */
  discard(offset: number, length: number): void {
    this.checkWritable();
    this.checkRange(offset, length);
    if (this.header.version < 3 && this.backing) return;
    const cs = this.g.clusterSize;
    const start = Math.ceil(offset / cs) * cs;
    let end = Math.floor((offset + length) / cs) * cs;
    if (offset + length === this.size && this.size % cs !== 0 && end >= start) end = this.size;
    if (end > start) clusterDiscard(this.state, start, end - start, false);
  }

  flush(): void {
    this.checkOpen();
    this.writer.commit();
  }

  /** qcow2_co_truncate (preallocation off). */
  truncate(newSize: number, opts?: TruncateOptions): void {
    this.checkWritable();
    const prealloc = opts?.prealloc ?? 'off';
    if (prealloc !== 'off') throw new BlockGenericError(`Unsupported preallocation mode '${prealloc}'`);
    if (newSize % 512 !== 0) throw new BlockGenericError('The new size must be a multiple of 512');
    if (this.header.nbSnapshots && this.header.version < 3) {
      throw new BlockGenericError("Can't resize a v2 image which has snapshots");
    }
    const cs = this.g.clusterSize;
    const oldSize = this.size;
    const newL1 = sizeToL1(this.g, newSize);
    const step = (what: string, fn: () => void): void => {
      try {
        fn();
      } catch (e) {
        if (e instanceof BlockIOError) throw errorWithErrno(what, e.errno);
        throw e;
      }
    };
    if (newSize < oldSize) {
      const start = Math.ceil(newSize / cs) * cs;
      step('Failed to discard cropped clusters', () => {
        if (oldSize > start) clusterDiscard(this.state, start, oldSize - start, true);
      });
      step('Failed to reduce the number of L2 tables', () => this.map.shrinkL1(newL1));
      step('Failed to discard unused refblocks', () => this.refs.shrinkTable());
      const fileSize = this.fileNode.getLength();
      const last = this.refs.lastUsedCluster(fileSize);
      if (last < 0) this.corruption('There are no references in the refcount table.');
      if ((last + 1) * cs < fileSize) {
        try {
          this.fileNode.truncate((last + 1) * cs);
        } catch (e) {
          this.ctx.warn?.(`Failed to truncate the tail of the image: ${(e as Error).message}`);
        }
      }
    } else {
      step('Failed to grow the L1 table', () => this.map.growL1(newL1, true));
    }
    this.size = newSize;
    this.header.size = newSize;
    if (opts?.zeroWrite && newSize > oldSize) {
      step('Failed to zero out new clusters', () => this.pwriteZeroes(oldSize, newSize - oldSize));
    }
    step('Failed to update the image size', () => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(BigInt(newSize));
      this.io.write(24, b);
    });
  }

  /** qcow2_co_block_status, with the generic layer's ZERO for unallocated areas without backing data. */
  blockStatus(offset: number, length: number): BlockStatus {
    this.checkOpen();
    const len = Math.min(length, this.size - offset);
    if (len <= 0) return { allocated: false, data: false, zero: true, length: Math.max(0, length) };
    const run = this.map.lookup(offset, len);
    switch (run.type) {
      case 'unallocated': {
        const backing = this.backing?.node;
        if (!backing) return { allocated: false, data: false, zero: true, length: run.bytes };
        const bl = backing.getLength();
        if (offset >= bl) return { allocated: false, data: false, zero: true, length: run.bytes };
        return { allocated: false, data: false, zero: false, length: Math.min(run.bytes, bl - offset) };
      }
      case 'zero-plain':
      case 'zero-alloc':
        return { allocated: true, data: false, zero: true, length: run.bytes };
      default:
        return { allocated: true, data: true, zero: false, length: run.bytes };
    }
  }

  // ---- information ------------------------------------------------------------

  override getInfo(): { clusterSize: number; isDirty: boolean } {
    return { clusterSize: this.g.clusterSize, isDirty: (this.header.incompatibleFeatures & BigInt(INCOMPAT_DIRTY)) !== 0n };
  }

  protected override specificInfo(): ImageInfoSpecific {
    const compressionType = this.header.compressionType === 1 ? 'zstd' : 'zlib';
    if (this.header.version === 2) {
      return { type: 'qcow2', data: { compat: '0.10', 'refcount-bits': 2 ** this.header.refcountOrder, 'compression-type': compressionType } };
    }
    return {
      type: 'qcow2',
      data: {
        compat: '1.1',
        'extended-l2': false,
        'lazy-refcounts': (this.header.compatibleFeatures & BigInt(COMPAT_LAZY_REFCOUNTS)) !== 0n,
        corrupt: (this.header.incompatibleFeatures & BigInt(INCOMPAT_CORRUPT)) !== 0n,
        'refcount-bits': 2 ** this.header.refcountOrder,
        'compression-type': compressionType,
      },
    };
  }

  protected override snapshotList(): SnapshotInfo[] {
    return this.snapshots.map((s) => s.info);
  }

  override get backingFileName(): string {
    return this.headerBackingFile;
  }
  override get backingFormat(): string {
    return this.headerBackingFormat;
  }

  protected override backingOverridden(): boolean {
    const b = this.backing?.node;
    if (b) return this.autoBackingFile !== b.filename;
    return this.autoBackingFile !== '';
  }

  /** Cluster size and other layout facts, for tests and the mirror's granularity. */
  get clusterSize(): number {
    return this.g.clusterSize;
  }

  override close(): void {
    if (this.closed) return;
    try {
      if (!this.readOnly) this.writer.commit();
    } catch {
      // the file is going away; QEMU also only reports this
    }
    super.close();
  }
}
