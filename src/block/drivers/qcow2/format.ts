// qcow2 on-disk constants and L1/L2 entry decoding (docs/interop/qcow2.txt,
// block/qcow2.h). Entries are 64-bit big-endian words; they are handled as
// two 32-bit halves so the hot paths need no BigInt.

export const QCOW_MAGIC = 0x514649fb;
export const MIN_CLUSTER_BITS = 9;
export const MAX_CLUSTER_BITS = 21;
export const DEFAULT_CLUSTER_SIZE = 65536;
/** sizeof(QCowHeader): the v3 header QEMU writes, with the compression type byte and padding. */
export const QCOW2_HEADER_SIZE = 112;
export const QCOW2_V2_HEADER_SIZE = 72;
export const QCOW_MAX_REFTABLE_SIZE = 8 * 1024 * 1024;
export const QCOW_MAX_L1_SIZE = 32 * 1024 * 1024;
export const QCOW_MAX_SNAPSHOTS = 65536;
export const L1E_SIZE = 8;

/** Header extension magics. */
export const EXT_END = 0;
export const EXT_BACKING_FORMAT = 0xe2792aca;
export const EXT_FEATURE_TABLE = 0x6803f857;
export const EXT_CRYPTO_HEADER = 0x0537be77;
export const EXT_BITMAPS = 0x23852875;
export const EXT_DATA_FILE = 0x44415441;

/** Incompatible feature bits. */
export const INCOMPAT_DIRTY = 1 << 0;
export const INCOMPAT_CORRUPT = 1 << 1;
export const INCOMPAT_DATA_FILE = 1 << 2;
export const INCOMPAT_COMPRESSION = 1 << 3;
export const INCOMPAT_EXTL2 = 1 << 4;
/** The incompatible bits QEMU 7.2 knows (QCOW2_INCOMPAT_MASK). */
export const INCOMPAT_MASK = 0x1f;
export const COMPAT_LAZY_REFCOUNTS = 1 << 0;
export const AUTOCLEAR_BITMAPS = 1 << 0;
export const AUTOCLEAR_DATA_FILE_RAW = 1 << 1;

/** The feature name table QEMU writes (qcow2_update_header), as data. */
export const FEATURE_NAMES: ReadonlyArray<{ type: 0 | 1 | 2; bit: number; name: string }> = [
  { type: 0, bit: 0, name: 'dirty bit' },
  { type: 0, bit: 1, name: 'corrupt bit' },
  { type: 0, bit: 2, name: 'external data file' },
  { type: 0, bit: 3, name: 'compression type' },
  { type: 0, bit: 4, name: 'extended L2 entries' },
  { type: 1, bit: 0, name: 'lazy refcounts' },
  { type: 2, bit: 0, name: 'bitmaps' },
  { type: 2, bit: 1, name: 'raw external data' },
];

/** Flags in the high word of an L1/L2 entry. */
export const OFLAG_COPIED_HI = 0x80000000;
export const OFLAG_COMPRESSED_HI = 0x40000000;
/** QCOW_OFLAG_ZERO: bit 0 of the low word. */
export const OFLAG_ZERO_LO = 1;

export type ClusterType = 'unallocated' | 'zero-plain' | 'zero-alloc' | 'normal' | 'compressed';

export interface Qcow2Geometry {
  clusterBits: number;
  clusterSize: number;
  /** Entries per L2 table. */
  l2Size: number;
  l2Bits: number;
  /** csize_shift / csize_mask of compressed descriptors. */
  csizeShift: number;
  csizeMask: number;
}

export function geometry(clusterBits: number): Qcow2Geometry {
  return {
    clusterBits,
    clusterSize: 2 ** clusterBits,
    l2Bits: clusterBits - 3,
    l2Size: 2 ** (clusterBits - 3),
    csizeShift: 62 - (clusterBits - 8),
    csizeMask: 2 ** (clusterBits - 8) - 1,
  };
}

/** One raw 64-bit entry as two halves. */
export interface RawEntry {
  hi: number;
  lo: number;
}

export function readEntry(table: Buffer, index: number): RawEntry {
  return { hi: table.readUInt32BE(index * 8), lo: table.readUInt32BE(index * 8 + 4) };
}

export function writeEntry(table: Buffer, index: number, e: RawEntry): void {
  table.writeUInt32BE(e.hi >>> 0, index * 8);
  table.writeUInt32BE(e.lo >>> 0, index * 8 + 4);
}

/** Bits 9-55: the host offset of a standard L1/L2 entry. */
export function entryOffset(e: RawEntry): number {
  return (e.hi & 0x00ffffff) * 0x100000000 + ((e.lo & 0xfffffe00) >>> 0);
}

export function makeEntry(offset: number, flags: { copied?: boolean; zero?: boolean } = {}): RawEntry {
  const hi = Math.floor(offset / 0x100000000) & 0x00ffffff;
  const lo = (offset % 0x100000000) >>> 0;
  return { hi: (hi | (flags.copied ? OFLAG_COPIED_HI : 0)) >>> 0, lo: (lo | (flags.zero ? OFLAG_ZERO_LO : 0)) >>> 0 };
}

export const EMPTY_ENTRY: RawEntry = { hi: 0, lo: 0 };

export function entryCopied(e: RawEntry): boolean {
  return (e.hi & OFLAG_COPIED_HI) !== 0;
}

/** qcow2_get_cluster_type (no external data file, no subclusters). */
export function clusterType(e: RawEntry): ClusterType {
  if (e.hi & OFLAG_COMPRESSED_HI) return 'compressed';
  const off = entryOffset(e);
  if (e.lo & OFLAG_ZERO_LO) return off ? 'zero-alloc' : 'zero-plain';
  return off ? 'normal' : 'unallocated';
}

export function sameEntry(a: RawEntry, b: RawEntry): boolean {
  return a.hi === b.hi && a.lo === b.lo;
}

/** qcow2_parse_compressed_l2_entry: host offset and byte length of the compressed data. */
export function compressedDescriptor(e: RawEntry, g: Qcow2Geometry): { offset: number; size: number } {
  const v = (BigInt(e.hi >>> 0) << 32n) | BigInt(e.lo >>> 0);
  const offset = Number(v & ((1n << BigInt(g.csizeShift)) - 1n));
  const nbCsectors = Number((v >> BigInt(g.csizeShift)) & BigInt(g.csizeMask)) + 1;
  return { offset, size: nbCsectors * 512 - (offset & 511) };
}

/** size_to_l1: L1 entries needed for a virtual size. */
export function sizeToL1(g: Qcow2Geometry, size: number): number {
  const shift = g.clusterBits + g.l2Bits;
  return Math.ceil(size / 2 ** shift);
}
