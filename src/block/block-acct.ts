// I/O accounting of a BlockBackend (block/accounting.c): devices start a
// cookie when a request is submitted and close it as done, failed or
// invalid; query-blockstats reads the totals. Times come from the sim clock
// (QEMU uses QEMU_CLOCK_REALTIME).

export type BlockAcctType = 'read' | 'write' | 'flush' | 'unmap';

export const BLOCK_ACCT_TYPES: readonly BlockAcctType[] = ['read', 'write', 'flush', 'unmap'];

export interface BlockAcctCookie {
  bytes: number;
  startNs: number;
  /** null once accounted (BLOCK_ACCT_NONE) */
  type: BlockAcctType | null;
}

type PerType = Record<BlockAcctType, number>;

function zeroes(): PerType {
  return { read: 0, write: 0, flush: 0, unmap: 0 };
}

/** One stats-intervals window (BlockAcctTimedStats with a simple latency sample). */
export interface TimedWindow {
  intervalLength: number;
  latencies: Record<BlockAcctType, number[]>;
  startNs: number;
}

export class BlockAcctStats {
  readonly nrBytes = zeroes();
  readonly nrOps = zeroes();
  readonly failedOps = zeroes();
  readonly invalidOps = zeroes();
  readonly merged = zeroes();
  readonly totalTimeNs = zeroes();
  lastAccessNs = 0;
  accountInvalid = true;
  accountFailed = true;
  readonly intervals: TimedWindow[] = [];

  constructor(private readonly now: () => number) {}

  /** block_acct_setup: undefined keeps the current value (OnOffAuto auto). */
  setup(accountInvalid: boolean | undefined, accountFailed: boolean | undefined): void {
    if (accountInvalid !== undefined) this.accountInvalid = accountInvalid;
    if (accountFailed !== undefined) this.accountFailed = accountFailed;
  }

  /** block_acct_add_interval (newest first, as QSLIST_INSERT_HEAD). */
  addInterval(seconds: number): void {
    this.intervals.unshift({ intervalLength: seconds, latencies: { read: [], write: [], flush: [], unmap: [] }, startNs: this.now() });
  }

  start(bytes: number, type: BlockAcctType): BlockAcctCookie {
    return { bytes, startNs: this.now(), type };
  }

  done(cookie: BlockAcctCookie): void {
    this.accountOne(cookie, false);
  }

  failed(cookie: BlockAcctCookie): void {
    this.accountOne(cookie, true);
  }

  /** block_acct_invalid: counted at submission, no time. */
  invalid(type: BlockAcctType): void {
    this.invalidOps[type]++;
    if (this.accountInvalid) this.lastAccessNs = this.now();
  }

  /** block_acct_merge_done */
  mergeDone(type: BlockAcctType, n: number): void {
    this.merged[type] += n;
  }

  /** block_acct_idle_time_ns */
  idleTimeNs(): number {
    return this.now() - this.lastAccessNs;
  }

  private accountOne(cookie: BlockAcctCookie, failed: boolean): void {
    const type = cookie.type;
    if (type === null) return;
    const t = this.now();
    const latency = t - cookie.startNs;
    if (failed) this.failedOps[type]++;
    else {
      this.nrBytes[type] += cookie.bytes;
      this.nrOps[type]++;
    }
    if (!failed || this.accountFailed) {
      this.totalTimeNs[type] += latency;
      this.lastAccessNs = t;
      for (const w of this.intervals) this.windowAccount(w, type, latency, t);
    }
    cookie.type = null;
  }

  private windowAccount(w: TimedWindow, type: BlockAcctType, latency: number, t: number): void {
    if (t - w.startNs > w.intervalLength * 1e9) {
      w.startNs = t;
      w.latencies = { read: [], write: [], flush: [], unmap: [] };
    }
    w.latencies[type].push(latency);
  }
}
