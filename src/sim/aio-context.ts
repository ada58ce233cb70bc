// AioContext (util/async.c, util/aio-posix.c, include/block/aio.h): an
// event loop with bottom halves, timers and event-notifier handlers, owned
// by one home thread. aio_poll, aio_notify, aio_notify_accept and notify_me
// follow QEMU, with the 2018 fix for RHBZ 1562750:
//  - aio_notify always sets `notified`; it sets the context's event notifier
//    (wakes a blocked poller) only while notify_me is non-zero;
//  - a blocking poll adds 2 to notify_me around its wait and only then
//    accepts (clears `notified` and drains the notifier);
//  - a blocking poll is only allowed in the home thread; a non-blocking poll
//    from another thread (as bdrv_set_aio_context did in 2018) is allowed
//    but never accepts. (7.2 asserts the home thread for every aio_poll; we
//    keep the foreign non-blocking poll so the 2018 race can be replayed.)
// The context's own notifier counts as no progress; accept drains it (as the
// 2018 code did) rather than its read handler (7.2), so a foreign poll can
// never steal a wakeup unless BugSwitches.notifyAcceptAnywhere is on.

import { AioTimer } from './aio-timer.js';
import { BH_DELETED, BH_IDLE, BH_ONESHOT, BH_PENDING, BH_SCHEDULED, QEMUBH } from './bottom-half.js';
import type { BugSwitches } from './bug-switches.js';
import { SimThreadError } from './errors.js';
import { EventNotifier } from './event-notifier.js';
import type { FaultPoints } from './fault-points.js';
import type { Scheduler } from './scheduler.js';
import type { SimThread } from './sim-thread.js';

/** What a context needs from its kernel. */
export interface AioEnv {
  readonly sched: Scheduler;
  readonly faults: FaultPoints;
  readonly bugs: BugSwitches;
  /** The running thread; the main thread outside any step. */
  currentThread(): SimThread;
  /** A host-side thread for deferred cross-thread work. */
  hostThread(): SimThread;
  /** Internal-error log (a callback that threw, where nobody can catch it). */
  log(line: string): void;
}

export interface AioHandler {
  readonly notifier: EventNotifier;
  readonly name: string;
  /** external: guest-triggered (ioeventfd), disabled by aio_disable_external */
  readonly external: boolean;
  /** @internal */
  read: () => void;
  /** @internal */
  deleted: boolean;
  /** @internal the context's own notifier: no progress, no read */
  own: boolean;
}

/** One aio_poll, split where its thread may block. */
export interface PollRound {
  readonly blocking: boolean;
  /** -1 = infinite, 0 = do not wait, else ns */
  timeoutNs: number;
  readonly useNotifyMe: boolean;
  /** the pollfd set as it stood when the wait began */
  readonly waitSet: readonly AioHandler[];
  readonly deadlineNs?: number;
}

const IDLE_BH_TIMEOUT_NS = 10_000_000;

export class AioContext {
  /** notify_me: non-zero while a poller may block (aio_poll +2, GSource prepare |1) */
  notifyMe = 0;
  /** set by aio_notify, cleared by aio_notify_accept */
  notified = false;
  readonly notifier: EventNotifier;

  private bhList: QEMUBH[] = []; // end = list head (newest)
  private readonly bhSlices: QEMUBH[][] = [];
  private readonly handlers: AioHandler[] = [];
  private readonly timers = new Set<AioTimer>();
  private timerSeq = 0;
  private externalDisableCnt = 0;

  constructor(
    private readonly env: AioEnv,
    readonly name: string,
    /** The thread that may block in this context's poll. */
    readonly home: SimThread,
  ) {
    this.notifier = new EventNotifier(`${name}.notifier`);
    const own: AioHandler = { notifier: this.notifier, name: `${name}.notifier`, external: false, read: () => {}, deleted: false, own: true };
    this.handlers.push(own);
  }

  nowNs(): number {
    return this.env.sched.clock.nowNs();
  }

  // ---- bottom halves -------------------------------------------------

  /** aio_bh_new */
  bhNew(cb: () => void, name = 'bh'): QEMUBH {
    return new QEMUBH(this, cb, name);
  }

  /** aio_bh_schedule_oneshot: run cb once, later, in this context. */
  bhScheduleOneshot(cb: () => void, name = 'oneshot-bh'): void {
    this._bhEnqueue(new QEMUBH(this, cb, name), BH_SCHEDULED | BH_ONESHOT);
  }

  /** @internal aio_bh_enqueue */
  _bhEnqueue(bh: QEMUBH, newFlags: number): void {
    const old = bh.flags;
    bh.flags |= BH_PENDING | newFlags;
    if (old & BH_PENDING) {
      this.notify();
      return;
    }
    const cur = this.env.currentThread();
    if (cur !== this.home && this.env.faults.fires('aio.bh.cross-thread-delay')) {
      // the scheduling thread got preempted between setting the flag and
      // linking the BH: the context sees it one host step later
      this.env.hostThread().post(() => {
        this.bhList.push(bh);
        this.notify();
      }, `${this.name}: late link of ${bh.name}`);
      return;
    }
    this.bhList.push(bh);
    this.notify();
  }

  /** aio_bh_poll: run one batch (newest first, 7.2); BHs scheduled meanwhile
   * wait for the next batch. Returns true if a non-idle BH ran. */
  bhPoll(): boolean {
    const slice = this.bhList;
    this.bhList = [];
    if (slice.length > 1 && this.env.faults.fires('aio.bh.batch-order')) this.shuffle(slice);
    this.bhSlices.push(slice);
    let progress = false;
    while (this.bhSlices.length) {
      const s = this.bhSlices[0];
      const bh = s.pop();
      if (!bh) {
        this.bhSlices.shift();
        continue;
      }
      const flags = bh.flags;
      bh.flags &= ~(BH_PENDING | BH_SCHEDULED | BH_IDLE);
      if ((flags & (BH_SCHEDULED | BH_DELETED)) === BH_SCHEDULED) {
        if (!(flags & BH_IDLE)) progress = true;
        bh._call();
      }
    }
    return progress;
  }

  // ---- timers ----------------------------------------------------------

  /** aio_timer_new */
  timerNew(cb: () => void, name = 'timer'): AioTimer {
    return new AioTimer(this, cb, name);
  }

  /** @internal */
  _timerMod(t: AioTimer, deadlineNs: number): void {
    const before = this.earliestTimer();
    t.expireNs = deadlineNs;
    t.seq = this.timerSeq++;
    this.timers.add(t);
    // timerlist_notify → aio_notify: a poller must recompute its timeout
    if (before === undefined || deadlineNs < before) this.notify();
  }

  /** @internal */
  _timerDel(t: AioTimer): void {
    t.expireNs = -1;
    this.timers.delete(t);
  }

  earliestTimer(): number | undefined {
    let d: number | undefined;
    for (const t of this.timers) if (d === undefined || t.expireNs < d) d = t.expireNs;
    return d;
  }

  /** timerlistgroup_run_timers: run every expired timer, in deadline order. */
  runTimers(): boolean {
    const now = this.nowNs();
    const due = [...this.timers].filter((t) => t.expireNs <= now).sort((a, b) => a.expireNs - b.expireNs || a.seq - b.seq);
    let progress = false;
    for (const t of due) {
      if (!this.timers.has(t) || t.expireNs > now) continue; // deleted or re-armed meanwhile
      this.timers.delete(t);
      t.expireNs = -1;
      t._fire();
      progress = true;
    }
    return progress;
  }

  // ---- event-notifier handlers ----------------------------------------------

  /** aio_set_event_notifier: `read` runs in this context when the notifier is
   * set (it should test_and_clear it). Returns the remover. */
  setEventNotifier(notifier: EventNotifier, read: () => void, opts: { external?: boolean; name?: string } = {}): () => void {
    const h: AioHandler = { notifier, read, name: opts.name ?? notifier.name, external: opts.external ?? false, deleted: false, own: false };
    this.handlers.push(h);
    this.notify();
    return () => {
      if (h.deleted) return;
      h.deleted = true;
      this.handlers.splice(this.handlers.indexOf(h), 1);
      this.notify();
    };
  }

  /** aio_disable_external: guest-triggered handlers stop being polled. */
  disableExternal(): void {
    this.externalDisableCnt++;
  }

  /** aio_enable_external: the last enable kicks the loop to re-arm its fds. */
  enableExternal(): void {
    if (this.externalDisableCnt <= 0) throw new Error(`${this.name}: aio_enable_external without disable`);
    if (--this.externalDisableCnt === 0) this.notify();
  }

  get externalDisabled(): boolean {
    return this.externalDisableCnt > 0;
  }

  /** Handlers a poll would put in its pollfd set now. */
  enabledHandlers(): AioHandler[] {
    return this.handlers.filter((h) => !h.deleted && (!h.external || this.externalDisableCnt === 0));
  }

  /** aio_dispatch_ready_handlers: true if a handler other than our own notifier ran. */
  dispatchHandlers(ready: readonly AioHandler[]): boolean {
    let progress = false;
    for (const h of ready) {
      if (h.deleted || (h.external && this.externalDisableCnt > 0)) continue;
      if (h.own) continue; // the context's notifier: no progress
      h.read();
      progress = true;
    }
    return progress;
  }

  // ---- notify ------------------------------------------------------------------

  /** aio_notify */
  notify(): void {
    this.notified = true;
    if (this.notifyMe) this.notifier.set();
  }

  /** aio_notify_accept (2018 form: also drains the notifier). */
  notifyAccept(): void {
    this.notified = false;
    this.notifier.testAndClear();
  }

  // ---- aio_poll ------------------------------------------------------------

  /** aio_compute_timeout: 0 if a BH is scheduled, else until the next timer; -1 = none. */
  computeTimeoutNs(): number {
    let timeout = -1;
    for (const list of [this.bhList, ...this.bhSlices]) {
      for (const bh of list) {
        if ((bh.flags & (BH_SCHEDULED | BH_DELETED)) !== BH_SCHEDULED) continue;
        if (!(bh.flags & BH_IDLE)) return 0;
        timeout = IDLE_BH_TIMEOUT_NS;
      }
    }
    const d = this.earliestTimer();
    if (d === undefined) return timeout;
    const t = Math.max(0, d - this.nowNs());
    return timeout < 0 ? t : Math.min(timeout, t);
  }

  /** First half of aio_poll: compute the timeout, announce a possible wait. */
  pollBegin(blocking: boolean): PollRound {
    const cur = this.env.currentThread();
    if (blocking && cur !== this.home) {
      throw new SimThreadError(`aio_poll(${this.name}, blocking) from thread ${cur.name}; home is ${this.home.name}`);
    }
    let timeoutNs = blocking ? this.computeTimeoutNs() : 0;
    const useNotifyMe = timeoutNs !== 0;
    if (useNotifyMe) {
      this.notifyMe += 2;
      if (this.notified) timeoutNs = 0; // don't block if aio_notify() was called
    }
    const deadlineNs = timeoutNs > 0 ? this.nowNs() + timeoutNs : undefined;
    return { blocking, timeoutNs, useNotifyMe, waitSet: this.enabledHandlers(), deadlineNs };
  }

  /** Would the poll's ppoll() block right now? */
  pollMustWait(r: PollRound): boolean {
    if (r.timeoutNs === 0) return false;
    if (r.waitSet.some((h) => h.notifier.isSet())) return false;
    return r.deadlineNs === undefined || this.nowNs() < r.deadlineNs;
  }

  /** Second half of aio_poll: accept, then BHs, ready handlers, timers. */
  pollEnd(r: PollRound): boolean {
    const ready = r.waitSet.filter((h) => h.notifier.isSet());
    if (r.useNotifyMe) this.notifyMe -= 2;
    if (r.blocking || this.env.bugs.notifyAcceptAnywhere) this.notifyAccept();
    let progress = this.bhPoll();
    progress = this.dispatchHandlers(ready) || progress;
    progress = this.runTimers() || progress;
    return progress;
  }

  /**
   * aio_poll, synchronously. A blocking poll that has to wait runs other
   * threads' steps (Scheduler.waitUntil) until a polled notifier is set or
   * the timeout passes. Top-level thread loops use pollBegin/pollEnd with
   * SimThread.park instead, so that waiting costs nothing.
   */
  poll(blocking: boolean): boolean {
    const r = this.pollBegin(blocking);
    if (this.pollMustWait(r)) {
      let guard: { cancel(): void } | undefined;
      if (r.deadlineNs !== undefined) guard = this.env.sched.addTimer(r.deadlineNs, () => {}, `${this.name}: poll timeout`);
      try {
        this.env.sched.waitUntil(() => !this.pollMustWait(r), `aio_poll(${this.name})`);
      } finally {
        guard?.cancel();
      }
    }
    return this.pollEnd(r);
  }

  private shuffle(list: QEMUBH[]): void {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(this.env.faults.draw('aio.bh.batch-order') * (i + 1));
      [list[i], list[j]] = [list[j], list[i]];
    }
  }
}
