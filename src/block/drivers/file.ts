// The 'file' protocol driver (block/file-posix.c) over a host file, with
// synchronous fs calls. Holes stay holes: zeroing never writes buffers over
// ranges that already read as zero, and a zeroed tail is cut off and
// re-extended (ftruncate) instead of written. Node has no fallocate and no
// SEEK_DATA/SEEK_HOLE, so block status uses the file's allocated block count,
// the map of blocks known non-zero (zero-detect.ts NonzeroBlocks) and, while
// that map is not complete, looks at the data.

import * as fs from 'node:fs';
import { BlockGenericError, BlockIOError, errorWithErrno } from './block-driver.js';
import type { BlockStatus, TruncateOptions, WriteZeroesFlags } from './block-driver.js';
import { BlockDriverBase, roundUpToSector } from './driver-base.js';
import { EACCES, EINVAL, EPERM, EROFS, errnoOfFsError } from './errno.js';
import type { InheritedFlags, OpenContext } from './open-context.js';
import { checkKnownOptions, optBool, optEnum, optInt, optString, type OptKind, type OptionBag } from './options.js';
import { HONEST_BLOCK_COUNT_FS, NonzeroBlocks, rangeIsZero, zeroRuns } from './zero-detect.js';
import { checkImagePath } from '../image-dir.js';

export const FILE_OPTIONS: Readonly<Record<string, OptKind>> = {
  filename: 'string',
  locking: { enum: ['on', 'off', 'auto'] },
  aio: { enum: ['threads', 'native', 'io_uring'] },
  'aio-max-batch': 'int',
  'drop-cache': 'bool',
  'pr-manager': 'string',
  'x-check-cache-dropped': 'bool',
};

/** Granule for hole detection by content. */
const SCAN_GRANULE = 4096;
/** Most bytes looked at per block-status / zeroing scan step. */
const SCAN_CHUNK = 1024 * 1024;

/** BlockdevOptionsFile's cache flags as the file node sees them. */
function cacheOption(opts: OptionBag, key: 'direct' | 'no-flush'): boolean {
  const c = opts.cache;
  if (typeof c === 'object' && c !== null) return optBool(c as OptionBag, key, `cache.${key}`) ?? false;
  return false;
}

/** Strips the "file:" protocol prefix (raw_parse_filename). */
function stripFileProtocol(name: string): string {
  return name.startsWith('file:') ? name.slice(5) : name;
}

export class FileDriver extends BlockDriverBase {
  readonly format = 'file';
  override readonly isProtocol = true;

  private readonly filenameOpt: string;
  private fd: number;
  private readonly noFlush: boolean;
  private discardNbOk = 0;
  private discardNbFailed = 0;
  private discardBytesOk = 0;
  /** which blocks may hold data (so holes need not be read) */
  private readonly nonzero: NonzeroBlocks;
  /** scan buffer, kept: fresh large buffers cost a page fault per page */
  private scratch: Buffer | null = null;
  /** zeroes to write from (never written) */
  private zeroes: Buffer | null = null;
  /** the last fstat, reused until the current job runs to its end (or this node changes the file) */
  private statMemo: fs.Stats | null = null;

  private constructor(opts: OptionBag, fd: number, filename: string, readOnly: boolean, ctx: OpenContext, noFlush: boolean, nonzero: NonzeroBlocks) {
    super({ options: opts, readOnly, legacy: ctx.legacy });
    this.fd = fd;
    this.filenameOpt = filename;
    this.noFlush = noFlush;
    this.nonzero = nonzero;
  }

  /** raw_open_common for a regular file. */
  static open(opts: OptionBag, ctx: OpenContext, inherited?: InheritedFlags): FileDriver {
    checkKnownOptions(opts, FILE_OPTIONS);
    const given = optString(opts, 'filename');
    if (given === undefined) throw new BlockGenericError("Parameter 'filename' is missing");
    const filename = stripFileProtocol(given);
    optEnum(opts, 'locking', ['on', 'off', 'auto']); // no host locks here; accepted
    const aio = optEnum(opts, 'aio', ['threads', 'native', 'io_uring']);
    optInt(opts, 'aio-max-batch');
    optBool(opts, 'drop-cache');
    optBool(opts, 'x-check-cache-dropped');
    if (optString(opts, 'pr-manager') !== undefined) {
      throw new BlockGenericError(`No persistent reservation manager with id '${String(opts['pr-manager'])}'`);
    }
    const direct = cacheOption(opts, 'direct');
    if (aio === 'native' && !direct) {
      throw new BlockGenericError('aio=native was specified, but it requires cache.direct=on, which was not specified.');
    }
    let readOnly = optBool(opts, 'read-only') ?? inherited?.readOnly ?? false;
    const autoReadOnly = optBool(opts, 'auto-read-only') ?? inherited?.autoReadOnly ?? false;
    const path = checkImagePath(ctx.policy, filename, 'open');

    let fd: number;
    try {
      fd = fs.openSync(path, readOnly ? 'r' : 'r+');
    } catch (e) {
      let errno = errnoOfFsError(e);
      if (!readOnly && autoReadOnly && (errno === EACCES || errno === EROFS || errno === EPERM)) {
        try {
          fd = fs.openSync(path, 'r');
          readOnly = true;
          errno = 0;
        } catch (e2) {
          errno = errnoOfFsError(e2);
        }
      }
      if (errno !== 0) {
        if (errno === EROFS) errno = EACCES;
        throw errorWithErrno(`Could not open '${filename}'`, errno);
      }
    }
    let st: fs.Stats;
    try {
      st = fs.fstatSync(fd!);
    } catch (e) {
      fs.closeSync(fd!);
      throw errorWithErrno('Could not stat file', errnoOfFsError(e));
    }
    if (!st.isFile()) {
      fs.closeSync(fd!);
      throw new BlockGenericError(`'file' driver requires '${filename}' to be a regular file`);
    }
    const nonzero = nonzeroMapFor(path, st);
    nonzero.sync(st);
    return new FileDriver(opts, fd!, filename, readOnly, ctx, cacheOption(opts, 'no-flush') || (inherited?.noFlush ?? false), nonzero);
  }

  /**
   * fstat, and the non-zero map follows what it shows. One synchronous run
   * (up to the next microtask) shares one fstat: a request asks for the
   * length several times on its way down.
   */
  private stat(): fs.Stats {
    this.checkOpen();
    if (this.statMemo) return this.statMemo;
    let st: fs.Stats;
    try {
      st = fs.fstatSync(this.fd);
    } catch (e) {
      throw new BlockIOError(errnoOfFsError(e));
    }
    this.nonzero.sync(st);
    this.statMemo = st;
    queueMicrotask(() => {
      if (this.statMemo === st) this.statMemo = null;
    });
    return st;
  }

  protected override openedExactFilename(): string {
    return this.filenameOpt;
  }

  /** The host file size in bytes (not rounded). */
  fileSize(): number {
    return this.stat().size;
  }

  getLength(): number {
    return roundUpToSector(this.fileSize());
  }

  preadInto(offset: number, dest: Buffer): void {
    this.checkOpen();
    if (this.nonzero.complete) {
      this.stat(); // a change from outside drops the map
      if (this.nonzero.complete) {
        this.readKnown(offset, dest);
        return;
      }
    }
    this.readAll(offset, dest);
  }

  /** A complete map: only the blocks that may hold data are read, the rest is zero fill. */
  private readKnown(offset: number, dest: Buffer): void {
    const end = offset + dest.length;
    let pos = offset;
    for (const r of this.nonzero.nonzeroRanges(offset, end)) {
      zeroFill(dest, pos - offset, r.start - offset);
      this.readAll(r.start, dest.subarray(r.start - offset, r.end - offset), false);
      pos = r.end;
    }
    zeroFill(dest, pos - offset, dest.length);
  }

  private readAll(offset: number, dest: Buffer, note = true): void {
    let done = 0;
    try {
      while (done < dest.length) {
        const n = fs.readSync(this.fd, dest, done, dest.length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
    } catch (e) {
      throw new BlockIOError(errnoOfFsError(e));
    }
    // past EOF reads as zeroes (raw_co_preadv pads short reads)
    if (done < dest.length) dest.fill(0, done);
    if (note) this.nonzero.noteRead(offset, dest, done < dest.length ? offset + done : Number.POSITIVE_INFINITY);
  }

  pwrite(offset: number, data: Buffer): void {
    this.checkWritable();
    try {
      this.writeAll(offset, data);
    } catch (e) {
      this.nonzero.noteUnknown(offset, data.length);
      throw e;
    }
    this.nonzero.noteWrite(offset, data.length, data);
  }

  private writeAll(offset: number, data: Buffer): void {
    this.statMemo = null;
    let done = 0;
    try {
      while (done < data.length) {
        done += fs.writeSync(this.fd, data, done, data.length - done, offset + done);
      }
    } catch (e) {
      throw new BlockIOError(errnoOfFsError(e));
    }
  }

  private ftruncate(size: number): void {
    this.statMemo = null;
    this.nonzero.noteTruncate(size);
    try {
      fs.ftruncateSync(this.fd, size);
    } catch (e) {
      this.nonzero.noteLost();
      throw new BlockIOError(errnoOfFsError(e));
    }
  }

  /**
   * Makes [offset, offset+length) read as zeroes without turning holes into
   * data: the tail of the file is cut and re-extended, ranges inside the file
   * get zero buffers only where they are not zero already.
   */
  pwriteZeroes(offset: number, length: number, _flags?: WriteZeroesFlags): void {
    this.checkWritable();
    if (length <= 0) return;
    const size = this.fileSize();
    const end = offset + length;
    if (offset >= size) {
      if (end > size) this.ftruncate(end);
      return;
    }
    if (end >= size) {
      this.ftruncate(offset);
      this.ftruncate(end);
      return;
    }
    try {
      if (this.nonzero.complete) {
        // only blocks that may hold data need looking at: the rest is zero already
        for (const r of this.nonzero.nonzeroRanges(offset, end)) this.zeroInside(r.start, r.end - r.start);
      } else {
        this.zeroInside(offset, length);
      }
    } catch (e) {
      this.nonzero.noteUnknown(offset, length);
      throw e;
    }
    this.nonzero.noteWrite(offset, length, null);
  }

  /** Writes zero buffers over the non-zero granules of a range inside the file. */
  private zeroInside(offset: number, length: number): void {
    for (let pos = offset; pos < offset + length; pos += SCAN_CHUNK) {
      const n = Math.min(SCAN_CHUNK, offset + length - pos);
      const buf = this.scanBuffer(n);
      this.preadInto(pos, buf);
      for (const run of zeroRuns(buf, pos, SCAN_GRANULE)) {
        if (run.zero) continue;
        this.zeroes ??= Buffer.alloc(SCAN_CHUNK);
        this.writeAll(pos + run.start, this.zeroes.subarray(0, run.length));
      }
    }
  }

  private scanBuffer(n: number): Buffer {
    this.scratch ??= Buffer.allocUnsafe(SCAN_CHUNK);
    return this.scratch.subarray(0, n);
  }

  /**
   * raw_co_pdiscard punches a hole; here the range is zeroed the hole-keeping
   * way above, so a discarded range reads as zeroes as it does on Linux.
   */
  discard(offset: number, length: number): void {
    try {
      this.pwriteZeroes(offset, length);
    } catch (e) {
      this.discardNbFailed++;
      throw e;
    }
    this.discardNbOk++;
    this.discardBytesOk += length;
  }

  flush(): void {
    this.checkOpen();
    if (this.readOnly || this.noFlush) return;
    try {
      fs.fdatasyncSync(this.fd);
    } catch (e) {
      throw new BlockIOError(errnoOfFsError(e));
    }
  }

  /** raw_co_truncate → raw_regular_truncate. */
  truncate(newSize: number, opts?: TruncateOptions): void {
    this.checkOpen();
    if (this.readOnly) throw new BlockGenericError('Image is read-only', EACCES);
    const prealloc = opts?.prealloc ?? 'off';
    const current = this.fileSize();
    if (prealloc !== 'off' && newSize < current) {
      throw new BlockGenericError('Cannot use preallocation for shrinking files');
    }
    if (prealloc === 'metadata') {
      throw new BlockGenericError(`Unsupported preallocation mode: ${prealloc}`);
    }
    if (!Number.isSafeInteger(newSize) || newSize < 0) {
      throw errorWithErrno('Could not resize file', EINVAL);
    }
    this.statMemo = null;
    this.nonzero.noteTruncate(newSize);
    try {
      if (prealloc === 'off' || newSize <= current) {
        fs.ftruncateSync(this.fd, newSize);
      } else {
        // falloc / full: allocate the new area by writing it
        const chunk = Buffer.alloc(Math.min(SCAN_CHUNK, newSize - current));
        for (let pos = current; pos < newSize; pos += chunk.length) {
          const n = Math.min(chunk.length, newSize - pos);
          fs.writeSync(this.fd, chunk, 0, n, pos);
        }
      }
    } catch (e) {
      this.nonzero.noteLost();
      throw errorWithErrno('Could not resize file', errnoOfFsError(e));
    }
  }

  /**
   * raw_co_block_status: holes are ZERO, data is DATA, both are allocated.
   * Without SEEK_DATA: a file with no allocated blocks is all hole, a fully
   * allocated file all data; a complete non-zero map answers whole runs;
   * otherwise the content decides (zero granules are reported as zero, which
   * reads the same as a hole) and what is read fills the map.
   */
  blockStatus(offset: number, length: number): BlockStatus {
    const st = this.stat();
    if (length <= 0) return { allocated: true, data: false, zero: false, length: 0 };
    if (offset >= st.size) return { allocated: true, data: false, zero: true, length };
    const allocated = st.blocks * 512;
    if (allocated === 0) return { allocated: true, data: false, zero: true, length };
    if (allocated >= Math.ceil(st.size / SCAN_GRANULE) * SCAN_GRANULE) {
      return { allocated: true, data: true, zero: false, length };
    }
    if (this.nonzero.complete) {
      const run = this.nonzero.runAt(offset, length, st.size);
      return { allocated: true, data: !run.zero, zero: run.zero, length: run.length };
    }
    const n = Math.min(length, SCAN_CHUNK, st.size - offset);
    const buf = this.scanBuffer(n);
    this.preadInto(offset, buf);
    const first = zeroRuns(buf, offset, SCAN_GRANULE)[0];
    let runLength = first.length;
    // a zero run reaching EOF extends to the end of the request
    if (first.zero && offset + runLength >= st.size) runLength = length;
    return { allocated: true, data: !first.zero, zero: first.zero, length: runLength };
  }

  override getInfo(): { clusterSize: number; isDirty: boolean } {
    return { clusterSize: 0, isDirty: false };
  }

  /** How the non-zero map stands (tests and the benchmark look at it). */
  nonzeroMapState(): { complete: boolean; budget: boolean; granule: number; blocks: number } {
    this.stat();
    const m = this.nonzero;
    return { complete: m.complete, budget: m.budget, granule: m.granule, blocks: m.count };
  }

  /** raw_get_allocated_file_size: st_blocks * 512. */
  override allocatedFileSize(): number | null {
    try {
      return fs.fstatSync(this.fd).blocks * 512;
    } catch {
      return null;
    }
  }

  /** BlockStatsSpecificFile for query-blockstats. */
  driverSpecificStats(): { driver: 'file'; 'discard-nb-ok': number; 'discard-nb-failed': number; 'discard-bytes-ok': number } {
    return {
      driver: 'file',
      'discard-nb-ok': this.discardNbOk,
      'discard-nb-failed': this.discardNbFailed,
      'discard-bytes-ok': this.discardBytesOk,
    };
  }

  override close(): void {
    if (this.closed) return;
    super.close();
    try {
      fs.closeSync(this.fd);
    } catch {
      // already gone
    }
    this.fd = -1;
  }
}

/** Zeroes buf[start, end), writing only where it is not zero yet (fresh buffers stay untouched). */
function zeroFill(buf: Buffer, start: number, end: number): void {
  for (let pos = start; pos < end; ) {
    const next = Math.min(end, pos + 65536);
    if (!rangeIsZero(buf, pos, next)) buf.fill(0, pos, next);
    pos = next;
  }
}

/**
 * The map's block size and whether the allocation budget applies: the
 * smaller of st_blksize and statfs f_bsize (never larger than a filesystem
 * block), on filesystems that count st_blocks honestly.
 */
function nonzeroMapFor(path: string, st: fs.Stats): NonzeroBlocks {
  try {
    const sfs = fs.statfsSync(path);
    return new NonzeroBlocks(Math.min(st.blksize, sfs.bsize), HONEST_BLOCK_COUNT_FS.has(sfs.type));
  } catch {
    return new NonzeroBlocks(4096, false);
  }
}

/**
 * raw_co_create (file-posix): create or open the file, cut it to 0, then
 * grow it to `size` (sparse).
 */
export function createFile(ctx: Pick<OpenContext, 'policy'>, filename: string, size: number, prealloc: 'off' | 'full' | 'falloc' = 'off'): void {
  const name = stripFileProtocol(filename);
  const path = checkImagePath(ctx.policy, name, 'create');
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
  } catch (e) {
    throw errorWithErrno(`Could not create '${name}'`, errnoOfFsError(e));
  }
  try {
    if (!fs.fstatSync(fd).isFile()) {
      throw new BlockGenericError(`'file' driver requires '${name}' to be a regular file`);
    }
    fs.ftruncateSync(fd, 0);
    fs.ftruncateSync(fd, size);
    if (prealloc !== 'off') {
      const chunk = Buffer.alloc(Math.min(SCAN_CHUNK, Math.max(size, 1)));
      for (let pos = 0; pos < size; pos += chunk.length) fs.writeSync(fd, chunk, 0, Math.min(chunk.length, size - pos), pos);
    }
  } catch (e) {
    if (e instanceof BlockGenericError) throw e;
    throw errorWithErrno('Could not resize file', errnoOfFsError(e));
  } finally {
    fs.closeSync(fd);
  }
}
