// The qcow2 header and its extensions: parsing with the checks and error
// texts of qcow2_do_open / qcow2_read_extensions, and writing the whole
// header cluster the way qcow2_update_header does (block/qcow2.c).

import { BlockGenericError, BlockIOError } from '../block-driver.js';
import { ENOSPC } from '../errno.js';
import {
  EXT_BACKING_FORMAT,
  EXT_BITMAPS,
  EXT_CRYPTO_HEADER,
  EXT_DATA_FILE,
  EXT_END,
  EXT_FEATURE_TABLE,
  FEATURE_NAMES,
  INCOMPAT_COMPRESSION,
  MAX_CLUSTER_BITS,
  MIN_CLUSTER_BITS,
  QCOW2_HEADER_SIZE,
  QCOW2_V2_HEADER_SIZE,
  QCOW_MAGIC,
} from './format.js';

export interface Qcow2Header {
  version: number;
  backingFileOffset: number;
  backingFileSize: number;
  clusterBits: number;
  size: number;
  cryptMethod: number;
  l1Size: number;
  l1TableOffset: number;
  refcountTableOffset: number;
  refcountTableClusters: number;
  nbSnapshots: number;
  snapshotsOffset: number;
  incompatibleFeatures: bigint;
  compatibleFeatures: bigint;
  autoclearFeatures: bigint;
  refcountOrder: number;
  headerLength: number;
  compressionType: number;
  /** Header bytes beyond sizeof(QCowHeader), kept verbatim. */
  unknownHeaderFields: Buffer;
}

function u64(buf: Buffer, off: number): number {
  return Number(buf.readBigUInt64BE(off));
}

/**
 * Parses the fixed header from the image's first cluster (or as much of
 * it as exists; missing bytes read as zero). Throws QEMU's open errors.
 */
export function parseHeader(buf: Buffer): Qcow2Header {
  const b = buf.length >= QCOW2_HEADER_SIZE ? buf : Buffer.concat([buf, Buffer.alloc(QCOW2_HEADER_SIZE - buf.length)]);
  if (b.readUInt32BE(0) !== QCOW_MAGIC) throw new BlockGenericError('Image is not in qcow2 format');
  const version = b.readUInt32BE(4);
  if (version < 2 || version > 3) throw new BlockGenericError(`Unsupported qcow2 version ${version}`);
  const clusterBits = b.readUInt32BE(20);
  if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
    throw new BlockGenericError(`Unsupported cluster size: 2^${clusterBits}`);
  }
  const clusterSize = 2 ** clusterBits;
  const h: Qcow2Header = {
    version,
    backingFileOffset: u64(b, 8),
    backingFileSize: b.readUInt32BE(16),
    clusterBits,
    size: u64(b, 24),
    cryptMethod: b.readUInt32BE(32),
    l1Size: b.readUInt32BE(36),
    l1TableOffset: u64(b, 40),
    refcountTableOffset: u64(b, 48),
    refcountTableClusters: b.readUInt32BE(56),
    nbSnapshots: b.readUInt32BE(60),
    snapshotsOffset: u64(b, 64),
    incompatibleFeatures: 0n,
    compatibleFeatures: 0n,
    autoclearFeatures: 0n,
    refcountOrder: 4,
    headerLength: QCOW2_V2_HEADER_SIZE,
    compressionType: 0,
    unknownHeaderFields: Buffer.alloc(0),
  };
  if (version === 3) {
    h.incompatibleFeatures = b.readBigUInt64BE(72);
    h.compatibleFeatures = b.readBigUInt64BE(80);
    h.autoclearFeatures = b.readBigUInt64BE(88);
    h.refcountOrder = b.readUInt32BE(96);
    h.headerLength = b.readUInt32BE(100);
    if (h.headerLength < 104) throw new BlockGenericError('qcow2 header too short');
  }
  if (h.headerLength > clusterSize) throw new BlockGenericError('qcow2 header exceeds cluster size');
  if (h.headerLength > QCOW2_HEADER_SIZE) {
    const extra = Buffer.alloc(h.headerLength - QCOW2_HEADER_SIZE);
    buf.copy(extra, 0, QCOW2_HEADER_SIZE, h.headerLength);
    h.unknownHeaderFields = extra;
  }
  if (h.backingFileOffset > clusterSize) throw new BlockGenericError('Invalid backing file offset');
  // compression_type exists only when the header is long enough for it
  h.compressionType = h.headerLength > 104 ? b.readUInt8(104) : 0;
  validateCompressionType(h);
  return h;
}

/** validate_compression_type (zlib 0, zstd 1). */
function validateCompressionType(h: Qcow2Header): void {
  if (h.compressionType !== 0 && h.compressionType !== 1) {
    throw new BlockGenericError(`qcow2: unknown compression type: ${h.compressionType}`);
  }
  const bit = (h.incompatibleFeatures & BigInt(INCOMPAT_COMPRESSION)) !== 0n;
  if (h.compressionType !== 0 && !bit) {
    throw new BlockGenericError('qcow2: Compression type incompatible feature bit must be set');
  }
  if (h.compressionType === 0 && bit) {
    throw new BlockGenericError('qcow2: Compression type incompatible feature bit must not be set');
  }
}

export interface Qcow2Extensions {
  backingFormat: string | null;
  dataFile: string | null;
  /** Feature name table entries found in the image (for error messages). */
  featureTable: Array<{ type: number; bit: number; name: string }>;
  cryptoHeader: Buffer | null;
  bitmaps: Buffer | null;
  /** Extensions QEMU keeps without understanding (including bitmaps here). */
  unknown: Array<{ magic: number; data: Buffer }>;
}

/** qcow2_read_extensions over the header cluster, from `start` to `end`. */
export function readExtensions(buf: Buffer, start: number, end: number): Qcow2Extensions {
  const out: Qcow2Extensions = { backingFormat: null, dataFile: null, featureTable: [], cryptoHeader: null, bitmaps: null, unknown: [] };
  let off = start;
  while (off < end) {
    if (off + 8 > buf.length) break;
    const magic = buf.readUInt32BE(off);
    const len = buf.readUInt32BE(off + 4);
    off += 8;
    if (off > end || len > end - off) throw new BlockGenericError('Header extension too large');
    const data = Buffer.from(buf.subarray(off, off + len));
    switch (magic) {
      case EXT_END:
        return out;
      case EXT_BACKING_FORMAT:
        if (len >= 16) throw new BlockGenericError(`ERROR: ext_backing_format: len=${len} too large (>=16)`);
        out.backingFormat = cString(data);
        break;
      case EXT_FEATURE_TABLE:
        for (let i = 0; i + 48 <= data.length; i += 48) {
          out.featureTable.push({ type: data[i], bit: data[i + 1], name: cString(data.subarray(i + 2, i + 48)) });
        }
        break;
      case EXT_CRYPTO_HEADER:
        out.cryptoHeader = data;
        break;
      case EXT_DATA_FILE:
        out.dataFile = cString(data);
        break;
      case EXT_BITMAPS:
        out.bitmaps = data;
        out.unknown.push({ magic, data });
        break;
      default:
        out.unknown.push({ magic, data });
    }
    off += Math.ceil(len / 8) * 8;
  }
  return out;
}

function cString(b: Buffer): string {
  const nul = b.indexOf(0);
  return b.subarray(0, nul < 0 ? b.length : nul).toString('latin1');
}

/** report_unsupported_feature: names from the image's table, then the unknown rest. */
export function unsupportedFeatureMessage(table: Qcow2Extensions['featureTable'], mask: bigint): string {
  const parts: string[] = [];
  let rest = mask;
  for (const f of table) {
    if (f.type === 0 && rest & (1n << BigInt(f.bit))) {
      parts.push(f.name.slice(0, 46));
      rest &= ~(1n << BigInt(f.bit));
    }
  }
  if (rest) parts.push(`Unknown incompatible feature: ${rest.toString(16)}`);
  return `Unsupported qcow2 feature(s): ${parts.join(', ')}`;
}

/** Everything qcow2_update_header writes: the header fields it does not
 * recompute (offsets and lengths of what follows), plus the extensions. */
export type HeaderState = Omit<Qcow2Header, 'backingFileOffset' | 'backingFileSize' | 'headerLength'> & {
  backingFormat: string | null;
  dataFile: string | null;
  unknownExtensions: ReadonlyArray<{ magic: number; data: Buffer }>;
  backingFile: string | null;
};

/** qcow2_update_header: the complete first cluster. */
export function buildHeaderCluster(s: HeaderState): Buffer {
  const clusterSize = 2 ** s.clusterBits;
  const buf = Buffer.alloc(clusterSize);
  const headerLength = QCOW2_HEADER_SIZE + s.unknownHeaderFields.length;
  buf.writeUInt32BE(QCOW_MAGIC, 0);
  buf.writeUInt32BE(s.version, 4);
  buf.writeUInt32BE(s.clusterBits, 20);
  buf.writeBigUInt64BE(BigInt(s.size), 24);
  buf.writeUInt32BE(s.cryptMethod, 32);
  buf.writeUInt32BE(s.l1Size, 36);
  buf.writeBigUInt64BE(BigInt(s.l1TableOffset), 40);
  buf.writeBigUInt64BE(BigInt(s.refcountTableOffset), 48);
  buf.writeUInt32BE(s.refcountTableClusters, 56);
  buf.writeUInt32BE(s.nbSnapshots, 60);
  buf.writeBigUInt64BE(BigInt(s.snapshotsOffset), 64);
  let off: number;
  if (s.version === 2) {
    off = QCOW2_V2_HEADER_SIZE;
  } else {
    buf.writeBigUInt64BE(s.incompatibleFeatures, 72);
    buf.writeBigUInt64BE(s.compatibleFeatures, 80);
    buf.writeBigUInt64BE(s.autoclearFeatures, 88);
    buf.writeUInt32BE(s.refcountOrder, 96);
    buf.writeUInt32BE(headerLength, 100);
    buf.writeUInt8(s.compressionType, 104);
    off = QCOW2_HEADER_SIZE;
  }
  const need = (n: number): void => {
    if (off + n > clusterSize) throw new BlockIOError(ENOSPC);
  };
  if (s.version !== 2 && s.unknownHeaderFields.length) {
    need(s.unknownHeaderFields.length);
    s.unknownHeaderFields.copy(buf, off);
    off += s.unknownHeaderFields.length;
  }
  const addExt = (magic: number, data: Buffer): void => {
    const padded = Math.ceil(data.length / 8) * 8;
    need(8 + padded);
    buf.writeUInt32BE(magic, off);
    buf.writeUInt32BE(data.length, off + 4);
    data.copy(buf, off + 8);
    off += 8 + padded;
  };
  if (s.backingFormat) addExt(EXT_BACKING_FORMAT, Buffer.from(s.backingFormat, 'latin1'));
  if (s.dataFile) addExt(EXT_DATA_FILE, Buffer.from(s.dataFile, 'latin1'));
  if (s.version >= 3 && clusterSize > 4096) addExt(EXT_FEATURE_TABLE, featureTableData());
  for (const e of s.unknownExtensions) addExt(e.magic, e.data);
  addExt(EXT_END, Buffer.alloc(0));
  if (s.backingFile) {
    const name = Buffer.from(s.backingFile, 'utf8');
    need(name.length);
    name.copy(buf, off);
    buf.writeBigUInt64BE(BigInt(off), 8);
    buf.writeUInt32BE(name.length, 16);
  }
  return buf;
}

function featureTableData(): Buffer {
  const data = Buffer.alloc(FEATURE_NAMES.length * 48);
  FEATURE_NAMES.forEach((f, i) => {
    data[i * 48] = f.type;
    data[i * 48 + 1] = f.bit;
    data.write(f.name, i * 48 + 2, 46, 'latin1');
  });
  return data;
}
