// The QMP dispatcher (monitor/qmp.c monitor_qmp_dispatcher_co): one per
// machine, runs in-band requests of all monitors one at a time, taking them
// round-robin across monitors, in the main loop. A command's reply is written
// one main-loop iteration after its handler ran, as the stable 7.2.x
// monitor does (reference §1.8), so events raised by requests the handler
// posted (RESET, SHUTDOWN, POWERDOWN) go out first.

import { QmpError } from '../qapi/error.js';
import { QmpRequest, QmpSession, errorMsg, returnMsg } from './qmp-session.js';

/** What runs a request once it was dispatched (src/monitor/execute.ts). */
export interface Executor {
  execute(req: QmpRequest): unknown;
  log(msg: string): void;
}

export interface DispatchLoop {
  /** Run fn as a main-loop bottom half. */
  runInMainLoop(fn: () => void): void;
  /** Run fn once the main loop has finished its next iteration. */
  afterMainLoopIteration(fn: () => void): void;
}

export class QmpDispatcher {
  private sessions: QmpSession[] = [];
  private cursor = 0;
  private busy = false;
  private scheduled = false;

  private loop?: DispatchLoop;
  private exec?: Executor;

  /** Bound once the machine exists: the server greets before it loads the
   * machine and the command layer, and queued requests wait for this. */
  constructor(loop?: DispatchLoop, exec?: Executor) {
    if (loop && exec) this.bind(loop, exec);
  }

  bind(loop: DispatchLoop, exec: Executor): void {
    this.loop = loop;
    this.exec = exec;
    this.kick();
  }

  addSession(s: QmpSession): void {
    this.sessions.push(s);
  }

  removeSession(s: QmpSession): void {
    const i = this.sessions.indexOf(s);
    if (i >= 0) {
      this.sessions.splice(i, 1);
      if (this.cursor > i) this.cursor--;
    }
  }

  /** Something was queued on a session. */
  kick(): void {
    const loop = this.loop;
    if (!loop || this.busy || this.scheduled) return;
    this.scheduled = true;
    loop.runInMainLoop(() => {
      this.scheduled = false;
      this.runNext();
    });
  }

  /** Out-of-band requests run at once, outside the queue (monitor I/O thread). */
  dispatchOob(req: QmpRequest): void {
    if (!this.exec) {
      // OOB needs negotiation, which needs the machine: cannot happen before bind
      return;
    }
    const { reply } = this.runSync(req);
    req.session.send(reply);
  }

  private pickSession(): QmpSession | undefined {
    // monitor_qmp_requests_pop_any_with_lock: round robin across monitors
    const n = this.sessions.length;
    for (let k = 0; k < n; k++) {
      const s = this.sessions[(this.cursor + k) % n];
      if (s.hasQueued()) {
        this.cursor = (this.cursor + k + 1) % n;
        return s;
      }
    }
    return undefined;
  }

  private runNext(): void {
    if (this.busy) return;
    const session = this.pickSession();
    if (!session) return;
    const entry = session.takeNext();
    if (!entry) return this.kick();
    if (entry.kind === 'reply') {
      session.send(entry.msg);
      return this.kick();
    }
    this.busy = true;
    const finish = (reply: Record<string, unknown>) => {
      this.loop!.afterMainLoopIteration(() => {
        // A client that left meanwhile loses the reply (monitor/qmp.c).
        if (!entry.req.session.closed) entry.req.session.send(reply);
        this.busy = false;
        this.kick();
      });
    };
    const { reply, pending } = this.runSync(entry.req);
    if (pending) {
      pending.then(finish, (e) => finish(this.failure(entry.req, e)));
    } else {
      finish(reply);
    }
  }

  private runSync(req: QmpRequest): { reply: Record<string, unknown>; pending?: Promise<Record<string, unknown>> } {
    try {
      const r = this.exec!.execute(req);
      if (r instanceof Promise) {
        return {
          reply: {},
          pending: r.then((ret) => returnMsg(req.id, req.hasId, ret)),
        };
      }
      return { reply: returnMsg(req.id, req.hasId, r) };
    } catch (e) {
      return { reply: this.failure(req, e) };
    }
  }

  private failure(req: QmpRequest, e: unknown): Record<string, unknown> {
    if (e instanceof QmpError) return errorMsg(req.id, req.hasId, e);
    // A bug is a GenericError with a clear desc and a log line; the session goes on.
    this.exec!.log(`internal error in '${req.command}': ${(e as Error)?.stack ?? String(e)}`);
    return errorMsg(req.id, req.hasId, QmpError.generic(`qmp-sim internal error in '${req.command}': ${(e as Error)?.message ?? String(e)}`));
  }
}
