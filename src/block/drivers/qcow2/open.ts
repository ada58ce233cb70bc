// Opening a qcow2 image (block/qcow2.c qcow2_do_open): the checks on the
// header, the tables and the features, in QEMU's order and with its texts.
// Features QEMU supports but this driver does not (external data files,
// extended L2 entries, encryption) are refused with a clear error.

import { BlockGenericError, errorWithErrno } from '../block-driver.js';
import { BlockIOError } from '../block-driver.js';
import { EACCES, ENOTSUP } from '../errno.js';
import {
  INCOMPAT_CORRUPT,
  INCOMPAT_DATA_FILE,
  INCOMPAT_DIRTY,
  INCOMPAT_EXTL2,
  INCOMPAT_MASK,
  L1E_SIZE,
  MAX_CLUSTER_BITS,
  MIN_CLUSTER_BITS,
  QCOW2_HEADER_SIZE,
  QCOW_MAGIC,
  QCOW_MAX_L1_SIZE,
  QCOW_MAX_REFTABLE_SIZE,
  QCOW_MAX_SNAPSHOTS,
  geometry,
  sizeToL1,
  type Qcow2Geometry,
} from './format.js';
import { type Qcow2Extensions, type Qcow2Header, parseHeader, readExtensions, unsupportedFeatureMessage } from './header.js';
import type { Qcow2FileIO } from './metadata-io.js';

/** sizeof(QCowSnapshotHeader). */
const SNAPSHOT_HEADER_SIZE = 40;

export interface Qcow2Image {
  header: Qcow2Header;
  ext: Qcow2Extensions;
  g: Qcow2Geometry;
  l1: Buffer;
  /** The backing file name stored in the header ('' if none). */
  backingFile: string;
}

/** qcow2_validate_table. */
function validateTable(offset: number, entries: number, entryLen: number, maxBytes: number, name: string, clusterSize: number): void {
  if (entries > maxBytes / entryLen) throw new BlockGenericError(`${name} too large`);
  if (Number.MAX_SAFE_INTEGER - entries * entryLen < offset || offset % clusterSize !== 0) {
    throw new BlockGenericError(`${name} offset invalid`);
  }
}

function wrapRead<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BlockIOError) throw errorWithErrno(what, e.errno);
    throw e;
  }
}

export function readQcow2Image(io: Qcow2FileIO, writable: boolean): Qcow2Image {
  const head = wrapRead('Could not read qcow2 header', () => io.read(0, QCOW2_HEADER_SIZE));
  const bits = head.readUInt32BE(20);
  const plausible = head.readUInt32BE(0) === QCOW_MAGIC && bits >= MIN_CLUSTER_BITS && bits <= MAX_CLUSTER_BITS;
  const first = plausible ? wrapRead('Could not read qcow2 header', () => io.read(0, 2 ** bits)) : head;
  const header = parseHeader(first);
  const g = geometry(header.clusterBits);
  const cs = g.clusterSize;
  const headerCluster = first;
  const extEnd = header.backingFileOffset ? header.backingFileOffset : cs;

  const incompat = header.incompatibleFeatures;
  if (incompat & ~BigInt(INCOMPAT_MASK)) {
    let table: Qcow2Extensions['featureTable'] = [];
    try {
      table = readExtensions(headerCluster, header.headerLength, extEnd).featureTable;
    } catch {
      // QEMU ignores errors of this read
    }
    throw new BlockGenericError(unsupportedFeatureMessage(table, incompat & ~BigInt(INCOMPAT_MASK)), ENOTSUP);
  }
  if (incompat & BigInt(INCOMPAT_CORRUPT) && writable) {
    throw new BlockGenericError('qcow2: Image is corrupt; cannot be opened read/write', EACCES);
  }
  // supported by QEMU, not by this driver
  const unsupported = incompat & BigInt(INCOMPAT_DATA_FILE | INCOMPAT_EXTL2);
  if (unsupported) {
    throw new BlockGenericError(
      unsupportedFeatureMessage(
        [
          { type: 0, bit: 2, name: 'external data file' },
          { type: 0, bit: 4, name: 'extended L2 entries' },
        ],
        unsupported,
      ),
      ENOTSUP,
    );
  }
  if (header.refcountOrder > 6) {
    throw new BlockGenericError('Reference count entry width too large; may not exceed 64 bits');
  }
  if (header.cryptMethod === 1) {
    throw new BlockGenericError('Use of AES-CBC encrypted qcow2 images is no longer supported in system emulators');
  }
  if (header.cryptMethod !== 0) {
    throw new BlockGenericError("Parameter 'encrypt.key-secret' is required for cipher");
  }
  if (header.refcountTableClusters === 0) throw new BlockGenericError('Image does not contain a reference count table');
  validateTable(header.refcountTableOffset, header.refcountTableClusters, cs, QCOW_MAX_REFTABLE_SIZE, 'Reference count table', cs);
  validateTable(header.snapshotsOffset, header.nbSnapshots, SNAPSHOT_HEADER_SIZE, SNAPSHOT_HEADER_SIZE * QCOW_MAX_SNAPSHOTS, 'Snapshot table', cs);
  validateTable(header.l1TableOffset, header.l1Size, L1E_SIZE, QCOW_MAX_L1_SIZE, 'Active L1 table', cs);
  const l1VmStateIndex = sizeToL1(g, header.size);
  if (l1VmStateIndex > 2 ** 31 - 1) throw new BlockGenericError('Image is too big');
  if (header.l1Size < l1VmStateIndex) throw new BlockGenericError('L1 table is too small');
  const l1 = header.l1Size > 0 ? wrapRead('Could not read L1 table', () => io.read(header.l1TableOffset, header.l1Size * L1E_SIZE)) : Buffer.alloc(0);

  const ext = readExtensions(headerCluster, header.headerLength, extEnd);

  let backingFile = '';
  if (header.backingFileOffset !== 0) {
    const len = header.backingFileSize;
    if (len > Math.min(1023, cs - header.backingFileOffset) || len >= 4096) {
      throw new BlockGenericError('Backing file name too long');
    }
    backingFile = headerCluster.subarray(header.backingFileOffset, header.backingFileOffset + len).toString('utf8');
  }

  if (incompat & BigInt(INCOMPAT_DIRTY) && writable) {
    // QEMU repairs the refcounts here (qcow2_co_check_locked); not done by this driver
    throw errorWithErrno('Could not repair dirty image', ENOTSUP);
  }
  return { header, ext, g, l1, backingFile };
}
