// One QMP client connection (monitor/qmp.c): greeting, capabilities
// negotiation, request framing and checks (qapi/qmp-dispatch.c), the
// per-monitor request queue, out-of-band execution and event delivery.

import { JsonStreamer } from './json/index.js';
import { toQmpJson } from '../qapi/qobject/writer.js';
import { isQDict, qdictKeys, QDictValue, QValue } from '../qapi/qobject/qobject.js';
import { QmpError } from '../qapi/error.js';
import type { QapiEvent } from '../system/qapi-event.js';

/** A request that passed framing checks, waiting for the dispatcher. */
export interface QmpRequest {
  session: QmpSession;
  command: string;
  args: QDictValue | undefined;
  id: QValue | undefined;
  hasId: boolean;
  oob: boolean;
}

/** A queue entry: a request to run, or an answer already decided (parse errors). */
type QueueEntry = { kind: 'request'; req: QmpRequest } | { kind: 'reply'; msg: Record<string, unknown> };

export interface SessionHost {
  greeting(): Record<string, unknown>;
  oobOffered: boolean;
  /** Runs an out-of-band request at once (monitor I/O thread). */
  dispatchOob(req: QmpRequest): void;
  /** A request or reply was queued: the dispatcher should look at this session. */
  kick(session: QmpSession): void;
  log(msg: string): void;
}

// QMP_REQ_QUEUE_LEN_MAX (monitor/monitor-internal.h)
const QUEUE_LEN_MAX = 8;

export class QmpSession {
  /** false until qmp_capabilities succeeded (negotiation mode). */
  commandMode = false;
  oobEnabled = false;
  closed = false;
  private queue: QueueEntry[] = [];
  private streamer: JsonStreamer;
  private readingPaused = false;

  constructor(
    private readonly host: SessionHost,
    private readonly write: (text: string) => void,
    private readonly pauseReading: (paused: boolean) => void,
  ) {
    this.streamer = new JsonStreamer((m) => this.onMessage(m));
  }

  start(): void {
    this.send(this.host.greeting());
  }

  /** Bytes from the client. */
  feed(chunk: Uint8Array): void {
    if (this.closed) return;
    try {
      this.streamer.feed(chunk);
    } catch (e) {
      // A parser bug must not kill the session: report it like a parse error.
      this.host.log(`internal error in JSON parser: ${(e as Error).stack ?? e}`);
      this.streamer.reset();
      this.enqueueReply(errorMsg(undefined, false, QmpError.generic('JSON parse error, internal error')));
    }
  }

  close(): void {
    // monitor_qmp_event CHR_EVENT_CLOSED: queued requests discarded, parser reset
    this.closed = true;
    this.queue = [];
    this.streamer.reset();
  }

  send(obj: Record<string, unknown>): void {
    if (this.closed) return;
    this.write(toQmpJson(obj) + '\r\n');
  }

  deliverEvent(ev: QapiEvent): void {
    // Events reach only monitors that completed negotiation (monitor/monitor.c).
    if (!this.commandMode || this.closed) return;
    const msg: Record<string, unknown> = { timestamp: ev.timestamp, event: ev.event };
    if (ev.data !== undefined) msg.data = ev.data;
    this.send(msg);
  }

  /** The dispatcher takes the next queued entry (FIFO). */
  takeNext(): QueueEntry | undefined {
    const e = this.queue.shift();
    this.updateFlowControl();
    return e;
  }

  hasQueued(): boolean {
    return this.queue.length > 0;
  }

  private onMessage(m: { value: QValue } | { error: string }): void {
    if ('error' in m) {
      this.enqueueReply({ error: { class: 'GenericError', desc: m.error } });
      return;
    }
    const req = this.check(m.value);
    if (!req) return;
    if (req.oob) {
      this.host.dispatchOob(req);
      return;
    }
    this.queue.push({ kind: 'request', req });
    this.updateFlowControl();
    this.host.kick(this);
  }

  private enqueueReply(msg: Record<string, unknown>): void {
    this.queue.push({ kind: 'reply', msg });
    this.updateFlowControl();
    this.host.kick(this);
  }

  /** Steps 2-4 of request validation (qapi/qmp-dispatch.c: qmp_dispatch_check_obj). */
  private check(value: QValue): QmpRequest | undefined {
    if (!isQDict(value)) {
      this.enqueueReply(errorMsg(undefined, false, QmpError.generic('QMP input must be a JSON object')));
      return undefined;
    }
    const hasId = Object.prototype.hasOwnProperty.call(value, 'id');
    const id = value.id;
    const fail = (desc: string): undefined => {
      const msg = errorMsg(id, hasId, QmpError.generic(desc));
      // An exec-oob request that fails its checks is answered at once too.
      if (this.oobEnabled && isOobRequest(value)) this.send(msg);
      else this.enqueueReply(msg);
      return undefined;
    };
    const has = (k: string) => Object.prototype.hasOwnProperty.call(value, k);
    // QDict iteration order, which JS objects lose for integer-like keys
    for (const key of qdictKeys(value)) {
      const v = value[key];
      if (key === 'execute' || (key === 'exec-oob' && this.oobEnabled)) {
        if (typeof v !== 'string') return fail(`QMP input member '${key}' must be a string`);
        if (has('execute') && has('exec-oob')) return fail("QMP input member 'execute' clashes with 'exec-oob'");
      } else if (key === 'arguments') {
        if (!isQDict(v)) return fail("QMP input member 'arguments' must be an object");
      } else if (key !== 'id') {
        return fail(`QMP input member '${key}' is unexpected`);
      }
    }
    const oob = this.oobEnabled && isOobRequest(value);
    const command = oob ? value['exec-oob'] : value.execute;
    if (typeof command !== 'string') return fail("QMP input lacks member 'execute'");
    const args = value.arguments as QDictValue | undefined;
    return { session: this, command, args, id, hasId, oob };
  }

  private updateFlowControl(): void {
    // Without OOB the monitor stops reading once one request is queued; with
    // OOB, once QMP_REQ_QUEUE_LEN_MAX are (monitor/qmp.c handle_qmp_command).
    // Parsing here is eager, so the queue bound only limits what we buffer.
    const limit = this.oobEnabled ? QUEUE_LEN_MAX : QUEUE_LEN_MAX * 4;
    const shouldPause = this.queue.length >= limit;
    if (shouldPause !== this.readingPaused) {
      this.readingPaused = shouldPause;
      this.pauseReading(shouldPause);
    }
  }
}

function isOobRequest(d: QDictValue): boolean {
  // qmp_is_oob: exec-oob present and execute absent
  return Object.prototype.hasOwnProperty.call(d, 'exec-oob') && !Object.prototype.hasOwnProperty.call(d, 'execute');
}

/** {"id": I, "error": {...}}: QEMU puts id first on errors. */
export function errorMsg(id: QValue | undefined, hasId: boolean, err: QmpError): Record<string, unknown> {
  const e = { class: err.errorClass, desc: err.desc };
  return hasId ? { id, error: e } : { error: e };
}

/** {"return": R, "id": I}: id last on success. */
export function returnMsg(id: QValue | undefined, hasId: boolean, ret: unknown): Record<string, unknown> {
  return hasId ? { return: ret, id } : { return: ret };
}
