// A background job (job.c, include/qemu/job.h): status, pause count and
// user pause, busy/paused, cancel requests, progress, the coroutine that
// runs the driver's body on the sim kernel, pause points, and the
// completion path: run returns → main-loop BH (job_exit) → waiting →
// pending → finalize (prepare, commit/abort, clean) → concluded → null.
// Drivers (BlockJob, MirrorJob) override the hooks QEMU's JobDriver has.

import { QmpError } from '../qapi/error.js';
import type { AioTimer } from '../sim/aio-timer.js';
import { Coroutine, type CoWait } from '../sim/coroutine.js';
import type { SimKernel } from '../sim/kernel.js';
import type { EventBus } from '../system/qapi-event.js';
import { strerror } from '../block/drivers/errno.js';
import { transitionAllowed, statusIsCompleted, statusIsReady, verbAllowed, verbErrorText, type JobStatus, type JobVerb } from './job-status.js';
import { JobTxn } from './job-txn.js';

const ECANCELED = 125;

/** What a job needs from its machine. */
export interface JobEnv {
  readonly kernel: SimKernel;
  readonly events: EventBus;
  log(msg: string): void;
  /** the machine's job list (job.c `jobs`) */
  readonly registry: { add(job: Job): void; remove(job: Job): void; get(id: string): Job | undefined };
}

/** JobType (qapi/job.json) */
export type JobType = 'commit' | 'stream' | 'mirror' | 'backup' | 'create' | 'amend' | 'snapshot-load' | 'snapshot-save' | 'snapshot-delete';

export interface JobCreateOptions {
  /** null: internal job (no events, not listed) */
  id: string | null;
  autoFinalize?: boolean;
  autoDismiss?: boolean;
  txn?: JobTxn;
}

/** A job's body: a generator on the job coroutine returning 0 or -errno. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JobBody = Generator<CoWait<any>, number, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JobStep = Generator<CoWait<any>, void, any>;

export abstract class Job {
  abstract readonly type: JobType;
  readonly id: string | null;
  status: JobStatus = 'undefined';
  busy = false;
  paused = true;
  pauseCount = 1;
  userPaused = false;
  /** a cancel was requested (soft or forced) */
  cancelled = false;
  forceCancel = false;
  deferredToMainLoop = false;
  ret = 0;
  /** job->err: the failure text, once the job failed */
  err: string | null = null;
  readonly autoFinalize: boolean;
  readonly autoDismiss: boolean;
  txn: JobTxn | null = null;
  progressCurrent = 0;
  progressTotal = 0;
  protected co: Coroutine | null = null;
  private readonly sleepTimer: AioTimer;

  constructor(
    readonly env: JobEnv,
    opts: JobCreateOptions,
  ) {
    this.id = opts.id;
    this.autoFinalize = opts.autoFinalize ?? true;
    this.autoDismiss = opts.autoDismiss ?? true;
    this.sleepTimer = env.kernel.mainContext.timerNew(() => this.enter(), `job ${opts.id ?? '(internal)'} sleep`);
  }

  /**
   * job_create's checks and registration: the id rules, CREATED (with its
   * event), the job list and a transaction. Throws QmpError.
   */
  static checkId(env: JobEnv, id: string | null, internal = false): void {
    if (id !== null) {
      if (internal) throw QmpError.generic('Cannot specify job ID for internal job');
      if (!/^[A-Za-z][A-Za-z0-9\-._]*$/.test(id)) throw QmpError.generic(`Invalid job ID '${id}'`);
      if (env.registry.get(id)) throw QmpError.generic(`Job ID '${id}' already in use`);
    } else if (!internal) {
      throw QmpError.generic('An explicit job ID is required');
    }
  }

  /** job_create after the checks: CREATED, into the list and a transaction. */
  protected register(txn?: JobTxn): void {
    this.transition('created');
    this.env.registry.add(this);
    (txn ?? new JobTxn()).add(this);
  }

  // ---- driver hooks (JobDriver) -------------------------------------------

  /** .run: the job's body; set this.err for a failure text */
  protected abstract run(): JobBody;
  /** .prepare: 0 or -errno */
  protected prepare(): number {
    return 0;
  }
  protected commit(): void {}
  protected abort(): void {}
  protected clean(): void {}
  /** .pause, at a pause point before the job parks */
  protected *pauseHook(): JobStep {}
  /** .resume, after a pause point */
  protected *resumeHook(): JobStep {}
  /** .complete (absent: the verb reports the job cannot be completed) */
  protected readonly supportsComplete: boolean = false;
  protected completeHook(): void {}
  /** .cancel: the effective force (no hook = always forced) */
  protected cancelHook(_force: boolean): boolean {
    return true;
  }
  /** .user_resume */
  protected userResumeHook(): void {}
  /** .free, when the job leaves the list */
  protected free(): void {}

  // notifier lists (on_ready, on_pending, on_finalize_*, on_idle)
  protected eventReady(): void {}
  protected eventPending(): void {}
  protected eventCancelled(): void {}
  protected eventCompleted(): void {}
  protected eventIdle(): void {}

  // ---- state -----------------------------------------------------------------

  get internal(): boolean {
    return this.id === null;
  }

  get started(): boolean {
    return this.co !== null;
  }

  /** job_state_transition: only edges of the table; JOB_STATUS_CHANGE on a real change */
  protected transition(to: JobStatus): void {
    const from = this.status;
    if (!transitionAllowed(from, to)) throw new Error(`job '${this.id}': illegal transition ${from} -> ${to}`);
    this.status = to;
    if (!this.internal && from !== to) this.env.events.emit('JOB_STATUS_CHANGE', { status: to, id: this.id });
  }

  /** job_apply_verb: QmpError with QEMU's text when the status refuses the verb */
  applyVerb(verb: JobVerb): void {
    if (!verbAllowed(verb, this.status)) throw QmpError.generic(verbErrorText(this.id ?? '', this.status, verb));
  }

  isReady(): boolean {
    return statusIsReady(this.status);
  }

  isCompleted(): boolean {
    return statusIsCompleted(this.status);
  }

  /** job_is_cancelled: a forced cancel */
  isCancelled(): boolean {
    return this.forceCancel;
  }

  cancelRequested(): boolean {
    return this.cancelled;
  }

  shouldPause(): boolean {
    return this.pauseCount > 0;
  }

  // ---- progress (ProgressMeter) ---------------------------------------------

  progressUpdate(done: number): void {
    this.progressCurrent += done;
  }

  progressSetRemaining(remaining: number): void {
    this.progressTotal = this.progressCurrent + remaining;
  }

  progressIncreaseRemaining(delta: number): void {
    this.progressTotal += delta;
  }

  // ---- the coroutine -------------------------------------------------------------

  /** job_start: RUNNING, then the coroutine enters at once (from the main thread). */
  start(): void {
    if (this.co || !this.paused) throw new Error(`job '${this.id}' started twice`);
    this.co = new Coroutine(this.env.kernel.mainContext, () => this.coEntry(), `job ${this.id ?? ''}`);
    this.pauseCount--;
    this.busy = true;
    this.paused = false;
    this.transition('running');
    this.co.enter();
  }

  private *coEntry(): JobStep {
    yield* this.pausePoint();
    let ret: number;
    try {
      ret = yield* this.run();
    } catch (e) {
      this.env.log(`job '${this.id}': ${(e as Error)?.stack ?? String(e)}`);
      this.err ??= `qmp-sim internal error: ${(e as Error)?.message ?? String(e)}`;
      ret = -5;
    }
    this.ret = ret;
    this.deferredToMainLoop = true;
    this.busy = true;
    this.scheduleExit(() => this.exit());
  }

  /** job_co_entry's last step: job_exit as a main-loop bottom half */
  protected scheduleExit(exit: () => void): void {
    this.env.kernel.mainContext.bhScheduleOneshot(exit, `job_exit ${this.id ?? ''}`);
  }

  /** job_enter_cond: re-enter a job parked in a yield (aio_co_wake: at once from outside the coroutine). */
  enterCond(cond?: () => boolean): void {
    if (!this.co || this.deferredToMainLoop || this.busy) return;
    if (cond && !cond()) return;
    this.sleepTimer.del();
    this.busy = true;
    if (this.co.state === 'waiting') this.co.enter();
    else if (this.co.state !== 'running') this.co.schedule();
  }

  enter(): void {
    this.enterCond();
  }

  timerPending(): boolean {
    return this.sleepTimer.pending;
  }

  /** job_do_yield: park until entered; deadline (absolute ns) arms the sleep timer. */
  private *doYield(deadlineNs: number | null): JobStep {
    if (deadlineNs !== null) this.sleepTimer.modNs(deadlineNs);
    this.busy = false;
    this.eventIdle();
    yield () => {};
  }

  /** job_pause_point */
  *pausePoint(): JobStep {
    if (!this.shouldPause() || this.isCancelled()) return;
    yield* this.pauseHook();
    if (this.shouldPause() && !this.isCancelled()) {
      const status = this.status;
      this.transition(status === 'ready' ? 'standby' : 'paused');
      this.paused = true;
      yield* this.doYield(null);
      this.paused = false;
      this.transition(status);
    }
    yield* this.resumeHook();
  }

  /** job_yield: park until entered (unless cancelled), then a pause point. */
  *yieldJob(): JobStep {
    if (this.isCancelled()) return;
    if (!this.shouldPause()) yield* this.doYield(null);
    yield* this.pausePoint();
  }

  /** job_sleep_ns */
  *sleepNs(ns: number): JobStep {
    if (this.isCancelled()) return;
    if (!this.shouldPause()) yield* this.doYield(this.env.kernel.nowNs() + ns);
    yield* this.pausePoint();
  }

  // ---- pause / resume --------------------------------------------------------------

  /** job_pause (drain, error stop) */
  pause(): void {
    this.pauseCount++;
    if (!this.paused) this.enterCond();
  }

  /** job_resume */
  resume(): void {
    if (this.pauseCount <= 0) {
      this.env.log(`job '${this.id}': resume without pause`);
      return;
    }
    if (--this.pauseCount) return;
    this.enterCond(() => !this.sleepTimer.pending);
  }

  /** job_user_pause */
  userPause(): void {
    this.applyVerb('pause');
    if (this.userPaused) throw QmpError.generic('Job is already paused');
    this.userPaused = true;
    this.pause();
  }

  /** job_user_resume */
  userResume(): void {
    if (!this.userPaused || this.pauseCount <= 0) throw QmpError.generic("Can't resume a job that was not paused");
    this.applyVerb('resume');
    this.userResumeHook();
    this.userPaused = false;
    this.resume();
  }

  // ---- verbs -----------------------------------------------------------------------

  /** job_complete */
  userComplete(): void {
    this.applyVerb('complete');
    if (this.cancelRequested() || !this.supportsComplete) throw QmpError.generic(`The active block job '${this.id}' cannot be completed`);
    this.completeHook();
  }

  /** job_user_cancel */
  userCancel(force: boolean): void {
    this.applyVerb('cancel');
    this.cancel(force);
  }

  /** job_cancel */
  cancel(force: boolean): void {
    if (this.status === 'concluded') {
      this.doDismiss();
      return;
    }
    this.cancelAsync(force);
    if (!this.started) this.completed();
    else if (this.deferredToMainLoop) {
      if (this.isCancelled()) this.completedTxnAbort();
    } else this.enterCond();
  }

  private cancelAsync(force: boolean): void {
    force = this.cancelHook(force);
    if (this.userPaused) {
      this.userResumeHook();
      this.userPaused = false;
      if (this.pauseCount > 0) this.pauseCount--;
    }
    if (force || !this.deferredToMainLoop) {
      this.cancelled = true;
      this.forceCancel ||= force;
    }
  }

  /** job_finalize (the verb) */
  userFinalize(): void {
    this.applyVerb('finalize');
    this.doFinalize();
  }

  /** job_dismiss (the verb) */
  userDismiss(): void {
    this.applyVerb('dismiss');
    this.doDismiss();
  }

  /** job_early_fail: a job created but never started goes away */
  earlyFail(): void {
    this.doDismiss();
  }

  // ---- completion ------------------------------------------------------------------

  /** job_transition_to_ready */
  protected transitionToReady(): void {
    this.transition('ready');
    this.eventReady();
  }

  /** job_exit: the main-loop BH after run returned */
  private exit(): void {
    this.busy = false;
    this.eventIdle();
    try {
      this.completed();
    } catch (e) {
      this.env.log(`job '${this.id}': completion failed: ${(e as Error)?.stack ?? String(e)}`);
    }
  }

  private updateRc(): void {
    if (!this.ret && this.isCancelled()) this.ret = -ECANCELED;
    if (this.ret) {
      this.err ??= strerror(-this.ret);
      this.transition('aborting');
    }
  }

  /** job_completed */
  private completed(): void {
    this.updateRc();
    if (this.ret) this.completedTxnAbort();
    else this.completedTxnSuccess();
  }

  private completedTxnSuccess(): void {
    const txn = this.txn!;
    this.transition('waiting');
    for (const other of txn.jobs) if (!other.isCompleted()) return;
    for (const j of [...txn.jobs]) j.transitionToPending();
    if (txn.jobs.every((j) => j.autoFinalize)) this.doFinalize();
  }

  private transitionToPending(): void {
    this.transition('pending');
    if (!this.autoFinalize) this.eventPending();
  }

  /** job_do_finalize: prepare every job of the transaction, then finalize or abort them all */
  private doFinalize(): void {
    const txn = this.txn!;
    let failed = false;
    for (const j of [...txn.jobs]) {
      if (j.prepareOne()) {
        failed = true;
        break;
      }
    }
    if (failed) this.completedTxnAbort();
    else for (const j of [...txn.jobs]) j.finalizeSingle();
  }

  private prepareOne(): number {
    if (this.ret === 0) {
      this.ret = this.prepare();
      this.updateRc();
    }
    return this.ret;
  }

  /** job_completed_txn_abort */
  private completedTxnAbort(): void {
    const txn = this.txn;
    if (!txn || txn.aborting) return;
    txn.aborting = true;
    for (const other of txn.jobs) if (other !== this) other.cancelAsync(true);
    while (txn.jobs.length) {
      const other = txn.jobs[0];
      if (!other.isCompleted()) other.finishSync();
      other.finalizeSingle();
    }
  }

  /**
   * job_cancel_sync: cancel (a concluded job is dismissed instead), then
   * run the event loop until the job completed.
   */
  cancelSync(force: boolean): void {
    if (this.status === 'null') return;
    this.cancel(force);
    if ((this.status as JobStatus) !== 'null' && !this.isCompleted()) this.finishSync();
  }

  /** job_finish_sync without a finish callback: wait until the job completed */
  private finishSync(): void {
    this.env.kernel.aioWait.waitWhile(this.env.kernel.mainContext, () => {
      this.enter();
      return !this.isCompleted();
    });
  }

  /** job_finalize_single */
  private finalizeSingle(): void {
    this.updateRc();
    if (!this.ret) this.commit();
    else this.abort();
    this.clean();
    if (this.started) {
      if (this.isCancelled()) this.eventCancelled();
      else this.eventCompleted();
    }
    this.txn?.remove(this);
    this.conclude();
  }

  private conclude(): void {
    this.transition('concluded');
    if (this.autoDismiss || !this.started) this.doDismiss();
  }

  /** job_do_dismiss: NULL, out of the list */
  private doDismiss(): void {
    this.busy = false;
    this.paused = false;
    this.deferredToMainLoop = true;
    this.txn?.remove(this);
    this.transition('null');
    this.sleepTimer.del();
    this.env.registry.remove(this);
    try {
      this.free();
    } catch (e) {
      this.env.log(`job '${this.id}': free failed: ${(e as Error)?.stack ?? String(e)}`);
    }
  }

  /** JobInfo (query-jobs), QEMU's key order */
  jobInfo(): Record<string, unknown> {
    return {
      'current-progress': this.progressCurrent,
      status: this.status,
      'total-progress': this.progressTotal,
      type: this.type,
      id: this.id,
      ...(this.err !== null ? { error: this.err } : {}),
    };
  }
}
