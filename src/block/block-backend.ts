// BlockBackend (block/block-backend.c): the handle a device, a job or the
// monitor holds on a block graph. It owns the error policy, the iostatus,
// I/O accounting, the attached device and its callbacks, the write cache
// switch, throttling limits and the request queue used while drained.
//
// ---------------------------------------------------------------------------
// API (stable; devices in src/hw/ and jobs in src/jobs/ code against it)
//
// Obtaining one (src/block/block-graph.ts, reachable as machine.block):
//   graph.backend(name): BlockBackend | undefined      named (-drive id=) BBs
//   graph.drives: DriveInfo[]                           -drive's legacy info (if=, bus, unit, media)
//   graph.createBackend({ perm?, shared?, ctx? })       anonymous BB (blk_new), no root yet
//   graph.backendForDevice(drive: string)               the named BB, or a new anonymous BB on node X
//   graph.findNode(name) / graph.lookup(device, node)   bdrv_find_node / bdrv_lookup_bs
//   graph.findDevice = (id) => BlockDevice | undefined  hw's qdev lookup (blk_by_qdev_id uses it)
//   graph.monitorRemoveBackend(blk)                     drive auto-del: the name goes away
//   blk.insertNode(node) / blk.removeNode()             blk_insert_bs / blk_remove_bs
//   blk.ref() / blk.unref()                             the last unref removes the root, forgets the BB
//
// For jobs (src/jobs/): graph.attachParent(node, parent: BdrvParent) / detachParent adds a
// non-BB user (kind 'job': perm, shared, desc(), drainedBegin/End/Poll); graph.ref/unref(node);
// node.opBlock/opUnblock(op, reason) ("Node '%s' is busy: %s"); graph.drainedBegin/End(node),
// graph.drainAllBegin/End(); node.dirtyBitmaps (query shapes); node.implicit (mirror_top);
// graph.createImage(BlockdevCreateOptions) is blockdev-create's job body; graph.addNode(bs,
// { nodeName?, implicit? }) registers a driver built elsewhere (mirror_top); graph.replaceNode(from,
// to) moves BlockBackend/job parents of `from` onto `to` (bdrv_replace_node, node parents excepted).
//
// Identity and state:
//   blk.name ('' anonymous)   blk.root: BlockNode | null   blk.nodeName (root's, or undefined)
//   blk.rerror / blk.werror: BlockdevOnError ('report'|'ignore'|'enospc'|'stop'|'auto')
//   blk.setOnError(rerror, werror)                      blk_set_on_error
//   blk.iostatusEnable()   blk.iostatusIsEnabled()   blk.iostatus   blk.iostatusReset()
//   blk.iostatusSetErr(errno)                           only if enabled and currently 'ok'
//   blk.aioContext / blk.setAioContext(ctx)             moves the root subtree too
//   blk.getLength()   blk.isInserted()   blk.isAvailable()   blk.isReadOnly()
//   blk.enableWriteCache (get/set)                      blk_enable_write_cache
//   blk.setPerm(perm, shared)                           blk_set_perm: QmpError on conflict
//                                                       (BLK_PERM_* in permissions.ts)
//   blk.getPerm()
//   blk.throttle / blk.setIoLimits(cfg, group?) / blk.disableIoLimits()   throttle groups;
//                                                       waiting requests go at once when drained
//
// Requests (always complete later, as a bottom half in blk.aioContext, never
// inside the submitting call; ret is 0 or -errno; deterministic per seed):
//   blk.aioPreadv(offset, bytes, cb(ret, data: Buffer), opts?: { into?: Buffer })
//   blk.aioPwritev(offset, data, cb(ret), opts?: { fua?: boolean })
//   blk.aioPwriteZeroes(offset, bytes, cb(ret), opts?: { mayUnmap?: boolean })
//   blk.aioPdiscard(offset, bytes, cb(ret))
//   blk.aioFlush(cb(ret))
//   blk.coPreadv / coPwritev / coFlush ...              the same as CoWait for coroutines (sim/coroutine.ts)
//   blk.syncRequest(start)                              blk_pread-style: wait (AIO_WAIT_WHILE) for one request
//   blk.disableRequestQueuing / blk.allowWriteBeyondEof  job BBs set these
//   blk.inFlight                                        submitted, not yet completed
//   Requests submitted while the BB is quiesced (drained) are queued and
//   dispatched at the last drainedEnd, unless blk.disableRequestQueuing.
//   Every write reaching a node moves its wr_highest_offset and checks its
//   write threshold (BLOCK_WRITE_THRESHOLD).
//
// Error policy (the device decides; the BB only answers and reports):
//   blk.getErrorAction(isRead, errno): 'ignore' | 'report' | 'stop'
//   blk.errorAction(action, isRead, errno)              blk_error_action: iostatus, BLOCK_IO_ERROR,
//                                                       vm_stop(io-error) via system/block-error-action.ts
//
// Accounting (devices call these; query-blockstats reads them):
//   blk.stats: BlockAcctStats
//   blk.acctStart(bytes, 'read'|'write'|'flush'|'unmap') → cookie
//   blk.acctDone(cookie)   blk.acctFailed(cookie)   blk.acctInvalid(type)
//
// Device attachment (blk_attach_dev, blk_set_dev_ops):
//   blk.attachDev(dev: BlockDevice): boolean            false if another device holds it (-EBUSY);
//                                                       resets iostatus
//   blk.detachDev(dev)   blk.dev   blk.setDevOps(ops: BlockDevOps)
//   blk.devChangeMediaCb(load)   blk.devEjectRequest(force)   blk.devIsTrayOpen()
//   blk.devIsMediumLocked()   blk.devHasRemovableMedia()   blk.devHasTray()
//
// Drained sections (bdrv_drained_begin/end on the root, counted, nestable):
//   blk.drainedBegin() / blk.drainedEnd()               quiesce the root node and wait for in-flight I/O
//   blk.drain()                                         blk_drain
//   blk.quiesceCounter                                  > 0 while a drained section covers this BB
// ---------------------------------------------------------------------------

import type { AioContext } from '../sim/aio-context.js';
import type { CoWait } from '../sim/coroutine.js';
import { blkErrorAction, type BlockErrorAction, type BlockIoErrorData } from '../system/block-error-action.js';
import { BlockAcctStats, type BlockAcctCookie, type BlockAcctType } from './block-acct.js';
import type { BdrvParent, BlockNode, DetectZeroes } from './block-node.js';
import { EIO, ENOMEDIUM, ENOSPC, strerror } from './drivers/errno.js';
import { BLK_PERM_ALL } from './permissions.js';
import type { ThrottleConfig, ThrottleGroup, ThrottleState } from './throttle.js';
import { ThrottleQueue } from './throttle-queue.js';
import type { BlockEnv } from './block-env.js';
import { runRequest, type BlockRequest, type RequestOutcome } from './block-request.js';

/** BlockdevOnError (qapi/block-core.json) */
export type BlockdevOnError = 'report' | 'ignore' | 'enospc' | 'stop' | 'auto';
/** BlockDeviceIoStatus */
export type BlockDeviceIoStatus = 'ok' | 'failed' | 'nospace';

/** What the BB knows of the device attached to it (DeviceState). */
export interface BlockDevice {
  /** blk_get_attached_dev_id: the device id if it has one, else its QOM path */
  qdevId(): string;
}

/** BlockDevOps (include/sysemu/block-backend-common.h); all optional. */
export interface BlockDevOps {
  /** the medium was inserted (load) or removed */
  changeMediaCb?(load: boolean): void;
  /** eject / blockdev-open-tray asks the guest to open the tray */
  ejectRequestCb?(force: boolean): void;
  isTrayOpen?(): boolean;
  isMediumLocked?(): boolean;
  resizeCb?(): void;
  drainedBegin?(): void;
  drainedEnd?(): void;
  /** true while the device still has work that the drain must wait for */
  drainedPoll?(): boolean;
}

/** The state kept for a BB without a medium (BlockBackendRootState). */
export interface BlockBackendRootState {
  readOnly: boolean;
  detectZeroes: DetectZeroes;
}

/** The -drive information devices use (DriveInfo, blockdev.h). */
export interface DriveInfo {
  blk: BlockBackend;
  /** BlockInterfaceType: if= */
  type: 'none' | 'ide' | 'scsi' | 'floppy' | 'pflash' | 'mtd' | 'sd' | 'virtio' | 'xen';
  bus: number;
  unit: number;
  /** media=cdrom (IDE/SCSI/none only) */
  mediaCd: boolean;
  /** the raw -drive text */
  text: string;
  /** extra properties for the device if=virtio creates (besides driver and drive; none in 7.2) */
  deviceOpts: Record<string, string>;
}

export interface BlockAIOCB {
  /** the callback ran */
  readonly done: boolean;
}

export interface PreadvOpts {
  /** read into this buffer (its length is the request size); null-co without read-zeroes leaves it untouched */
  into?: Buffer;
}

/** The graph services a BB needs (implemented by BlockGraph). */
export interface BlockBackendHost {
  readonly env: BlockEnv;
  /** Adds `parent` at the head of node's parents and refreshes permissions (QmpError on conflict). */
  attachParent(node: BlockNode, parent: BdrvParent): void;
  detachParent(node: BlockNode, parent: BdrvParent): void;
  refreshPerms(node: BlockNode): void;
  drainedBegin(node: BlockNode): void;
  drainedEnd(node: BlockNode): void;
  setAioContext(node: BlockNode, ctx: AioContext): void;
  forgetBackend(blk: BlockBackend): void;
  /** the throttle group of that name, created with `config` if new */
  throttleGroup(name: string, config: ThrottleConfig): ThrottleGroup;
  /** a member left the group */
  releaseThrottleGroup(group: ThrottleGroup): void;
}

export class BlockBackend {
  rerror: BlockdevOnError = 'report';
  werror: BlockdevOnError = 'enospc';
  iostatus: BlockDeviceIoStatus = 'ok';
  readonly stats: BlockAcctStats;
  /** blk->enable_write_cache */
  enableWriteCache = true;
  /** blk->disable_request_queuing (block jobs set it) */
  disableRequestQueuing = false;
  /** blk->allow_write_beyond_eof */
  allowWriteBeyondEof = false;
  /** blk->quiesce_counter */
  quiesceCounter = 0;
  /** requests dispatched and not yet completed (blk->in_flight) */
  inFlight = 0;
  /** I/O limits (block_set_io_throttle, -drive throttling.*), null when off */
  private throttleGroup: ThrottleGroup | null = null;
  /** requests waiting for their throttle buckets */
  private readonly throttleQueue: ThrottleQueue;
  /** state for a BB with no medium (and after eject) */
  rootState: BlockBackendRootState = { readOnly: false, detectZeroes: 'off' };
  /** -drive's DriveInfo (blk_legacy_dinfo) */
  legacyDinfo: DriveInfo | null = null;
  private perm: number;
  private shared: number;
  private rootNode: BlockNode | null = null;
  private rootEdge: BdrvParent | null = null;
  private iostatusEnabled = false;
  private device: BlockDevice | null = null;
  private devOps: BlockDevOps | null = null;
  private ctx: AioContext;
  private readonly queued: Array<() => void> = [];
  private refs = 1;
  private nextAcb = 0;

  constructor(
    private readonly host: BlockBackendHost,
    /** BB name ('' for anonymous BBs) */
    readonly name: string,
    opts: { perm?: number; shared?: number; ctx?: AioContext } = {},
  ) {
    this.perm = opts.perm ?? 0;
    this.shared = opts.shared ?? BLK_PERM_ALL;
    this.ctx = opts.ctx ?? host.env.kernel.mainContext;
    this.stats = new BlockAcctStats(() => host.env.kernel.nowNs());
    this.throttleQueue = new ThrottleQueue({
      group: () => this.throttleGroup,
      ctx: () => this.ctx,
      nowNs: () => host.env.kernel.nowNs(),
      bypass: () => this.quiesceCounter > 0,
      label: () => this.name || 'blk',
    });
  }

  // ---- graph ----------------------------------------------------------

  get root(): BlockNode | null {
    return this.rootNode;
  }

  get nodeName(): string | undefined {
    return this.rootNode?.nodeName;
  }

  /** blk_insert_bs: attach `node` as the root; QmpError if permissions conflict. */
  insertNode(node: BlockNode): void {
    if (this.rootNode) throw new Error(`BlockBackend '${this.name}' already has a root`);
    const edge: BdrvParent = {
      kind: 'blk',
      childName: 'root',
      role: 0,
      perm: this.perm,
      shared: this.shared,
      blk: this,
      desc: () => this.parentDesc(),
      drainedBegin: () => this.rootDrainedBegin(),
      drainedEnd: () => this.rootDrainedEnd(),
      drainedPoll: () => this.inFlight > 0 || (this.devOps?.drainedPoll?.() ?? false),
    };
    this.host.attachParent(node, edge);
    this.rootNode = node;
    this.rootEdge = edge;
    if (node.aioContext !== this.ctx) this.ctx = node.aioContext;
  }

  /** blk_remove_bs */
  removeNode(): void {
    const node = this.rootNode;
    if (!node || !this.rootEdge) return;
    this.drain();
    this.rootState = { readOnly: node.readOnly, detectZeroes: node.flags.detectZeroes };
    const edge = this.rootEdge;
    this.rootNode = null;
    this.rootEdge = null;
    this.host.detachParent(node, edge);
  }

  /** @internal the graph moved this BB's root edge (bdrv_replace_node) */
  _retarget(node: BlockNode): void {
    this.rootNode = node;
  }

  /** blk_set_perm */
  setPerm(perm: number, shared: number): void {
    const edge = this.rootEdge;
    const old = { perm: this.perm, shared: this.shared };
    this.perm = perm;
    this.shared = shared;
    if (!edge || !this.rootNode) return;
    edge.perm = perm;
    edge.shared = shared;
    try {
      this.host.refreshPerms(this.rootNode);
    } catch (e) {
      this.perm = edge.perm = old.perm;
      this.shared = edge.shared = old.shared;
      this.host.refreshPerms(this.rootNode);
      throw e;
    }
  }

  getPerm(): { perm: number; shared: number } {
    return { perm: this.perm, shared: this.shared };
  }

  ref(): void {
    this.refs++;
  }

  /** blk_unref: the last reference removes the root and forgets the BB. */
  unref(): void {
    if (--this.refs > 0) return;
    this.disableIoLimits();
    this.removeNode();
    this.host.forgetBackend(this);
  }

  get aioContext(): AioContext {
    return this.ctx;
  }

  /** blk_set_aio_context: the BB and its root subtree move. */
  setAioContext(ctx: AioContext): void {
    if (this.rootNode) this.host.setAioContext(this.rootNode, ctx);
    this.ctx = ctx;
  }

  getLength(): number {
    if (!this.rootNode) return -ENOMEDIUM;
    return this.rootNode.bs.getLength();
  }

  /** blk_is_inserted */
  isInserted(): boolean {
    return this.rootNode !== null && !this.rootNode.closed;
  }

  /** blk_is_available: inserted and the tray is closed */
  isAvailable(): boolean {
    return this.isInserted() && !this.devIsTrayOpen();
  }

  isReadOnly(): boolean {
    return this.rootNode ? this.rootNode.readOnly : this.rootState.readOnly;
  }

  /** "block device 'name'", the device's id, or "an unnamed block device" (blk_root_get_parent_desc) */
  parentDesc(): string {
    if (this.name) return `block device '${this.name}'`;
    const id = this.device?.qdevId() ?? '';
    return id ? `block device '${id}'` : 'an unnamed block device';
  }

  // ---- I/O limits ------------------------------------------------------------

  /** The group and limits query-block reports, null when not throttled. */
  get throttle(): ThrottleState | null {
    return this.throttleGroup;
  }

  /**
   * blk_io_limits_enable + blk_set_io_limits: join `group` (kept if already
   * a member and group is undefined) and set the group's limits.
   */
  setIoLimits(config: ThrottleConfig, group: string | undefined): void {
    const name = group ?? this.throttleGroup?.group ?? this.name;
    if (!this.throttleGroup || this.throttleGroup.group !== name) {
      if (this.throttleGroup) this.host.releaseThrottleGroup(this.throttleGroup);
      this.throttleGroup = this.host.throttleGroup(name, config);
    }
    this.throttleGroup.config = config;
    this.throttleQueue.restart();
  }

  /** blk_io_limits_disable */
  disableIoLimits(): void {
    if (!this.throttleGroup) return;
    const g = this.throttleGroup;
    this.throttleGroup = null;
    this.throttleQueue.restart();
    this.host.releaseThrottleGroup(g);
  }

  // ---- error policy and iostatus ----------------------------------------

  setOnError(rerror: BlockdevOnError, werror: BlockdevOnError): void {
    this.rerror = rerror;
    this.werror = werror;
  }

  /** blk_iostatus_enable (devices call it at realize) */
  iostatusEnable(): void {
    this.iostatusEnabled = true;
    this.iostatus = 'ok';
  }

  /** blk_iostatus_is_enabled: only with a policy that can stop the VM */
  iostatusIsEnabled(): boolean {
    return this.iostatusEnabled && (this.werror === 'enospc' || this.werror === 'stop' || this.rerror === 'stop');
  }

  iostatusReset(): void {
    if (this.iostatusIsEnabled()) this.iostatus = 'ok';
  }

  /** blk_iostatus_set_err: the first error wins */
  iostatusSetErr(errno: number): void {
    if (this.iostatusIsEnabled() && this.iostatus === 'ok') this.iostatus = errno === ENOSPC ? 'nospace' : 'failed';
  }

  /** blk_get_error_action */
  getErrorAction(isRead: boolean, errno: number): BlockErrorAction {
    const policy = isRead ? this.rerror : this.werror;
    switch (policy) {
      case 'enospc':
        return errno === ENOSPC ? 'stop' : 'report';
      case 'stop':
        return 'stop';
      case 'report':
        return 'report';
      case 'ignore':
        return 'ignore';
      case 'auto':
        // devices resolve 'auto' at realize; treat a leftover like the BB default
        return errno === ENOSPC ? 'stop' : 'report';
    }
  }

  /** blk_error_action: iostatus, BLOCK_IO_ERROR, and for stop the vmstop request. */
  errorAction(action: BlockErrorAction, isRead: boolean, errno: number): void {
    // members in the QDict order QEMU sends them (action follows)
    const data = {
      device: this.name,
      ...(this.iostatusIsEnabled() ? { nospace: errno === ENOSPC } : {}),
      ...(this.rootNode ? { 'node-name': this.rootNode.nodeName } : {}),
      reason: strerror(errno),
      operation: isRead ? 'read' : 'write',
    } as Omit<BlockIoErrorData, 'action'>;
    blkErrorAction(this.host.env.vm, action, { setIostatus: () => this.iostatusSetErr(errno), data });
  }

  // ---- accounting -----------------------------------------------------------

  acctStart(bytes: number, type: BlockAcctType): BlockAcctCookie {
    return this.stats.start(bytes, type);
  }

  acctDone(cookie: BlockAcctCookie): void {
    this.stats.done(cookie);
  }

  acctFailed(cookie: BlockAcctCookie): void {
    this.stats.failed(cookie);
  }

  acctInvalid(type: BlockAcctType): void {
    this.stats.invalid(type);
  }

  // ---- device ---------------------------------------------------------------

  get dev(): BlockDevice | null {
    return this.device;
  }

  /** blk_attach_dev: false (EBUSY) if a device is attached already. */
  attachDev(dev: BlockDevice): boolean {
    if (this.device) return false;
    this.ref();
    this.device = dev;
    this.iostatusReset();
    return true;
  }

  /** blk_detach_dev */
  detachDev(dev: BlockDevice): void {
    if (this.device !== dev) return;
    this.device = null;
    this.devOps = null;
    this.iostatusEnabled = false;
    this.unref();
  }

  setDevOps(ops: BlockDevOps | null): void {
    this.devOps = ops;
  }

  /** blk_dev_change_media_cb (also emits nothing itself; the device does) */
  devChangeMediaCb(load: boolean): void {
    this.devOps?.changeMediaCb?.(load);
  }

  devEjectRequest(force: boolean): void {
    this.devOps?.ejectRequestCb?.(force);
  }

  /** blk_dev_has_removable_media: no device, or one with change_media_cb */
  devHasRemovableMedia(): boolean {
    return !this.device || !!this.devOps?.changeMediaCb;
  }

  devHasTray(): boolean {
    return !!this.devOps?.isTrayOpen;
  }

  devIsTrayOpen(): boolean {
    return this.devOps?.isTrayOpen?.() ?? false;
  }

  devIsMediumLocked(): boolean {
    return this.devOps?.isMediumLocked?.() ?? false;
  }

  devResizeCb(): void {
    this.devOps?.resizeCb?.();
  }

  // ---- drained sections -------------------------------------------------

  /** bdrv_drained_begin on the root: quiesce every parent and wait for in-flight I/O. */
  drainedBegin(): void {
    if (this.rootNode) this.host.drainedBegin(this.rootNode);
    else this.rootDrainedBegin();
  }

  drainedEnd(): void {
    if (this.rootNode) this.host.drainedEnd(this.rootNode);
    else this.rootDrainedEnd();
  }

  /** blk_drain */
  drain(): void {
    if (this.rootNode) {
      this.drainedBegin();
      this.drainedEnd();
    }
    const kernel = this.host.env.kernel;
    if (this.inFlight > 0) kernel.aioWait.waitWhile(this.ctx, () => this.inFlight > 0);
  }

  /** blk_root_drained_begin (the graph calls it on the root edge): throttled requests go at once */
  private rootDrainedBegin(): void {
    if (++this.quiesceCounter === 1) {
      this.devOps?.drainedBegin?.();
      this.throttleQueue.restart();
    }
  }

  /** blk_root_drained_end: the last end releases queued requests */
  private rootDrainedEnd(): void {
    if (this.quiesceCounter <= 0) return;
    if (--this.quiesceCounter === 0) {
      this.devOps?.drainedEnd?.();
      for (const go of this.queued.splice(0)) go();
    }
  }

  // ---- requests ---------------------------------------------------------------

  aioPreadv(offset: number, bytes: number, cb: (ret: number, data: Buffer) => void, opts: PreadvOpts = {}): BlockAIOCB {
    const buf = opts.into ?? Buffer.alloc(bytes);
    return this.submit({ kind: 'read', offset, bytes: buf.length, buf }, (ret) => cb(ret, buf));
  }

  aioPwritev(offset: number, data: Buffer, cb: (ret: number) => void, opts: { fua?: boolean } = {}): BlockAIOCB {
    return this.submit({ kind: 'write', offset, bytes: data.length, buf: data, fua: opts.fua }, cb);
  }

  aioPwriteZeroes(offset: number, bytes: number, cb: (ret: number) => void, opts: { mayUnmap?: boolean } = {}): BlockAIOCB {
    return this.submit({ kind: 'write-zeroes', offset, bytes, mayUnmap: opts.mayUnmap }, cb);
  }

  aioPdiscard(offset: number, bytes: number, cb: (ret: number) => void): BlockAIOCB {
    return this.submit({ kind: 'discard', offset, bytes }, cb);
  }

  aioFlush(cb: (ret: number) => void): BlockAIOCB {
    return this.submit({ kind: 'flush', offset: 0, bytes: 0 }, cb);
  }

  coPreadv(offset: number, bytes: number, opts: PreadvOpts = {}): CoWait<{ ret: number; data: Buffer }> {
    return (wake) => {
      this.aioPreadv(offset, bytes, (ret, data) => wake({ ret, data }), opts);
    };
  }

  coPwritev(offset: number, data: Buffer, opts: { fua?: boolean } = {}): CoWait<number> {
    return (wake) => {
      this.aioPwritev(offset, data, wake, opts);
    };
  }

  coPwriteZeroes(offset: number, bytes: number, opts: { mayUnmap?: boolean } = {}): CoWait<number> {
    return (wake) => {
      this.aioPwriteZeroes(offset, bytes, wake, opts);
    };
  }

  coPdiscard(offset: number, bytes: number): CoWait<number> {
    return (wake) => {
      this.aioPdiscard(offset, bytes, wake);
    };
  }

  coFlush(): CoWait<number> {
    return (wake) => {
      this.aioFlush(wake);
    };
  }

  /**
   * Runs one request and blocks the calling thread (AIO_WAIT_WHILE) until
   * it completes, as blk_pread/blk_pwrite do outside coroutines (HMP
   * qemu-io, block_resize's helpers). Returns ret (0 or -errno).
   */
  syncRequest(start: (cb: (ret: number) => void) => void): number {
    let ret: number | undefined;
    start((r) => (ret = r));
    this.host.env.kernel.aioWait.waitWhile(this.ctx, () => ret === undefined);
    return ret!;
  }

  private submit(req: BlockRequest, cb: (ret: number) => void): BlockAIOCB {
    const acb = { id: this.nextAcb++, done: false };
    const go = () => this.throttleQueue.intercept(req, () => this.dispatch(req, acb, cb));
    if (this.quiesceCounter > 0 && !this.disableRequestQueuing) this.queued.push(go);
    else go();
    return acb;
  }

  private dispatch(req: BlockRequest, acb: { id: number; done: boolean }, cb: (ret: number) => void): void {
    const env = this.host.env;
    const ctx = this.ctx;
    const node = this.rootNode;
    this.inFlight++;
    let outcome: RequestOutcome;
    if (!node || !this.isAvailable()) outcome = { ret: -ENOMEDIUM, latencyNs: 0 };
    else if (!this.checkByteRequest(node, req)) outcome = { ret: -EIO, latencyNs: 0 };
    else {
      if (req.kind === 'write' && !this.enableWriteCache) req = { ...req, fua: true };
      outcome = runRequest(node, req, env.log);
    }
    if (node) node.inFlight++;
    const complete = () => {
      if (node) node.inFlight--;
      acb.done = true;
      try {
        cb(outcome.ret);
      } finally {
        this.inFlight--;
        env.kernel.aioWait.kick();
      }
    };
    const label = `${this.name || node?.nodeName || 'blk'} ${req.kind} ${acb.id}`;
    if (outcome.latencyNs > 0) env.kernel.hostIo.submit(ctx, outcome.latencyNs, complete, label);
    else ctx.bhScheduleOneshot(complete, `${label} complete`);
  }

  /** blk_check_byte_request */
  private checkByteRequest(node: BlockNode, req: BlockRequest): boolean {
    if (req.kind === 'flush') return true;
    if (req.offset < 0 || req.bytes < 0) return false;
    if (!this.allowWriteBeyondEof) {
      const len = node.bs.getLength();
      if (req.offset > len || len - req.offset < req.bytes) return false;
    }
    return true;
  }
}
