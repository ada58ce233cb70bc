// A job on block nodes (blockjob.c, include/block/blockjob.h): the nodes it
// holds as a 'job' parent (child_job: drain pauses the job, op blockers),
// speed with a per-slice rate limit on the sim clock, the job iostatus and
// error policy (BLOCK_JOB_ERROR), the BLOCK_JOB_* events and the
// query-block-jobs shape.

import { QmpError } from '../qapi/error.js';
import type { BlockGraph } from '../block/block-graph.js';
import type { BdrvParent, BlockNode, BlockOpType } from '../block/block-node.js';
import type { BlockdevOnError, BlockDeviceIoStatus } from '../block/block-backend.js';
import { ENOSPC } from '../block/drivers/errno.js';
import { Job, type JobCreateOptions, type JobEnv } from './job.js';
import type { JobTxn } from './job-txn.js';
import { RateLimit } from './ratelimit.js';

/** BLOCK_JOB_SLICE_TIME: 100 ms */
export const BLOCK_JOB_SLICE_TIME_NS = 100_000_000;

/** Every BlockOpType: bdrv_op_block_all blocks them all. */
const ALL_OPS: readonly BlockOpType[] = ['drive-del', 'resize', 'mirror-source', 'mirror-target', 'backup-source', 'commit-source', 'dataplane'];

export type BlockErrorAction = 'ignore' | 'report' | 'stop';

/** block_job_error_action's policy table */
const ON_ERROR_ACTION: Readonly<Record<BlockdevOnError, (errno: number) => BlockErrorAction>> = {
  enospc: (e) => (e === ENOSPC ? 'stop' : 'report'),
  auto: (e) => (e === ENOSPC ? 'stop' : 'report'),
  stop: () => 'stop',
  report: () => 'report',
  ignore: () => 'ignore',
};

/** A job's edge to one node (BdrvChild with child_job), counting the drains it saw. */
interface JobEdge extends BdrvParent {
  readonly node: BlockNode;
  quiesced: number;
  /** the job this edge belongs to (block_job_has_bdrv looks it up) */
  readonly blockJob: BlockJob;
}

export abstract class BlockJob extends Job {
  speed = 0;
  iostatus: BlockDeviceIoStatus = 'ok';
  protected readonly limit: RateLimit;
  private readonly edges: JobEdge[] = [];

  constructor(
    env: JobEnv,
    readonly graph: BlockGraph,
    opts: JobCreateOptions,
  ) {
    super(env, opts);
    this.limit = new RateLimit(() => env.kernel.nowNs());
  }

  get blocker(): string {
    return `block device is in use by block job: ${this.type}`;
  }

  /**
   * block_job_create after job_create's checks (Job.checkId): CREATED, the
   * main node, the speed. On failure the job goes away (job_early_fail) and
   * the error is thrown.
   */
  protected setup(mainNode: BlockNode, perm: number, shared: number, speed: number, txn?: JobTxn): void {
    this.register(txn);
    try {
      this.addBdrv('main node', mainNode, perm, shared);
      mainNode.opUnblock('dataplane', this.blocker);
      this.setSpeedUnchecked(speed);
    } catch (e) {
      this.earlyFail();
      throw e;
    }
  }

  // ---- nodes ---------------------------------------------------------------------

  /** block_job_add_bdrv: a 'job' parent on node, every op blocked. */
  addBdrv(name: string, node: BlockNode, perm: number, shared: number): void {
    const edge: JobEdge = {
      kind: 'job',
      childName: name,
      role: 0,
      perm,
      shared,
      node,
      quiesced: 0,
      blockJob: this,
      desc: () => `${this.type} job '${this.id ?? ''}'`,
      drainedBegin: () => {
        edge.quiesced++;
        this.pause();
      },
      drainedEnd: () => {
        if (edge.quiesced <= 0) return;
        edge.quiesced--;
        this.resume();
      },
      drainedPoll: () => this.childDrainedPoll(),
    };
    this.graph.attachParent(node, edge);
    this.edges.unshift(edge);
    for (const op of ALL_OPS) node.opBlock(op, this.blocker);
  }

  /** block_job_remove_all_bdrv: drains the edges still hold end with them. */
  removeAllBdrv(): void {
    while (this.edges.length) {
      const e = this.edges.shift()!;
      for (const op of ALL_OPS) e.node.opUnblock(op, this.blocker);
      const n = e.quiesced;
      e.quiesced = 0;
      for (let i = 0; i < n; i++) this.resume();
      this.graph.detachParent(e.node, e);
    }
  }

  hasBdrv(node: BlockNode): boolean {
    return this.edges.some((e) => e.node === node);
  }

  /** child_job_drained_poll */
  private childDrainedPoll(): boolean {
    if (!this.busy || this.isCompleted()) return false;
    return this.drainedPoll();
  }

  /** BlockJobDriver.drained_poll (default: a busy job may still issue requests) */
  protected drainedPoll(): boolean {
    return true;
  }

  protected override free(): void {
    this.removeAllBdrv();
  }

  // ---- speed -----------------------------------------------------------------------

  /** block_job_set_speed */
  setSpeed(speed: number): void {
    this.applyVerb('set-speed');
    if (speed < 0) throw QmpError.generic("Parameter 'speed' expects a non-negative value");
    const old = this.speed;
    this.limit.setSpeed(speed, BLOCK_JOB_SLICE_TIME_NS);
    this.speed = speed;
    if (speed && speed <= old) return;
    // kick only if a timer is pending
    this.enterCond(() => this.timerPending());
  }

  private setSpeedUnchecked(speed: number): void {
    this.setSpeed(speed);
  }

  /** block_job_ratelimit_get_delay */
  ratelimitDelay(n: number): number {
    return this.limit.calculateDelay(n);
  }

  // ---- errors ------------------------------------------------------------------------

  /** block_job_error_action: BLOCK_JOB_ERROR; stop pauses the job (user-visible) and sets the iostatus. */
  errorAction(onErr: BlockdevOnError, isRead: boolean, errno: number): BlockErrorAction {
    const action = ON_ERROR_ACTION[onErr](errno);
    if (!this.internal) this.env.events.emit('BLOCK_JOB_ERROR', { device: this.id, operation: isRead ? 'read' : 'write', action });
    if (action === 'stop') {
      if (!this.userPaused) {
        this.pause();
        this.userPaused = true;
      }
      if (this.iostatus === 'ok') this.iostatus = errno === ENOSPC ? 'nospace' : 'failed';
    }
    return action;
  }

  /** block_job_user_resume: the iostatus resets */
  protected override userResumeHook(): void {
    this.iostatus = 'ok';
  }

  /** qmp_cont: block_job_iostatus_reset (the job stays paused) */
  iostatusResetOnCont(): void {
    this.iostatus = 'ok';
  }

  // ---- events -------------------------------------------------------------------------

  private progressData(): Record<string, unknown> {
    return { device: this.id, len: this.progressTotal, offset: this.progressCurrent, speed: this.speed, type: this.type };
  }

  protected override eventReady(): void {
    if (!this.internal) this.env.events.emit('BLOCK_JOB_READY', this.progressData());
  }

  protected override eventPending(): void {
    if (!this.internal) this.env.events.emit('BLOCK_JOB_PENDING', { type: this.type, id: this.id });
  }

  protected override eventCancelled(): void {
    if (!this.internal) this.env.events.emit('BLOCK_JOB_CANCELLED', this.progressData());
  }

  protected override eventCompleted(): void {
    if (this.internal) return;
    const msg = this.ret < 0 ? this.err : null;
    this.env.events.emit('BLOCK_JOB_COMPLETED', { ...this.progressData(), ...(msg !== null ? { error: msg } : {}) });
  }

  /** block_job_on_idle: aio_wait_kick */
  protected override eventIdle(): void {
    this.env.kernel.aioWait.kick();
  }

  /** BlockJobInfo (query-block-jobs), QEMU's key order */
  blockJobInfo(): Record<string, unknown> {
    return {
      'auto-finalize': this.autoFinalize,
      'io-status': this.iostatus,
      device: this.id,
      'auto-dismiss': this.autoDismiss,
      busy: this.busy,
      len: this.progressTotal,
      offset: this.progressCurrent,
      status: this.status,
      paused: this.pauseCount > 0,
      speed: this.speed,
      ready: this.isReady(),
      type: this.type,
      ...(this.ret ? { error: this.err ?? '' } : {}),
    };
  }
}
