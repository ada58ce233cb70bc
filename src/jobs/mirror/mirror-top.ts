// The mirror_top filter (block/mirror.c bdrv_mirror_top): an implicit node
// inserted above the mirror source. Every request passes through to its
// 'backing' child (the source), so guest writes reach the source's dirty
// bitmap through the source's own write path. In copy-mode write-blocking
// a write that reached the source is also written to the target before it
// completes (bdrv_mirror_top_do_write → do_sync_target_write).

import type { BlockDriverState, BlockStatus, FilenameInfo, TruncateOptions, WriteZeroesFlags } from '../../block/drivers/block-driver.js';
import { BlockDriverBase } from '../../block/drivers/driver-base.js';
import { bdrvBlockStatus, bdrvFlush, bdrvPdiscard, bdrvPread, bdrvPwrite, bdrvPwriteZeroes } from '../../block/drivers/generic-io.js';
import { BlockIOError } from '../../block/drivers/block-driver.js';
import { ENOTSUP } from '../../block/drivers/errno.js';
import type { MirrorMethod } from './mirror-ops.js';

/** The job side of active mirroring (MirrorBDSOpaque.job while it is set). */
export interface ActiveMirror {
  /** true when this write must go to the target too (copy_to_target) */
  copyToTarget(): boolean;
  /** do_sync_target_write for a write the source has taken; data: a bounce copy */
  writeThrough(method: MirrorMethod, offset: number, bytes: number, data: Buffer | null): void;
}

export class MirrorTopDriver extends BlockDriverBase {
  readonly format = 'mirror_top';
  override readonly isFilter = true;
  /** bs_opaque->stop: the job is going away, nothing is forwarded any more */
  stop = false;
  /** bs_opaque->job: set while the job runs, cleared when it exits */
  job: ActiveMirror | null = null;

  constructor(source: BlockDriverState) {
    super({ options: { driver: 'mirror_top' }, readOnly: false });
    this.attachChild('backing', source);
  }

  private get source(): BlockDriverState {
    return this.children[0].node;
  }

  protected override primaryChild(): BlockDriverState | null {
    return this.backing?.node ?? null;
  }

  getLength(): number {
    return this.source.getLength();
  }

  preadInto(offset: number, dest: Buffer): void {
    this.checkOpen();
    bdrvPread(this.source, offset, dest);
  }

  /** the job when this write goes to the target too */
  private activeJob(): ActiveMirror | null {
    return this.job && this.job.copyToTarget() ? this.job : null;
  }

  pwrite(offset: number, data: Buffer): void {
    this.checkOpen();
    const job = this.activeJob();
    // the guest may change its buffer meanwhile: source and target get one copy
    const bounce = job ? Buffer.from(data) : data;
    bdrvPwrite(this.source, offset, bounce);
    job?.writeThrough('copy', offset, bounce.length, bounce);
  }

  pwriteZeroes(offset: number, length: number, flags?: WriteZeroesFlags): void {
    this.checkOpen();
    const job = this.activeJob();
    bdrvPwriteZeroes(this.source, offset, length, flags);
    job?.writeThrough('zero', offset, length, null);
  }

  discard(offset: number, length: number): void {
    this.checkOpen();
    const job = this.activeJob();
    bdrvPdiscard(this.source, offset, length);
    job?.writeThrough('discard', offset, length, null);
  }

  flush(): void {
    // bdrv_mirror_top_flush: nothing to flush once the source is gone
    if (this.stop) return;
    bdrvFlush(this.source);
  }

  truncate(_newSize: number, _opts?: TruncateOptions): void {
    throw new BlockIOError(ENOTSUP);
  }

  blockStatus(offset: number, length: number): BlockStatus {
    return bdrvBlockStatus(this.source, offset, length);
  }

  /** bdrv_mirror_top_refresh_filename: the source's name */
  override refreshFilename(): FilenameInfo {
    const inner = this.source.refreshFilename();
    return { exactFilename: inner.filename, fullOpenOptions: inner.fullOpenOptions, filename: inner.filename };
  }
}
