// How the qcow2 driver reaches its file child, and the write-through of its
// metadata tables. QEMU keeps L2 and refcount blocks in writeback caches;
// here every change is written back at the end of the step that made it, in
// the order that keeps the image consistent (refcounts before the L2 entries
// that use a cluster, L2 entries before freeing what they replaced). A span
// whose write failed stays pending and is retried by the next commit.

import type { BlockDriverState } from '../block-driver.js';
import type { BlkdebugEvent } from '../blkdebug-events.js';
import { bdrvPread, bdrvPwrite } from '../generic-io.js';

export interface Qcow2FileIO {
  readInto(offset: number, dest: Buffer): void;
  read(offset: number, length: number): Buffer;
  write(offset: number, data: Buffer): void;
  /** BLKDBG_EVENT(bs->file, ...). */
  event(e: BlkdebugEvent): void;
}

/** I/O on the file child; `file` is looked up per call (the edge may be re-pointed). */
export function fileIO(file: () => BlockDriverState): Qcow2FileIO {
  return {
    readInto: (offset, dest) => bdrvPread(file(), offset, dest),
    read: (offset, length) => {
      const b = Buffer.allocUnsafe(length);
      bdrvPread(file(), offset, b);
      return b;
    },
    write: (offset, data) => bdrvPwrite(file(), offset, data),
    event: (e) => file().debugEvent(e),
  };
}

interface Pending {
  table: Buffer;
  lo: number;
  hi: number;
}

export class MetadataWriter {
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly io: Qcow2FileIO) {}

  /** Bytes [lo, hi) of the table stored at host offset `at` changed. */
  mark(at: number, table: Buffer, lo: number, hi: number): void {
    const p = this.pending.get(at);
    if (p && p.table === table) {
      p.lo = Math.min(p.lo, lo);
      p.hi = Math.max(p.hi, hi);
    } else {
      this.pending.set(at, { table, lo, hi });
    }
  }

  /** The table at `at` is gone (freed or replaced): drop its pending span. */
  forget(at: number): void {
    this.pending.delete(at);
  }

  get hasPending(): boolean {
    return this.pending.size > 0;
  }

  commit(): void {
    for (const [at, p] of this.pending) {
      this.io.write(at + p.lo, p.table.subarray(p.lo, p.hi));
      this.pending.delete(at);
    }
  }
}
