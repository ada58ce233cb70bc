// Reading compressed clusters (block/qcow2-threads.c qcow2_zlib_decompress):
// raw deflate data, the output is exactly one cluster. zstd (compression
// type 1) has no decoder in Node's zlib: such clusters fail with ENOTSUP.

import * as zlib from 'node:zlib';
import { BlockIOError } from '../block-driver.js';
import { EIO, ENOTSUP } from '../errno.js';
import { type Qcow2Geometry, type RawEntry, compressedDescriptor } from './format.js';
import type { Qcow2FileIO } from './metadata-io.js';

export function readCompressedCluster(io: Qcow2FileIO, e: RawEntry, g: Qcow2Geometry, compressionType: number, fileLength: number): Buffer {
  if (compressionType !== 0) throw new BlockIOError(ENOTSUP);
  const { offset, size } = compressedDescriptor(e, g);
  const n = Math.max(0, Math.min(size, fileLength - offset));
  io.event('read_compressed');
  const data = io.read(offset, n);
  let out: Buffer;
  try {
    out = zlib.inflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: g.clusterSize });
  } catch {
    throw new BlockIOError(EIO);
  }
  if (out.length < g.clusterSize) throw new BlockIOError(EIO);
  return out;
}
