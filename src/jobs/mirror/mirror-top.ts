// The mirror_top filter (block/mirror.c bdrv_mirror_top): an implicit node
// inserted above the mirror source. Every request passes through to its
// 'backing' child (the source), so guest writes reach the source's dirty
// bitmap through the source's own write path.

import type { BlockDriverState, BlockStatus, FilenameInfo, TruncateOptions, WriteZeroesFlags } from '../../block/drivers/block-driver.js';
import { BlockDriverBase } from '../../block/drivers/driver-base.js';
import { bdrvBlockStatus, bdrvFlush, bdrvPdiscard, bdrvPread, bdrvPwrite, bdrvPwriteZeroes } from '../../block/drivers/generic-io.js';
import { BlockIOError } from '../../block/drivers/block-driver.js';
import { ENOTSUP } from '../../block/drivers/errno.js';

export class MirrorTopDriver extends BlockDriverBase {
  readonly format = 'mirror_top';
  override readonly isFilter = true;
  /** bs_opaque->stop: the job is going away, nothing is forwarded any more */
  stop = false;

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

  pwrite(offset: number, data: Buffer): void {
    this.checkOpen();
    bdrvPwrite(this.source, offset, data);
  }

  pwriteZeroes(offset: number, length: number, flags?: WriteZeroesFlags): void {
    this.checkOpen();
    bdrvPwriteZeroes(this.source, offset, length, flags);
  }

  discard(offset: number, length: number): void {
    this.checkOpen();
    bdrvPdiscard(this.source, offset, length);
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

  override getInfo(): { clusterSize: number; isDirty: boolean } | null {
    return null;
  }
}
