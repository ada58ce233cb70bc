// Creating a qcow2 image (block/qcow2.c qcow2_co_create): write a minimal
// header and a refcount table with one refcount block, open it, take the
// first three clusters, write the full header, resize to the virtual size
// (which allocates the L1 table), then record the backing file. The result
// is byte-identical to `qemu-img create -f qcow2`.

import { BlockGenericError } from '../block-driver.js';
import type { BlockDriverState, PreallocMode } from '../block-driver.js';
import type { OpenContext } from '../open-context.js';
import { COMPAT_LAZY_REFCOUNTS, DEFAULT_CLUSTER_SIZE, INCOMPAT_COMPRESSION, MAX_CLUSTER_BITS, MIN_CLUSTER_BITS, QCOW2_HEADER_SIZE, QCOW_MAGIC } from './format.js';
import { fileIO } from './metadata-io.js';
import { Qcow2Driver } from './qcow2.js';

/** BlockdevCreateOptionsQcow2 (qapi/block-core.json) minus 'file'. */
export interface Qcow2CreateOptions {
  size: number;
  version?: 'v2' | 'v3';
  clusterSize?: number;
  backingFile?: string;
  backingFmt?: string;
  lazyRefcounts?: boolean;
  refcountBits?: number;
  preallocation?: PreallocMode;
  extendedL2?: boolean;
  compressionType?: 'zlib' | 'zstd';
  dataFile?: unknown;
  dataFileRaw?: boolean;
  encrypt?: unknown;
}

function isPow2(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** validate_cluster_size. */
function validateClusterSize(cs: number, extendedL2: boolean): void {
  if (!isPow2(cs) || cs < 2 ** MIN_CLUSTER_BITS || cs > 2 ** MAX_CLUSTER_BITS) {
    throw new BlockGenericError(
      `Cluster size must be a power of two between ${2 ** MIN_CLUSTER_BITS} and ${2 ** (MAX_CLUSTER_BITS - 10)}k`,
    );
  }
  if (extendedL2 && cs < 2 ** MIN_CLUSTER_BITS * 32) {
    throw new BlockGenericError(`Extended L2 entries are only supported with cluster sizes of at least ${2 ** MIN_CLUSTER_BITS * 32} bytes`);
  }
}

/** The option checks of qcow2_co_create, in its order. */
export function validateQcow2Create(o: Qcow2CreateOptions): { version: number; clusterSize: number; refcountOrder: number; zstd: boolean } {
  if (o.size % 512 !== 0) throw new BlockGenericError('Image size must be a multiple of 512 bytes');
  const version = o.version === 'v2' ? 2 : 3;
  const extendedL2 = o.extendedL2 ?? false;
  if (extendedL2 && version < 3) {
    throw new BlockGenericError('Extended L2 entries are only supported with compatibility level 1.1 and above (use version=v3 or greater)');
  }
  const clusterSize = o.clusterSize ?? DEFAULT_CLUSTER_SIZE;
  validateClusterSize(clusterSize, extendedL2);
  const prealloc = o.preallocation ?? 'off';
  if (o.backingFile !== undefined && prealloc !== 'off' && !extendedL2) {
    throw new BlockGenericError('Backing file and preallocation can only be used at the same time if extended_l2 is on');
  }
  if (o.backingFmt !== undefined && o.backingFile === undefined) {
    throw new BlockGenericError('Backing format cannot be used without backing file');
  }
  if (version < 3 && o.lazyRefcounts) {
    throw new BlockGenericError('Lazy refcounts only supported with compatibility level 1.1 and above (use version=v3 or greater)');
  }
  const refcountBits = o.refcountBits ?? 16;
  if (refcountBits > 64 || !isPow2(refcountBits)) {
    throw new BlockGenericError('Refcount width must be a power of two and may not exceed 64 bits');
  }
  if (version < 3 && refcountBits !== 16) {
    throw new BlockGenericError(
      'Different refcount widths than 16 bits require compatibility level 1.1 or above (use version=v3 or greater)',
    );
  }
  if (o.dataFileRaw && o.dataFile === undefined) throw new BlockGenericError('data-file-raw requires data-file');
  if (o.dataFileRaw && o.backingFile !== undefined) {
    throw new BlockGenericError('Backing file and data-file-raw cannot be used at the same time');
  }
  if (o.dataFile !== undefined && version < 3) {
    throw new BlockGenericError('External data files are only supported with compatibility level 1.1 and above (use version=v3 or greater)');
  }
  const zstd = o.compressionType === 'zstd';
  if (zstd && version < 3) {
    throw new BlockGenericError('Non-zlib compression type is only supported with compatibility level 1.1 and above (use version=v3 or greater)');
  }
  // QEMU creates these; this driver cannot use them afterwards
  if (o.dataFile !== undefined) throw new BlockGenericError('Unsupported qcow2 feature(s): external data file');
  if (extendedL2) throw new BlockGenericError('Unsupported qcow2 feature(s): extended L2 entries');
  if (o.encrypt !== undefined) throw new BlockGenericError('Encrypted qcow2 images are not supported');
  if (prealloc !== 'off') throw new BlockGenericError(`Unsupported preallocation mode '${prealloc}'`);
  return { version, clusterSize, refcountOrder: Math.log2(refcountBits), zstd };
}

/** qcow2_co_create into an open, writable protocol node. */
export function qcow2Create(file: BlockDriverState, o: Qcow2CreateOptions, ctx: OpenContext): void {
  const v = validateQcow2Create(o);
  const cs = v.clusterSize;
  const io = fileIO(() => file);

  const header = Buffer.alloc(cs);
  header.writeUInt32BE(QCOW_MAGIC, 0);
  header.writeUInt32BE(v.version, 4);
  header.writeUInt32BE(Math.log2(cs), 20);
  header.writeBigUInt64BE(BigInt(cs), 48);
  header.writeUInt32BE(1, 56);
  if (v.zstd) header.writeBigUInt64BE(BigInt(INCOMPAT_COMPRESSION), 72);
  if (o.lazyRefcounts) header.writeBigUInt64BE(BigInt(COMPAT_LAZY_REFCOUNTS), 80);
  header.writeUInt32BE(v.refcountOrder, 96);
  header.writeUInt32BE(QCOW2_HEADER_SIZE, 100);
  header.writeUInt8(v.zstd ? 1 : 0, 104);
  io.write(0, header);

  const reftable = Buffer.alloc(2 * cs);
  reftable.writeBigUInt64BE(BigInt(2 * cs), 0);
  io.write(cs, reftable);

  const q = Qcow2Driver.openForCreate(file, ctx);
  try {
    q.initialiseCreated(o.size);
    if (o.backingFile !== undefined) q.changeBackingFile(o.backingFile, o.backingFmt ?? null);
  } finally {
    q.close();
  }
}
