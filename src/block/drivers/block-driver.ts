// The driver side of QEMU's block layer: one BlockDriverState per opened
// node (include/block/block_int-common.h: BlockDriver + BlockDriverState),
// here a synchronous data layer. Requests, tracking, completion timing and
// error policy belong to the request layer above; drivers only move bytes
// and fail with errno values the way QEMU's drivers do.

import { strerror } from './errno.js';
import type { BlkdebugEvent } from './blkdebug-events.js';
import type { QDictValue } from '../../qapi/qobject/qobject.js';

/** Role of a child as QEMU names the BdrvChild ('file', 'backing', 'image', ...). */
export type BdrvChildName = 'file' | 'backing' | 'image' | 'data-file';

/** A parent's edge to a child node (block_int-common.h: BdrvChild). */
export interface BdrvChild {
  readonly name: BdrvChildName;
  /** Changes only through replaceChildNode / setBackingHd. */
  readonly node: BlockDriverState;
}

/** BdrvRequestFlags that matter for write-zeroes (BDRV_REQ_MAY_UNMAP, _NO_FALLBACK). */
export interface WriteZeroesFlags {
  /** The range may be deallocated (punched/unmapped) instead of written. */
  mayUnmap?: boolean;
  /** Fail with ENOTSUP rather than writing a buffer of zeroes. */
  noFallback?: boolean;
}

export type PreallocMode = 'off' | 'metadata' | 'falloc' | 'full';

export interface TruncateOptions {
  /** PreallocMode; drivers here implement 'off' only (others: QEMU's error). */
  prealloc?: PreallocMode;
  /** BDRV_REQ_ZERO_WRITE: the grown area must read as zeroes even over a backing file. */
  zeroWrite?: boolean;
}

/**
 * One answer of bdrv_co_block_status for [offset, offset+length):
 * - allocated: this node defines the content (BDRV_BLOCK_ALLOCATED), as
 *   opposed to falling through to its backing file;
 * - data: BDRV_BLOCK_DATA; zero: reads return zeroes (BDRV_BLOCK_ZERO).
 * `length` (>= 1 unless the request was empty) is how far the answer holds.
 */
export interface BlockStatus {
  allocated: boolean;
  data: boolean;
  zero: boolean;
  length: number;
}

/** ImageInfoSpecificQCow2 (qapi/block-core.json), keys in QAPI order. */
export interface ImageInfoSpecificQCow2 {
  compat: string;
  'data-file'?: string;
  'data-file-raw'?: boolean;
  'extended-l2'?: boolean;
  'lazy-refcounts'?: boolean;
  corrupt?: boolean;
  'refcount-bits': number;
  'compression-type': 'zlib' | 'zstd';
}

export interface ImageInfoSpecific {
  type: 'qcow2';
  data: ImageInfoSpecificQCow2;
}

/** SnapshotInfo (qapi/block-core.json). */
export interface SnapshotInfo {
  id: string;
  name: string;
  'vm-state-size': number;
  'date-sec': number;
  'date-nsec': number;
  'vm-clock-sec': number;
  'vm-clock-nsec': number;
  icount?: number;
}

/**
 * ImageInfo (qapi/block-core.json) for one node, keys in QAPI order, without
 * 'backing-image' (the query layer nests the backing chain itself).
 */
export interface ImageInfo {
  filename: string;
  format: string;
  'dirty-flag'?: boolean;
  'actual-size'?: number;
  'virtual-size': number;
  'cluster-size'?: number;
  encrypted?: boolean;
  compressed?: boolean;
  'backing-filename'?: string;
  'full-backing-filename'?: string;
  'backing-filename-format'?: string;
  snapshots?: SnapshotInfo[];
  'backing-image'?: ImageInfo;
  'format-specific'?: ImageInfoSpecific;
}

/** What bdrv_refresh_filename computes (block.c). */
export interface FilenameInfo {
  /** A plain filename that reopens the same node, or '' when there is none. */
  exactFilename: string;
  /** Options that reopen the node (strong options and children's). */
  fullOpenOptions: QDictValue;
  /** exactFilename, else 'json:' + fullOpenOptions. */
  filename: string;
}

/** The kinds of request blkdebug distinguishes (BlkdebugIOType). */
export type BlockIoKind = 'read' | 'write' | 'write-zeroes' | 'discard' | 'flush' | 'block-status';

/** A request that reached a node through its parent (see child-io.ts). */
export interface NodeIoEvent {
  kind: BlockIoKind;
  offset: number;
  length: number;
  /** errno when the request failed. */
  errno?: number;
}

/**
 * A node: one driver instance with its children. All methods are synchronous
 * and throw BlockIOError for request failures, BlockGenericError for
 * management operations (open, truncate, create) that QEMU reports via Error.
 */
export interface BlockDriverState {
  /** BlockDriver.format_name: 'file', 'raw', 'qcow2', 'null-co', 'null-aio', 'blkdebug'. */
  readonly format: string;
  /** Protocol driver (has bdrv_file_open): file, null-co/aio, blkdebug. */
  readonly isProtocol: boolean;
  /** BlockDriver.is_filter (blkdebug). */
  readonly isFilter: boolean;
  /** BlockDriver.supports_backing (qcow2). */
  readonly supportsBacking: boolean;
  readonly readOnly: boolean;
  /** Children in QEMU's order (file/image first, then backing). */
  readonly children: readonly BdrvChild[];
  /** The 'file' (or blkdebug's 'image') child. */
  readonly file: BdrvChild | null;
  /** The 'backing' child. */
  readonly backing: BdrvChild | null;
  /** bs->bl.request_alignment and max_transfer (0: unlimited). */
  readonly requestAlignment: number;
  readonly maxTransfer: number;
  /** The node closed or was made unusable (qcow2 fatal corruption). */
  readonly closed: boolean;
  /**
   * Called by child-io.ts for every request a parent sends this node
   * (success or failure); the graph layer hangs per-node stats here.
   */
  ioListener: ((e: NodeIoEvent) => void) | null;

  /** bdrv_getlength(): bytes, rounded up to 512 as QEMU's total_sectors is. */
  getLength(): number;
  /** Reads into a new buffer (no intermediate copies). */
  pread(offset: number, length: number): Buffer;
  /** Reads into `dest` (a view is fine: large requests are never copied twice). */
  preadInto(offset: number, dest: Buffer): void;
  pwrite(offset: number, data: Buffer): void;
  pwriteZeroes(offset: number, length: number, flags?: WriteZeroesFlags): void;
  discard(offset: number, length: number): void;
  flush(): void;
  truncate(newSize: number, opts?: TruncateOptions): void;
  blockStatus(offset: number, length: number): BlockStatus;
  /** bdrv_get_info(): cluster size and dirty flag, null when the driver has none (ENOTSUP). */
  getInfo(): { clusterSize: number; isDirty: boolean } | null;
  /** bdrv_get_allocated_file_size(), null when unknown (ENOTSUP). */
  allocatedFileSize(): number | null;
  imageInfo(): ImageInfo;
  /** bs->backing_file: the backing file name the image header names ('' if none). */
  readonly backingFileName: string;
  /** bs->backing_format ('' if none). */
  readonly backingFormat: string;
  /** bdrv_debug_event(): only blkdebug acts on it. */
  debugEvent(event: BlkdebugEvent): void;
  refreshFilename(): FilenameInfo;
  /**
   * bdrv_replace_node, seen from one parent: every edge of this node that
   * points at `oldNode` points at `newNode` afterwards.
   */
  replaceChildNode(oldNode: BlockDriverState, newNode: BlockDriverState): void;
  /** bdrv_set_backing_hd: attach (or with null, detach) the backing child; the header is not changed. */
  setBackingHd(node: BlockDriverState | null): void;
  /** bdrv_change_backing_file: the backing file name/format recorded in the image. */
  changeBackingFile(backingFile: string | null, backingFormat: string | null): void;
  /** bs->filename after bdrv_refresh_filename. */
  readonly filename: string;
  close(): void;
}

/** A failed request: QEMU's negative errno, with strerror text as message. */
export class BlockIOError extends Error {
  override readonly name = 'BlockIOError';
  /**
   * blkdebug's `immediately`: true fails before the request yields; false
   * (blkdebug's default) fails after one coroutine yield. Undefined for
   * errors that did not come from blkdebug.
   */
  readonly immediately: boolean | undefined;

  constructor(
    readonly errno: number,
    message?: string,
    opts?: { immediately?: boolean },
  ) {
    super(message ?? strerror(errno));
    this.immediately = opts?.immediately;
  }
}

/**
 * An Error** from the block layer (open, create, truncate...): always class
 * GenericError in QMP, `message` is QEMU's desc text.
 */
export class BlockGenericError extends Error {
  override readonly name = 'BlockGenericError';
  constructor(
    message: string,
    readonly errno?: number,
  ) {
    super(message);
  }
}

/** error_setg_errno(): "<msg>: <strerror>". */
export function errorWithErrno(message: string, errno: number): BlockGenericError {
  return new BlockGenericError(`${message}: ${strerror(errno)}`, errno);
}

export const BDRV_SECTOR_SIZE = 512;
