// One client connection to the QMP socket, with record.py's reading rules:
// bytes are only turned into transcript lines while a wait, sleep or drain is
// in progress; a wait claims the oldest unclaimed message of its kind and
// stops reading right after it.
import { existsSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { pyEqual, type JsonValue } from './json-value.js';
import { pyOSError } from './py-errors.js';
import { PyValueError } from './py-number.js';
import { isReturn, type Transcript } from './transcript.js';
import { sleep, type HarnessClock } from './wall-clock.js';

export type MessageKind = 'event' | 'return' | 'other';

export interface EventWant {
  name: string;
  match: Map<string, JsonValue>;
}

interface Unconsumed {
  kind: MessageKind;
  name?: JsonValue;
  data?: JsonValue;
}

const isAsciiSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);

function bytesStripEmpty(b: Uint8Array): boolean {
  for (const c of b) if (!isAsciiSpace(c)) return false;
  return true;
}

/** Does the event (name, data) pass the wait-event filters? (record.py's _event_matches) */
export function eventMatches(name: JsonValue, data: JsonValue, want: EventWant): boolean {
  if (name !== want.name) return false;
  for (const [key, value] of want.match) {
    let cur: JsonValue = data;
    for (const part of key.split('.')) {
      if (!(cur instanceof Map) || !cur.has(part)) return false;
      cur = cur.get(part)!;
    }
    if (!pyEqual(cur, value) || (typeof cur === 'boolean') !== (typeof value === 'boolean')) return false;
  }
  return true;
}

export class Connection {
  private readonly chunks: (Buffer | null)[] = []; // null: end of stream
  private sawEnd = false;
  private wake: (() => void) | null = null;
  private buf: Buffer = Buffer.alloc(0);
  /** complete lines read but not yet recorded */
  readonly pending: Buffer[] = [];
  eof = false;
  closed = false;
  private eofRecorded = false;
  /** recorded messages not yet claimed by a wait step */
  private readonly unconsumed: Unconsumed[] = [];

  constructor(
    private readonly sock: Socket,
    private readonly tr: Transcript,
    private readonly clock: HarnessClock,
  ) {
    sock.on('data', (b: Buffer) => this.push(b));
    sock.on('end', () => this.push(null));
    sock.on('error', () => this.push(null));
    sock.on('close', () => this.push(null));
  }

  private push(b: Buffer | null): void {
    if (this.sawEnd) return;
    if (b === null) this.sawEnd = true;
    this.chunks.push(b);
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  close(): void {
    this.closed = true;
    this.sock.destroy();
  }

  async send(data: Uint8Array): Promise<void> {
    if (this.closed) {
      this.tr.note('send failed: Bad file descriptor');
      return;
    }
    await new Promise<void>((resolve) => {
      try {
        this.sock.write(data, (err) => {
          if (err) {
            const code = (err as NodeJS.ErrnoException).code ?? '';
            const os = pyOSError(err);
            this.tr.note('send failed: ' + (code.startsWith('ERR_') ? 'Broken pipe' : os.strerror));
          }
          resolve();
        });
      } catch {
        this.tr.note('send failed: Broken pipe');
        resolve();
      }
    });
  }

  /** Read at most one chunk, waiting up to `timeout` seconds; complete lines go to pending. */
  private async readSome(timeout: number): Promise<boolean> {
    if (this.eof) return false;
    // record.py would select() on a closed socket and die
    if (this.closed) throw new PyValueError('file descriptor cannot be a negative integer (-1)');
    if (!this.chunks.length) {
      await new Promise<void>((resolve) => {
        const cancel = this.clock.timer(Math.max(0, timeout) * 1000, () => {
          this.wake = null;
          resolve();
        });
        this.wake = () => {
          cancel();
          resolve();
        };
      });
    }
    const chunk = this.chunks.shift();
    if (chunk === undefined) return false;
    if (chunk === null) {
      this.eof = true;
      if (!bytesStripEmpty(this.buf)) this.pending.push(this.buf);
      this.buf = Buffer.alloc(0);
      return true;
    }
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let nl: number;
    while ((nl = this.buf.indexOf(0x0a)) >= 0) {
      let line = this.buf.subarray(0, nl);
      this.buf = this.buf.subarray(nl + 1);
      if (line.length && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
      if (!bytesStripEmpty(line)) this.pending.push(line);
    }
    return true;
  }

  private recordOne(summarize = false): void {
    const raw = this.pending.shift()!;
    const obj = this.tr.received(raw, summarize);
    if (obj instanceof Map) {
      if (obj.has('event')) {
        this.unconsumed.push({
          kind: 'event',
          name: obj.get('event')!,
          data: obj.has('data') ? obj.get('data')! : null,
        });
      } else if (obj.has('return') || obj.has('error')) this.unconsumed.push({ kind: 'return' });
      else this.unconsumed.push({ kind: 'other' });
    } else this.unconsumed.push({ kind: 'other' });
  }

  private recordEof(): void {
    if (this.eof && !this.pending.length && !this.eofRecorded) {
      this.eofRecorded = true;
      this.tr.note('connection closed by server');
    }
  }

  private take(kind: MessageKind, want: EventWant | null): boolean {
    const i = this.unconsumed.findIndex(
      (u) => u.kind === kind && (kind !== 'event' || eventMatches(u.name!, u.data!, want!)),
    );
    if (i < 0) return false;
    this.unconsumed.splice(i, 1);
    return true;
  }

  /** Record messages until one of the wanted kind has been recorded (record.py's wait_for). */
  async waitFor(kind: MessageKind, want: EventWant | null, timeout: number, summarize = false): Promise<boolean> {
    if (this.take(kind, want)) return true;
    const deadline = this.clock.now() + timeout;
    for (;;) {
      while (this.pending.length) {
        const wantSummary = summarize && kind === 'return' && isReturn(this.pending[0]);
        this.recordOne(wantSummary);
        if (this.take(kind, want)) return true;
      }
      if (this.eof) {
        this.recordEof();
        return false;
      }
      const left = deadline - this.clock.now();
      if (!(left > 0)) return false;
      await this.readSome(left);
    }
  }

  /** Record everything that arrives during the given time. */
  async readFor(seconds: number): Promise<void> {
    const deadline = this.clock.now() + seconds;
    for (;;) {
      while (this.pending.length) this.recordOne();
      if (this.eof) {
        this.recordEof();
        return;
      }
      const left = deadline - this.clock.now();
      if (!(left > 0)) return;
      await this.readSome(left);
    }
  }

  async waitClose(timeout: number): Promise<boolean> {
    const deadline = this.clock.now() + timeout;
    for (;;) {
      while (this.pending.length) this.recordOne();
      if (this.eof) {
        this.recordEof();
        return true;
      }
      const left = deadline - this.clock.now();
      if (!(left > 0)) return false;
      await this.readSome(left);
    }
  }
}

function tryConnect(path: string): Promise<Socket | null> {
  return new Promise((resolve) => {
    const s = createConnection({ path, allowHalfOpen: true });
    const onError = () => {
      s.destroy();
      resolve(null);
    };
    s.once('error', onError);
    s.once('connect', () => {
      s.off('error', onError);
      s.on('error', () => {}); // reported as end of stream by Connection
      resolve(s);
    });
  });
}

/**
 * Connect to the server's socket, retrying every 20 ms until it exists and
 * accepts, the deadline passes, or `exited()` says the server is gone.
 */
export async function connectUnix(
  path: string,
  clock: HarnessClock,
  deadline: number,
  exited?: () => boolean,
): Promise<Socket | null> {
  while (clock.now() < deadline) {
    if (existsSync(path)) {
      const s = await tryConnect(path);
      if (s) return s;
    }
    if (exited?.()) return null;
    await sleep(clock, 20);
  }
  return null;
}
