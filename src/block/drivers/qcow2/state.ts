// What the qcow2 data-path helpers (cluster-alloc.ts, zero-discard.ts) need
// from an open image: its tables, its file I/O and a few driver services.

import type { Qcow2ClusterMap } from './cluster-map.js';
import type { Qcow2Geometry, RawEntry } from './format.js';
import type { MetadataWriter, Qcow2FileIO } from './metadata-io.js';
import type { Qcow2Refcounts } from './refcount.js';

export interface Qcow2State {
  readonly io: Qcow2FileIO;
  readonly writer: MetadataWriter;
  readonly refs: Qcow2Refcounts;
  readonly map: Qcow2ClusterMap;
  readonly g: Qcow2Geometry;
  /** qcow_version: 2 or 3 (zero clusters need 3). */
  readonly version: number;
  hasBacking(): boolean;
  /** Reads the backing file (zeroes past its end or without one). */
  readBacking(offset: number, dest: Buffer): void;
  /** The inflated content of a compressed cluster. */
  compressedCluster(e: RawEntry): Buffer;
  /** Forget cached compressed data (its clusters were freed). */
  dropCompressedCache(): void;
  /** qcow2_pre_write_overlap_check: throws (corruption) on overlap with metadata. */
  checkOverlap(host: number, bytes: number): void;
}
