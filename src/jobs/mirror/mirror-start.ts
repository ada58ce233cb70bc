// Starting a mirror (blockdev.c qmp_drive_mirror, qmp_blockdev_mirror,
// blockdev_mirror_common; block/mirror.c mirror_start, mirror_start_job):
// the argument checks in QEMU's order, target creation for drive-mirror,
// the mirror_top filter, the job, its target BlockBackend and dirty bitmap.

import { optionsForFilename } from '../../block/drivers/protocol-filename.js';
import { QmpError } from '../../qapi/error.js';
import type { BlockGraph } from '../../block/block-graph.js';
import type { BlockNode } from '../../block/block-node.js';
import type { BlockdevOnError } from '../../block/block-backend.js';
import { BlockGenericError, BlockIOError } from '../../block/drivers/block-driver.js';
import { createDirtyBitmap, defaultBitmapGranularity, releaseDirtyBitmap } from '../../block/dirty-bitmap.js';
import { BLK_PERM_CONSISTENT_READ, BLK_PERM_WRITE, BLK_PERM_WRITE_UNCHANGED, BLK_PERM_ALL } from '../../block/permissions.js';
import { createImageFile, createOpenContext } from '../../block/drivers/registry.js';
import { probeImageFile } from '../../block/drivers/probe-file.js';
import type { OptionBag } from '../../block/drivers/options.js';
import { Job } from '../job.js';
import type { JobRegistry } from '../job-registry.js';
import { MirrorTopDriver } from './mirror-top.js';
import { DEFAULT_MIRROR_BUF_SIZE } from './mirror-ops.js';
import { recurseCanReplace } from './mirror-replace.js';
import { insertFilter, MirrorJob, type MirrorBackingMode, type MirrorCopyMode } from './mirror-job.js';

export type MirrorSyncMode = 'top' | 'full' | 'none' | 'incremental' | 'bitmap';

/** The arguments drive-mirror and blockdev-mirror share (as validated by the schema). */
export interface MirrorOptions {
  'job-id'?: string;
  replaces?: string;
  sync: MirrorSyncMode;
  speed?: number;
  granularity?: number;
  'buf-size'?: number;
  'on-source-error'?: BlockdevOnError;
  'on-target-error'?: BlockdevOnError;
  'copy-mode'?: MirrorCopyMode;
  'auto-finalize'?: boolean;
  'auto-dismiss'?: boolean;
}

export interface DriveMirrorArgs extends MirrorOptions {
  device: string;
  target: string;
  format?: string;
  'node-name'?: string;
  mode?: 'existing' | 'absolute-paths';
  unmap?: boolean;
}

export interface BlockdevMirrorArgs extends MirrorOptions {
  device: string;
  target: string;
  'filter-node-name'?: string;
}

/** Block-layer errors as QMP errors (GenericError with QEMU's text). */
function qmpError(e: unknown): unknown {
  if (e instanceof BlockGenericError || e instanceof BlockIOError) return QmpError.generic(e.message);
  return e;
}

/** qmp_get_root_bs */
export function getRootBs(graph: BlockGraph, name: string): BlockNode {
  const bs = graph.lookup(name, name);
  if (bs.parents.some((p) => p.kind !== 'blk')) throw QmpError.generic('Need a root block node');
  if (bs.closed) throw QmpError.generic('Device has no medium');
  return bs;
}

function opBlocked(node: BlockNode, op: 'mirror-source' | 'mirror-target'): void {
  const msg = node.opBlockedMessage(op);
  if (msg) throw QmpError.generic(msg);
}

function backingNode(node: BlockNode): BlockNode | null {
  return node.children().find((c) => c.name === 'backing')?.node ?? null;
}

interface CommonArgs extends MirrorOptions {
  bs: BlockNode;
  target: BlockNode;
  backingMode: MirrorBackingMode;
  zeroTarget: boolean;
  unmap: boolean;
  filterNodeName?: string;
}

/** blockdev_mirror_common + mirror_start */
function mirrorCommon(graph: BlockGraph, jobs: JobRegistry, a: CommonArgs): MirrorJob {
  const granularity = a.granularity ?? 0;
  if (granularity !== 0 && (granularity < 512 || granularity > 64 * 1048576)) {
    throw QmpError.generic("Parameter 'granularity' expects a value in range [512B, 64MB]");
  }
  if (granularity & (granularity - 1)) throw QmpError.generic("Parameter 'granularity' expects a power of 2");
  opBlocked(a.bs, 'mirror-source');
  opBlocked(a.target, 'mirror-target');
  let sync = a.sync;
  if (!backingNode(a.bs) && sync === 'top') sync = 'full';
  if (a.replaces !== undefined) {
    const toReplace = graph.findNode(a.replaces);
    if (!toReplace) throw QmpError.generic(`Failed to find node with node-name='${a.replaces}'`);
    const opMsg = toReplace.opBlockedMessage('drive-del');
    if (opMsg && toReplace !== a.bs) throw QmpError.generic(opMsg);
    if (!recurseCanReplace(a.bs, toReplace)) {
      throw QmpError.generic(
        `Cannot replace '${a.replaces}' by a node mirrored from '${a.bs.nodeName}', because it cannot be guaranteed that doing so would not lead to an abrupt change of visible data`,
      );
    }
    if (a.bs.bs.getLength() !== toReplace.bs.getLength()) throw QmpError.generic('cannot replace image with a mirror image of different size');
  }
  // mirror_start
  if (sync === 'incremental' || sync === 'bitmap') throw QmpError.generic(`Sync mode '${sync}' not supported`);
  const base = sync === 'top' ? backingNode(a.bs) : null;
  return startJob(graph, jobs, { ...a, sync, granularity }, base);
}

/** mirror_start_job */
function startJob(graph: BlockGraph, jobs: JobRegistry, a: CommonArgs & { granularity: number }, base: BlockNode | null): MirrorJob {
  const granularity = a.granularity || defaultBitmapGranularity(a.target);
  let bufSize = a['buf-size'] ?? 0;
  if (bufSize < 0) throw QmpError.generic("Invalid parameter 'buf-size'");
  if (bufSize === 0) bufSize = DEFAULT_MIRROR_BUF_SIZE;
  if (a.bs === a.target) throw QmpError.generic("Can't mirror node into itself");

  const topDriver = new MirrorTopDriver(a.bs.bs);
  const top = graph.addNode(topDriver, { nodeName: a.filterNodeName, implicit: a.filterNodeName === undefined });
  // mirror_top is opened with BDRV_O_RDWR only: discards through it are ignored
  top.flags.unmap = false;
  const undoFilter = () => {
    topDriver.stop = true;
    topDriver.job = null;
    try {
      // the stopped filter claims nothing on the source any more (bdrv_child_refresh_perms)
      graph.refreshPerms(top);
      graph.replaceNode(top, a.bs);
    } catch (e) {
      jobs.env.log(`mirror: removing the filter after a failed start: ${(e as Error)?.message ?? String(e)}`);
    }
    graph.unref(top);
  };
  try {
    insertFilter(graph, a.bs, top);
  } catch (e) {
    graph.unref(top);
    throw e;
  }

  let job: MirrorJob | undefined;
  try {
    const id = a['job-id'] ?? graph.deviceNameOf(top);
    Job.checkId(jobs.env, id);
    // qemu_cleanup cancels every job (job_cancel_sync_all)
    jobs.bindExit(graph.env.vm.hooks.exit);
    job = new MirrorJob(
      jobs.env,
      graph,
      { id, autoFinalize: a['auto-finalize'] ?? true, autoDismiss: a['auto-dismiss'] ?? true },
      {
        source: a.bs,
        mirrorTop: top,
        topDriver,
        targetNode: a.target,
        replaces: a.replaces ?? null,
        isNoneMode: a.sync === 'none',
        backingMode: a.backingMode,
        zeroTarget: a.zeroTarget,
        copyMode: a['copy-mode'] ?? 'background',
        onSourceError: a['on-source-error'] ?? 'report',
        onTargetError: a['on-target-error'] ?? 'report',
        granularity,
        bufSize: Math.ceil(bufSize / granularity) * granularity,
        unmap: a.unmap,
        base,
      },
    );
    // no resize of the source while the job runs
    job.create(BLK_PERM_CONSISTENT_READ, BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE_UNCHANGED | BLK_PERM_WRITE, a.speed ?? 0);
  } catch (e) {
    undoFilter();
    throw e;
  }

  try {
    const blk = graph.createBackend({ perm: BLK_PERM_WRITE, shared: BLK_PERM_WRITE_UNCHANGED, ctx: a.target.aioContext });
    job.target = blk;
    blk.insertNode(a.target);
    blk.disableRequestQueuing = true;
    job.bitmap = createDirtyBitmap(a.bs, granularity, null);
    // active mirroring writes guest writes through itself: the bitmap does not record them
    if (job.cfg.copyMode === 'write-blocking') job.bitmap.disabled = true;
    topDriver.job = job;
    job.addBdrv('source', a.bs, 0, BLK_PERM_WRITE_UNCHANGED | BLK_PERM_WRITE | BLK_PERM_CONSISTENT_READ);
    job.addBdrv('target', a.target, 0, BLK_PERM_ALL);
  } catch (e) {
    job.target?.unref();
    job.target = null;
    if (job.bitmap) releaseDirtyBitmap(a.bs, job.bitmap);
    job.bitmap = null;
    job.earlyFail();
    undoFilter();
    throw qmpError(e);
  }
  job.start();
  return job;
}

/** qmp_blockdev_mirror */
export function blockdevMirror(graph: BlockGraph, jobs: JobRegistry, a: BlockdevMirrorArgs): void {
  const bs = getRootBs(graph, a.device);
  const target = graph.lookup(a.target, a.target);
  mirrorCommon(graph, jobs, {
    ...a,
    bs,
    target,
    backingMode: 'leave-backing-chain',
    zeroTarget: a.sync === 'full',
    unmap: true,
    filterNodeName: a['filter-node-name'],
  });
}

/** bdrv_has_zero_init of a freshly opened target */
function hasZeroInit(node: BlockNode): boolean {
  let n: BlockNode | undefined = node;
  for (let i = 0; n && i < 8; i++) {
    if (n.format === 'file') return true;
    if (n.format !== 'raw' && n.format !== 'qcow2') return false;
    if (n.format === 'qcow2') return true;
    n = n.children().find((c) => c.name === 'file')?.node;
  }
  return false;
}

/** qmp_drive_mirror: create (or open) the target image, then mirror to it */
export function driveMirror(graph: BlockGraph, jobs: JobRegistry, a: DriveMirrorArgs): void {
  const bs = getRootBs(graph, a.device);
  opBlocked(bs, 'mirror-source');
  const mode = a.mode ?? 'absolute-paths';
  let format = a.format ?? (mode === 'existing' ? undefined : bs.format);
  let sync = a.sync;
  let targetBacking = backingNode(bs);
  if (!targetBacking && sync === 'top') sync = 'full';
  if (sync === 'none') targetBacking = bs;
  const size = bs.bs.getLength();
  if (a.replaces !== undefined && a['node-name'] === undefined) {
    throw QmpError.generic('a node-name must be provided when replacing a named node of the graph');
  }
  const backingMode: MirrorBackingMode = mode === 'absolute-paths' ? 'source-backing-chain' : 'open-backing-chain';
  const policy = graph.env.policy;
  try {
    if ((sync === 'full' || !targetBacking) && mode !== 'existing') {
      createImageFile({ filename: a.target, format: format as 'raw' | 'qcow2', size }, createOpenContext({ policy }));
    } else if (mode === 'absolute-paths' && targetBacking) {
      createImageFile(
        { filename: a.target, format: format as 'raw' | 'qcow2', size, backingFile: targetBacking.bs.filename, backingFormat: targetBacking.format },
        createOpenContext({ policy }),
      );
    }
  } catch (e) {
    throw qmpError(e);
  }
  format ??= probeImageFile(policy, probePath(a.target));
  const options: OptionBag = {
    driver: format,
    ...(a['node-name'] !== undefined ? { 'node-name': a['node-name'] } : {}),
    // a protocol prefix (blkdebug:CONFIG:IMAGE) picks its driver, as bdrv_open of a filename does
    file: optionsForFilename(a.target),
    discard: bs.flags.unmap ? 'unmap' : 'ignore',
    // BDRV_O_NO_BACKING in every mode: mirror takes care of the backing chain
    // (mode=existing opens the target's own chain when the job completes)
    ...(format === 'qcow2' ? { backing: null } : {}),
  };
  let target: BlockNode;
  try {
    target = graph.openNode(options);
  } catch (e) {
    throw qmpError(e);
  }
  const zeroTarget = sync === 'full' && (mode === 'existing' || !hasZeroInit(target));
  try {
    mirrorCommon(graph, jobs, { ...a, sync, bs, target, backingMode, zeroTarget, unmap: a.unmap ?? true });
  } catch (e) {
    graph.discardNode(target);
    throw e;
  }
}

/** The host file a format probe reads for `filename`: through protocol filters (blkdebug:CONFIG:IMAGE) to the file. */
function probePath(filename: string): string {
  let opts: OptionBag = optionsForFilename(filename);
  while (opts.driver !== 'file' && typeof opts.image === 'object' && opts.image !== null) opts = opts.image as OptionBag;
  return opts.driver === 'file' && typeof opts.filename === 'string' ? opts.filename : filename;
}
