// The internal snapshot table (block/qcow2-snapshot.c qcow2_read_snapshots),
// read for ImageInfo's 'snapshots' list and for metadata checks. Snapshots
// are never created or changed here.

import { BlockGenericError } from '../block-driver.js';
import type { SnapshotInfo } from '../block-driver.js';
import type { Qcow2FileIO } from './metadata-io.js';

export interface Qcow2Snapshot {
  l1TableOffset: number;
  l1Size: number;
  info: SnapshotInfo;
}

/** The header of one entry is 40 bytes; extra data, id and name follow, then 8-byte padding. */
const SNAPSHOT_HEADER_SIZE = 40;

export function readSnapshots(io: Qcow2FileIO, offset: number, count: number, fileLength: number): Qcow2Snapshot[] {
  const out: Qcow2Snapshot[] = [];
  let pos = offset;
  for (let i = 0; i < count; i++) {
    if (pos + SNAPSHOT_HEADER_SIZE > fileLength) throw new BlockGenericError('Snapshot table offset invalid');
    const h = io.read(pos, SNAPSHOT_HEADER_SIZE);
    const l1TableOffset = Number(h.readBigUInt64BE(0));
    const l1Size = h.readUInt32BE(8);
    const idSize = h.readUInt16BE(12);
    const nameSize = h.readUInt16BE(14);
    const dateSec = h.readUInt32BE(16);
    const dateNsec = h.readUInt32BE(20);
    const vmClockNsec = Number(h.readBigUInt64BE(24));
    const vmStateSize = h.readUInt32BE(32);
    const extraSize = h.readUInt32BE(36);
    pos += SNAPSHOT_HEADER_SIZE;
    if (extraSize > 1024 || pos + extraSize + idSize + nameSize > fileLength) {
      throw new BlockGenericError('Snapshot table offset invalid');
    }
    const extra = extraSize ? io.read(pos, extraSize) : Buffer.alloc(0);
    pos += extraSize;
    const id = io.read(pos, idSize).toString('utf8');
    pos += idSize;
    const name = io.read(pos, nameSize).toString('utf8');
    pos += nameSize;
    pos = Math.ceil(pos / 8) * 8;
    const info: SnapshotInfo = {
      id,
      name,
      'vm-state-size': extra.length >= 8 ? Number(extra.readBigUInt64BE(0)) : vmStateSize,
      'date-sec': dateSec,
      'date-nsec': dateNsec,
      'vm-clock-sec': Math.floor(vmClockNsec / 1e9),
      'vm-clock-nsec': vmClockNsec % 1e9,
    };
    if (extra.length >= 24 && extra.readBigUInt64BE(16) !== 0xffffffffffffffffn) {
      info.icount = Number(extra.readBigUInt64BE(16));
    }
    out.push({ l1TableOffset, l1Size, info });
  }
  return out;
}
