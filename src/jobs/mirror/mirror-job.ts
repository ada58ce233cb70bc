// The mirror block job (block/mirror.c): copies the source (below the
// mirror_top filter) to the target BlockBackend, tracking guest writes in a
// dirty bitmap on the source; READY once converged; on complete it drains
// the source, re-checks, and exits with the drain HELD; prepare switches the
// graph (replaceNode) and only then ends the drains, so guest requests that
// arrived meanwhile were queued and now go to the target.

import { QmpError } from '../../qapi/error.js';
import type { CoWait } from '../../sim/coroutine.js';
import type { BlockGraph } from '../../block/block-graph.js';
import type { BlockNode, BlockOpType } from '../../block/block-node.js';
import type { BlockBackend, BlockdevOnError } from '../../block/block-backend.js';
import { quiesce, unquiesce } from '../../block/block-drain.js';
import { blockStatusAbove, isAllocatedAbove } from '../../block/drivers/block-status.js';
import { runRequest } from '../../block/block-request.js';
import type { BdrvDirtyBitmap } from '../../block/dirty-bitmap.js';
import { releaseDirtyBitmap } from '../../block/dirty-bitmap.js';
import { BLOCK_JOB_SLICE_TIME_NS, BlockJob } from '../block-job.js';
import type { JobBody, JobCreateOptions, JobEnv, JobStep, JobType } from '../job.js';
import type { ActiveMirror, MirrorTopDriver } from './mirror-top.js';
import { openBackingFile, recurseCanReplace, replaceNodeAllParents } from './mirror-replace.js';
import { MAX_IN_FLIGHT, MAX_IO_BYTES, newOp, nodeRead, restartAll, type MirrorMethod, type MirrorOp } from './mirror-ops.js';

const EINVAL = 22;
const EPERM = 1;
const INT_MAX = 0x7fffffff;
/** IOV_MAX: mirror's max_iov */
const MAX_IOV = 1024;

/** BlockMirrorBackingMode */
export type MirrorBackingMode = 'source-backing-chain' | 'open-backing-chain' | 'leave-backing-chain';
export type MirrorCopyMode = 'background' | 'write-blocking';

const REPLACE_BLOCKER = 'block device is in use by block-job-complete';
const ALL_OPS: readonly BlockOpType[] = ['drive-del', 'resize', 'mirror-source', 'mirror-target', 'backup-source', 'commit-source', 'dataplane'];

export interface MirrorJobConfig {
  source: BlockNode;
  mirrorTop: BlockNode;
  topDriver: MirrorTopDriver;
  targetNode: BlockNode;
  replaces: string | null;
  isNoneMode: boolean;
  backingMode: MirrorBackingMode;
  zeroTarget: boolean;
  copyMode: MirrorCopyMode;
  onSourceError: BlockdevOnError;
  onTargetError: BlockdevOnError;
  granularity: number;
  bufSize: number;
  unmap: boolean;
  /** sync=top: the source's backing node (the target's backing at completion) */
  base: BlockNode | null;
}

type Wait = CoWait<unknown>;

export class MirrorJob extends BlockJob implements ActiveMirror {
  readonly type: JobType = 'mirror';
  protected override readonly supportsComplete = true;
  readonly cfg: MirrorJobConfig;
  target: BlockBackend | null = null;
  bitmap: BdrvDirtyBitmap | null = null;
  shouldComplete = false;
  /** s->in_drain: the job holds a drained section on the source */
  inDrain = false;
  private prepared = false;
  private toReplace: BlockNode | null = null;
  /** s->ret: the first reported copy error */
  private sret = 0;
  private bdevLength = 0;
  private inFlight = 0;
  private bytesInFlight = 0;
  private bufFreeCount = 0;
  private inFlightBitmap = new Uint8Array(0);
  private readonly ops: MirrorOp[] = [];
  /** copies waiting for buffer chunks (their coroutines block in mirror_co_read) */
  private readonly waitingForBuffers: MirrorOp[] = [];
  private initialZeroingOngoing = false;
  private lastPauseNs = 0;
  /** the dirty bitmap iterator's position */
  private dbiPos = 0;

  constructor(env: JobEnv, graph: BlockGraph, opts: JobCreateOptions, cfg: MirrorJobConfig) {
    super(env, graph, opts);
    this.cfg = cfg;
  }

  /** block_job_create's part (main node = mirror_top; no resize of the source meanwhile) */
  create(perm: number, shared: number, speed: number): void {
    this.setup(this.cfg.mirrorTop, perm, shared, speed);
  }

  private get granularity(): number {
    return this.cfg.granularity;
  }

  private get bufSize(): number {
    return this.cfg.bufSize;
  }

  // ---- waiting -------------------------------------------------------------------

  /** mirror_wait_for_free_in_flight_slot */
  private *waitForFreeSlot(): JobStep {
    const op = this.ops.find((o) => !o.isPseudo && o.isInFlight);
    if (!op) {
      yield ((wake) => wake(undefined)) as Wait;
      return;
    }
    yield ((wake) => void op.waiters.push(() => wake(undefined))) as Wait;
  }

  /** mirror_wait_for_all_io (also the .pause callback) */
  private *waitForAllIo(): JobStep {
    while (this.inFlight > 0 || this.waitingForBuffers.length > 0) yield* this.waitForFreeSlot();
  }

  protected override *pauseHook(): JobStep {
    yield* this.waitForAllIo();
  }

  private chunkInFlight(chunk: number): boolean {
    return this.inFlightBitmap[chunk] === 1;
  }

  /** mirror_wait_on_conflicts (self null: the job itself) */
  private *waitOnConflicts(self: MirrorOp | null, offset: number, bytes: number): JobStep {
    const g = this.granularity;
    const start = Math.floor(offset / g);
    const end = Math.ceil((offset + bytes) / g);
    for (;;) {
      let busy = false;
      for (let c = start; c < end; c++) if (this.chunkInFlight(c)) busy = true;
      if (!busy || this.sret < 0) return;
      const op = this.ops.find((o) => {
        if (o === self) return false;
        const os = Math.floor(o.offset / g);
        const oe = Math.ceil((o.offset + o.bytes) / g);
        return os < end && start < oe && !(self && o.waitingForOp);
      });
      if (!op) return;
      if (self) self.waitingForOp = op;
      yield ((wake) => void op.waiters.push(() => wake(undefined))) as Wait;
      if (self) self.waitingForOp = null;
    }
  }

  // ---- ops ----------------------------------------------------------------------------

  /** mirror_perform: start one op; returns the bytes it handles */
  private perform(offset: number, bytes: number, method: MirrorMethod): number {
    const op = newOp(offset, bytes, method);
    this.ops.push(op);
    if (method === 'copy') {
      op.bytes = Math.min(this.bufSize, this.granularity * MAX_IOV, op.bytes);
      op.chunks = Math.ceil(op.bytes / this.granularity);
      if (this.bufFreeCount < op.chunks) this.waitingForBuffers.push(op);
      else this.startCopy(op);
      return op.bytes;
    }
    this.inFlight++;
    this.bytesInFlight += op.bytes;
    op.isInFlight = true;
    const target = this.target!;
    const done = (ret: number) => this.writeComplete(op, ret);
    if (method === 'zero') target.aioPwriteZeroes(op.offset, op.bytes, done, { mayUnmap: this.cfg.unmap });
    else target.aioPdiscard(op.offset, op.bytes, done);
    return op.bytes;
  }

  /** mirror_co_read once it has its buffer chunks */
  private readonly bufPool: Buffer[] = [];
  private readonly opBuf = new Map<MirrorOp, Buffer>();

  private startCopy(op: MirrorOp): void {
    this.bufFreeCount -= op.chunks;
    this.inFlight++;
    this.bytesInFlight += op.bytes;
    op.isInFlight = true;
    // mirror.c allocates s->buf once; fresh host buffers per copy are slow to fault in
    let whole = this.bufPool.pop();
    if (!whole || whole.length < op.bytes) whole = Buffer.allocUnsafe(Math.max(op.bytes, MAX_IO_BYTES));
    this.opBuf.set(op, whole);
    const buf = whole.subarray(0, op.bytes);
    op.buf = buf;
    nodeRead(this.env.kernel, this.cfg.source, op.offset, buf, this.env.log, (ret) => {
      op.buf = null;
      if (ret < 0) {
        this.bitmap?.setDirty(op.offset, op.bytes);
        const action = this.mirrorErrorAction(true, -ret);
        if (action === 'report' && this.sret >= 0) this.sret = ret;
        this.iterationDone(op, ret);
        return;
      }
      const target = this.target;
      if (!target) return this.iterationDone(op, -5);
      target.aioPwritev(op.offset, buf, (r) => this.writeComplete(op, r));
    });
  }

  /** mirror_write_complete */
  private writeComplete(op: MirrorOp, ret: number): void {
    if (ret < 0) {
      this.bitmap?.setDirty(op.offset, op.bytes);
      const action = this.mirrorErrorAction(false, -ret);
      if (action === 'report' && this.sret >= 0) this.sret = ret;
    }
    this.iterationDone(op, ret);
  }

  // ---- active mirroring (copy-mode write-blocking) ------------------------------------

  /** bdrv_mirror_top_do_write's copy_to_target */
  copyToTarget(): boolean {
    return this.cfg.copyMode === 'write-blocking' && this.sret >= 0 && !this.isCancelled() && this.target !== null;
  }

  /**
   * active_write_prepare + do_sync_target_write + active_write_settle. QEMU
   * makes the guest write wait for background copies of the same chunks;
   * here such a copy, whose source bytes were read before this write, gets
   * the new bytes in its buffer, so its later target write carries them.
   */
  writeThrough(method: MirrorMethod, offset: number, bytes: number, data: Buffer | null): void {
    const g = this.granularity;
    const bm = this.bitmap;
    const target = this.target;
    if (!bm || !target?.root) return;
    for (const op of this.ops) {
      if (op.isPseudo || !op.buf) continue;
      const from = Math.max(op.offset, offset);
      const to = Math.min(op.offset + op.buf.length, offset + bytes);
      if (from >= to) continue;
      if (data) data.copy(op.buf, from - op.offset, from - offset, to - offset);
      else op.buf.fill(0, from - op.offset, to - op.offset);
    }
    // dirty unaligned head and tail are left to the background copy
    let off = offset;
    let len = bytes;
    if (off % g !== 0 && bm.isDirty(off)) {
      const head = g - (off % g);
      if (len <= head) return;
      off += head;
      len -= head;
    }
    if ((off + len) % g !== 0 && bm.isDirty(off + len - 1)) {
      const tail = (off + len) % g;
      if (len <= tail) return;
      len -= tail;
    }
    const bStart = Math.ceil(off / g) * g;
    const bEnd = Math.floor((off + len) / g) * g;
    if (bStart < bEnd) bm.resetDirty(bStart, bEnd - bStart);
    this.progressIncreaseRemaining(len);
    const slice = data ? data.subarray(off - offset, off - offset + len) : undefined;
    const kind = method === 'copy' ? 'write' : method === 'zero' ? 'write-zeroes' : 'discard';
    const { ret } = runRequest(target.root, { kind, offset: off, bytes: len, buf: slice, mayUnmap: this.cfg.unmap }, this.env.log);
    if (ret >= 0) {
      this.progressUpdate(len);
      return;
    }
    bm.setDirty(Math.floor(off / g) * g, Math.ceil((off + len) / g) * g - Math.floor(off / g) * g);
    if (this.mirrorErrorAction(false, -ret) === 'report' && this.sret >= 0) this.sret = ret;
  }

  private mirrorErrorAction(isRead: boolean, errno: number) {
    return this.errorAction(isRead ? this.cfg.onSourceError : this.cfg.onTargetError, isRead, errno);
  }

  /** mirror_iteration_done */
  private iterationDone(op: MirrorOp, ret: number): void {
    const whole = this.opBuf.get(op);
    if (whole) {
      this.opBuf.delete(op);
      if (this.bufPool.length < MAX_IN_FLIGHT) this.bufPool.push(whole);
    }
    this.inFlight--;
    this.bytesInFlight -= op.bytes;
    this.bufFreeCount += op.chunks;
    const g = this.granularity;
    const first = Math.floor(op.offset / g);
    const n = Math.ceil(op.bytes / g);
    this.inFlightBitmap.fill(0, first, first + n);
    const i = this.ops.indexOf(op);
    if (i >= 0) this.ops.splice(i, 1);
    if (ret >= 0 && !this.initialZeroingOngoing) this.progressUpdate(op.bytes);
    restartAll(op);
    while (this.waitingForBuffers.length && this.bufFreeCount >= this.waitingForBuffers[0].chunks) {
      this.startCopy(this.waitingForBuffers.shift()!);
    }
  }

  // ---- the copy loop ------------------------------------------------------------------

  /** bdrv_can_write_zeroes_with_unmap of the target */
  private targetCanZeroWithUnmap(): boolean {
    const n = this.cfg.targetNode;
    return n.flags.unmap && ['raw', 'qcow2', 'file'].includes(n.format);
  }

  /** mirror_throttle */
  private *throttle(): JobStep {
    const now = this.env.kernel.nowNs();
    if (now - this.lastPauseNs > BLOCK_JOB_SLICE_TIME_NS) {
      this.lastPauseNs = now;
      yield* this.sleepNs(0);
    } else {
      yield* this.pausePoint();
    }
  }

  /** mirror_dirty_init */
  private *dirtyInit(): Generator<Wait, number, unknown> {
    const len = this.bdevLength;
    const step = INT_MAX - (INT_MAX % this.granularity);
    if (this.cfg.zeroTarget) {
      if (!this.targetCanZeroWithUnmap()) {
        this.bitmap!.setDirty(0, len);
        return 0;
      }
      this.initialZeroingOngoing = true;
      for (let offset = 0; offset < len; ) {
        const bytes = Math.min(len - offset, step);
        yield* this.throttle();
        if (this.isCancelled()) {
          this.initialZeroingOngoing = false;
          return 0;
        }
        if (this.inFlight >= MAX_IN_FLIGHT) {
          yield* this.waitForFreeSlot();
          continue;
        }
        this.perform(offset, bytes, 'zero');
        offset += bytes;
      }
      yield* this.waitForAllIo();
      this.initialZeroingOngoing = false;
    }
    const top = this.cfg.source.bs;
    const base = this.cfg.base ? this.cfg.base.bs : null;
    for (let offset = 0; offset < len; ) {
      const bytes = Math.min(len - offset, step);
      yield* this.throttle();
      if (this.isCancelled()) return 0;
      let r: { allocated: boolean; length: number };
      try {
        r = isAllocatedAbove(top, base, offset, bytes);
      } catch {
        return -5;
      }
      const count = Math.max(r.length, 1);
      if (r.allocated) this.bitmap!.setDirty(offset, count);
      offset += count;
    }
    return 0;
  }

  /** mirror_flush: flush the target; a reported failure becomes s->ret */
  private *flushTarget(): Generator<Wait, number, unknown> {
    const target = this.target!;
    const ret = (yield ((wake) => void target.aioFlush(wake)) as Wait) as number;
    if (ret < 0 && this.mirrorErrorAction(false, -ret) === 'report') this.sret = ret;
    return ret;
  }

  /** bdrv_drained_begin from the coroutine: done in a main-loop BH, then back */
  private *coDrainedBegin(node: BlockNode): JobStep {
    const ctx = this.env.kernel.mainContext;
    yield ((wake) => ctx.bhScheduleOneshot(() => {
      this.graph.drainedBegin(node);
      wake(undefined);
    }, 'mirror: drained begin')) as Wait;
  }

  /** mirror_iteration: copy one run of dirty chunks; returns the rate-limit delay */
  private *iteration(): Generator<Wait, number, unknown> {
    const g = this.granularity;
    const bm = this.bitmap!;
    const source = this.cfg.source.bs;
    let nbChunks = 1;
    const writeZeroesOk = this.targetCanZeroWithUnmap();
    const maxIoBytes = Math.max(this.bufSize / MAX_IN_FLIGHT, MAX_IO_BYTES);

    let offset = bm.nextDirty(this.dbiPos);
    if (offset < 0) offset = bm.nextDirty(0);
    if (offset < 0) return 0;
    offset -= offset % g;
    this.dbiPos = offset + g;

    yield* this.waitOnConflicts(null, offset, 1);
    yield* this.pausePoint();

    while (nbChunks * g < this.bufSize) {
      const next = offset + nbChunks * g;
      if (next >= this.bdevLength || !bm.isDirty(next)) break;
      if (this.chunkInFlight(next / g)) break;
      this.dbiPos = next + g;
      nbChunks++;
    }
    // clear the dirty bits before looking at the block status
    bm.resetDirty(offset, nbChunks * g);

    const pseudo = newOp(offset, nbChunks * g, 'copy', true);
    this.ops.push(pseudo);
    this.inFlightBitmap.fill(1, offset / g, offset / g + nbChunks);
    let delayNs = 0;
    try {
      while (nbChunks > 0 && offset < this.bdevLength) {
        let ioBytes: number;
        let method: MirrorMethod = 'copy';
        let st: ReturnType<typeof blockStatusAbove> | null = null;
        try {
          st = blockStatusAbove(source, null, offset, nbChunks * g);
        } catch {
          st = null;
        }
        if (!st) ioBytes = Math.min(nbChunks * g, maxIoBytes);
        else if (st.data) ioBytes = Math.min(st.length, maxIoBytes);
        else ioBytes = st.length;
        ioBytes -= ioBytes % g;
        if (ioBytes < g) ioBytes = g;
        else if (st && !st.data) {
          // bdrv_round_to_clusters on the target: only whole clusters may be zeroed or discarded
          const cs = this.targetClusterSize();
          if (offset % cs === 0 && ioBytes % cs === 0) method = st.zero ? 'zero' : 'discard';
        }
        while (this.inFlight >= MAX_IN_FLIGHT) yield* this.waitForFreeSlot();
        if (this.sret < 0) {
          delayNs = 0;
          break;
        }
        ioBytes = Math.min(ioBytes, this.bdevLength - offset);
        ioBytes = this.perform(offset, ioBytes, method);
        const acct = method !== 'copy' && writeZeroesOk ? 0 : ioBytes;
        offset += ioBytes;
        nbChunks -= Math.ceil(ioBytes / g);
        delayNs = this.ratelimitDelay(acct);
      }
    } finally {
      const i = this.ops.indexOf(pseudo);
      if (i >= 0) this.ops.splice(i, 1);
      restartAll(pseudo);
    }
    return delayNs;
  }

  private targetClusterSize(): number {
    try {
      return this.cfg.targetNode.bs.getInfo()?.clusterSize || 1;
    } catch {
      return 1;
    }
  }

  /** mirror_run */
  protected *run(): JobBody {
    let ret = 0;
    let needDrain = true;
    const src = this.cfg.source;
    body: {
      if (this.isCancelled()) break body;
      try {
        this.bdevLength = src.bs.getLength();
      } catch {
        ret = -5;
        break body;
      }
      const targetLength = this.target!.getLength();
      if (targetLength < 0) {
        ret = targetLength;
        break body;
      }
      if (this.bdevLength !== targetLength) {
        this.err = 'Source and target image have different sizes';
        ret = -EINVAL;
        break body;
      }
      if (this.bdevLength === 0) {
        // READY at once; wait for complete or cancel
        this.transitionToReady();
        while (!this.cancelRequested() && !this.shouldComplete) yield* this.yieldJob();
        break body;
      }
      this.inFlightBitmap = new Uint8Array(Math.ceil(this.bdevLength / this.granularity));
      this.bufFreeCount = this.bufSize / this.granularity;
      this.lastPauseNs = this.env.kernel.nowNs();
      if (!this.cfg.isNoneMode) {
        ret = yield* this.dirtyInit();
        if (ret < 0 || this.isCancelled()) break body;
      }
      const bm = this.bitmap!;
      for (;;) {
        let delayNs = 0;
        if (this.sret < 0) {
          ret = this.sret;
          break body;
        }
        yield* this.pausePoint();
        if (this.isCancelled()) {
          ret = 0;
          break body;
        }
        let cnt = bm.count();
        this.progressSetRemaining(this.bytesInFlight + cnt);
        const delta = this.env.kernel.nowNs() - this.lastPauseNs;
        if (delta < BLOCK_JOB_SLICE_TIME_NS && this.iostatus === 'ok') {
          if (this.inFlight >= MAX_IN_FLIGHT || this.bufFreeCount === 0 || (cnt === 0 && this.inFlight > 0)) {
            yield* this.waitForFreeSlot();
            continue;
          } else if (cnt !== 0) {
            delayNs = yield* this.iteration();
          }
        }
        let shouldComplete = false;
        if (this.inFlight === 0 && cnt === 0) {
          if (!this.isReady()) {
            if ((yield* this.flushTarget()) < 0) continue;
            // out of the streaming phase: from now on a (soft) cancel completes
            this.transitionToReady();
          }
          shouldComplete = this.shouldComplete || this.cancelRequested();
          cnt = bm.count();
        }
        if (cnt === 0 && shouldComplete) {
          // final check under drain: guest requests queue from here on
          this.inDrain = true;
          yield* this.coDrainedBegin(src);
          cnt = bm.count();
          if (cnt > 0 || (yield* this.flushTarget()) < 0) {
            this.graph.drainedEnd(src);
            this.inDrain = false;
            continue;
          }
          needDrain = false;
          if (this.env.kernel.bugs.mirrorPivotOutsideDrain) {
            // the historical bug: the window until the graph switch is open
            this.graph.drainedEnd(src);
            this.inDrain = false;
          }
          break body;
        }
        if (this.isReady() && !shouldComplete) delayNs = this.inFlight === 0 && cnt === 0 ? BLOCK_JOB_SLICE_TIME_NS : 0;
        yield* this.sleepNs(delayNs);
        this.lastPauseNs = this.env.kernel.nowNs();
      }
    }
    // immediate_exit
    if (this.inFlight > 0 || this.waitingForBuffers.length > 0) yield* this.waitForAllIo();
    if (needDrain) {
      this.inDrain = true;
      yield* this.coDrainedBegin(src);
    }
    return ret;
  }

  // ---- driver hooks ----------------------------------------------------------------------

  /** mirror_complete */
  protected override completeHook(): void {
    if (!this.isReady()) throw QmpError.generic(`The active block job '${this.id}' cannot be completed`);
    if (this.cfg.replaces !== null) {
      const n = this.graph.findNode(this.cfg.replaces);
      if (!n) throw QmpError.generic(`Node name '${this.cfg.replaces}' not found`);
      for (const op of ALL_OPS) n.opBlock(op, REPLACE_BLOCKER);
      this.graph.ref(n);
      this.toReplace = n;
    }
    this.shouldComplete = true;
    if (!this.paused) this.enterCond();
  }

  /** mirror_cancel: before READY every cancel is forced */
  protected override cancelHook(force: boolean): boolean {
    return force || !this.isReady();
  }

  /** mirror_drained_poll */
  protected override drainedPoll(): boolean {
    if (!this.paused && !this.isCancelled() && !this.inDrain) return true;
    return this.inFlight > 0;
  }

  protected override prepare(): number {
    return this.exitCommon();
  }

  protected override abort(): void {
    this.exitCommon();
  }

  /**
   * mirror_exit_common: drop bitmap and target BB, give the target its
   * backing chain, switch the graph (complete) or put the source back, remove
   * the filter, and only then end the drained sections.
   */
  private exitCommon(): number {
    if (this.prepared) return 0;
    this.prepared = true;
    const abort = this.ret < 0;
    let ret = 0;
    const { source: src, mirrorTop: top, targetNode, topDriver } = this.cfg;
    const g = this.graph;
    if (this.bitmap) releaseDirtyBitmap(src, this.bitmap);
    this.bitmap = null;
    g.ref(src);
    g.ref(targetNode);
    this.target?.unref();
    this.target = null;
    if (!this.inDrain) {
      // only with the bug switch on: the drain is taken this late
      g.drainedBegin(src);
      this.inDrain = true;
    }
    topDriver.stop = true;
    topDriver.job = null;
    // bdrv_child_refresh_perms: the filter drops its claims on the source
    try {
      g.refreshPerms(top);
    } catch (e) {
      this.env.log(`mirror '${this.id}': ${(e as Error).message}`);
    }
    if (!abort && this.cfg.backingMode === 'source-backing-chain') {
      const backing = this.cfg.isNoneMode ? src : this.cfg.base;
      const cur = targetNode.children().find((c) => c.name === 'backing')?.node ?? null;
      if (backing && cur !== backing) {
        try {
          g.setBackingHd(targetNode, backing);
        } catch (e) {
          this.env.log(`mirror '${this.id}': ${(e as Error).message}`);
          ret = -EPERM;
        }
      }
    }
    if (!abort && this.cfg.backingMode === 'open-backing-chain') {
      try {
        openBackingFile(g, targetNode);
      } catch (e) {
        this.env.log(`mirror '${this.id}': ${(e as Error).message}`);
        ret = -EINVAL;
      }
    }
    // the job's own edges go (their drains end with them) before the graph changes
    this.removeAllBdrv();
    let pivoted = false;
    let targetDrained = false;
    if (this.shouldComplete && !abort) {
      const toReplace = this.toReplace ?? src;
      g.drainedBegin(targetNode);
      targetDrained = true;
      try {
        if (!recurseCanReplace(src, toReplace)) {
          throw new Error(
            `Can no longer replace '${toReplace.nodeName}' by '${targetNode.nodeName}', because it can no longer be guaranteed that doing so would not lead to an abrupt change of visible data`,
          );
        }
        if (toReplace === src) g.replaceNode(top, targetNode);
        else replaceNodeAllParents(g, toReplace, targetNode);
        pivoted = true;
      } catch (e) {
        this.env.log(`mirror '${this.id}': ${(e as Error).message}`);
        ret = -EPERM;
      }
    }
    if (this.toReplace) {
      for (const op of ALL_OPS) this.toReplace.opUnblock(op, REPLACE_BLOCKER);
      g.unref(this.toReplace);
      this.toReplace = null;
    }
    // remove the filter: its parents go back to the source unless they moved to the target
    if (!pivoted || this.cfg.replaces !== null) {
      try {
        g.replaceNode(top, src);
      } catch (e) {
        this.env.log(`mirror '${this.id}': removing the filter: ${(e as Error).message}`);
      }
    }
    // the filter's share of the source's drained section, then the filter itself
    if (top.quiesceCounter > 0) unquiesce(top, new Set([src]));
    g.unref(top);
    this.inDrain = false;
    g.drainedEnd(src);
    if (targetDrained) g.drainedEnd(targetNode);
    g.unref(targetNode);
    g.unref(src);
    return ret;
  }
}

/** Put a new filter node above `source` (bdrv_append inside a drained section). */
export function insertFilter(graph: BlockGraph, source: BlockNode, top: BlockNode): void {
  graph.drainedBegin(source);
  try {
    // the parents that move keep their quiesce count: the filter is drained too
    quiesce(top, new Set([source]));
    try {
      graph.replaceNode(source, top);
    } catch (e) {
      unquiesce(top, new Set([source]));
      throw e;
    }
  } finally {
    graph.drainedEnd(source);
  }
}
