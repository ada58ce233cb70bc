// (test support, like src/system/testing/)
// The reference side of the block error-policy property test: QEMU 7.2's
// policy table (reference §4, written out again independently of
// src/block), the legal BLOCK_IO_ERROR / STOP / RESUME sequences, and a
// model of what the disk may hold given what the guest saw.
//
// What a write the guest saw fail may leave behind (QEMU semantics): a
// request that completed with an error (action report) has undefined
// content in its range — QEMU makes no promise that none or all of it
// reached the image (a host EIO may come after a partial write; qcow2 may
// have allocated clusters). An error the policy ignored is the same from the
// image's side: the guest was told "done", but the data may be missing.
// So each sector of such a write may hold its old or its new content (old
// alternatives accumulate until a later successful write covers the
// sector). A write parked by action stop and retried after cont must land
// exactly: a successful completion is definite. Flushes change no content.

export type Policy = 'report' | 'ignore' | 'stop' | 'enospc' | 'auto';
export type Action = 'report' | 'ignore' | 'stop';

export const EIO = 5;
export const ENOSPC = 28;
export const REASON: Record<string, number> = { 'Input/output error': EIO, 'No space left on device': ENOSPC };

/** blk_get_error_action for a resolved (non-auto) policy */
export function policyAction(policy: Exclude<Policy, 'auto'>, errno: number): Action {
  if (policy === 'enospc') return errno === ENOSPC ? 'stop' : 'report';
  return policy;
}

/** blk_iostatus_is_enabled for a device that enabled it */
export function iostatusEnabled(rerror: Policy, werror: Policy): boolean {
  return werror === 'enospc' || werror === 'stop' || rerror === 'stop';
}

/** Allowed contents of a disk, sector by sector. */
export class DiskModel {
  /** the newest allowed content */
  readonly expected: Buffer;
  /** older contents still allowed, per sector */
  private readonly alt = new Map<number, Buffer[]>();

  constructor(readonly bytes: number, readonly sector = 512) {
    this.expected = Buffer.alloc(bytes);
  }

  write(offset: number, data: Buffer, certain: boolean): void {
    for (let at = 0; at < data.length; at += this.sector) {
      const s = (offset + at) / this.sector;
      const cur = this.expected.subarray(offset + at, offset + at + this.sector);
      const next = data.subarray(at, at + this.sector);
      if (certain) this.alt.delete(s);
      else if (!cur.equals(next)) {
        const list = this.alt.get(s) ?? [];
        if (!list.some((b) => b.equals(cur))) list.push(Buffer.from(cur));
        this.alt.set(s, list);
      }
      next.copy(this.expected, offset + at);
    }
  }

  /** The first sector of [offset, offset+data.length) whose content is not allowed, or -1. */
  mismatch(offset: number, data: Buffer): number {
    for (let at = 0; at < data.length; at += this.sector) {
      const got = data.subarray(at, at + this.sector);
      const s = (offset + at) / this.sector;
      if (got.equals(this.expected.subarray(offset + at, offset + at + this.sector))) continue;
      if (this.alt.get(s)?.some((b) => b.equals(got))) continue;
      return s;
    }
    return -1;
  }

  uncertainSectors(): number {
    return this.alt.size;
  }
}

/**
 * Checks the event stream of one VM: BLOCK_IO_ERROR fields and action, the
 * iostatus set before a stop BLOCK_IO_ERROR, STOP only after such an event
 * and only into io-error, RESUME only from a cont.
 */
export class EventSequenceChecker {
  readonly violations: string[] = [];
  private stopErrors = 0;
  private running: boolean;
  expectIostatus: 'ok' | 'failed' | 'nospace' = 'ok';
  inCont = false;

  constructor(
    private readonly cfg: { device: string; nodeName: () => string | undefined; rerror: Exclude<Policy, 'auto'>; werror: Exclude<Policy, 'auto'>; iostatus: boolean },
    private readonly probe: { iostatus(): string; status(): string; running(): boolean },
  ) {
    this.running = probe.running();
  }

  private bad(msg: string): void {
    if (this.violations.length < 10) this.violations.push(msg);
  }

  event(name: string, data: Record<string, unknown> | undefined): void {
    if (name === 'BLOCK_IO_ERROR') this.ioError(data ?? {});
    else if (name === 'STOP') {
      if (!this.running) this.bad('STOP while stopped');
      if (this.stopErrors === 0) this.bad('STOP without a BLOCK_IO_ERROR (action stop) before it');
      if (this.probe.status() !== 'io-error') this.bad(`STOP into ${this.probe.status()}, not io-error`);
      this.running = false;
    } else if (name === 'RESUME') {
      if (!this.inCont) this.bad('RESUME without a cont');
      if (this.running) this.bad('RESUME while running');
      this.running = true;
      this.stopErrors = 0;
      this.expectIostatus = 'ok';
    }
  }

  private ioError(d: Record<string, unknown>): void {
    const keys = Object.keys(d).join(',');
    const want = ['device', ...(this.cfg.iostatus ? ['nospace'] : []), 'node-name', 'reason', 'operation', 'action'].join(',');
    if (keys !== want) this.bad(`BLOCK_IO_ERROR keys ${keys}, want ${want}`);
    if (d.device !== this.cfg.device) this.bad(`BLOCK_IO_ERROR device ${String(d.device)}`);
    if (d['node-name'] !== this.cfg.nodeName()) this.bad(`BLOCK_IO_ERROR node-name ${String(d['node-name'])}`);
    const errno = REASON[String(d.reason)];
    if (errno === undefined) return this.bad(`BLOCK_IO_ERROR reason ${String(d.reason)}`);
    if (this.cfg.iostatus && d.nospace !== (errno === ENOSPC)) this.bad(`nospace ${String(d.nospace)} for ${String(d.reason)}`);
    const op = d.operation;
    if (op !== 'read' && op !== 'write') return this.bad(`operation ${String(op)}`);
    const action = policyAction(op === 'read' ? this.cfg.rerror : this.cfg.werror, errno);
    if (d.action !== action) this.bad(`${op} ${String(d.reason)}: action ${String(d.action)}, policy says ${action}`);
    if (action !== 'stop') return;
    this.stopErrors++;
    if (this.cfg.iostatus && this.expectIostatus === 'ok') this.expectIostatus = errno === ENOSPC ? 'nospace' : 'failed';
    const io = this.probe.iostatus();
    if (this.cfg.iostatus && io !== this.expectIostatus) this.bad(`iostatus ${io} at BLOCK_IO_ERROR (stop), want ${this.expectIostatus} (set before the event)`);
  }

  /** The VM sits in io-error: query-status and iostatus agree with the events. */
  checkStopped(): void {
    if (this.running) this.bad('io-error without a STOP event');
    if (this.probe.running()) this.bad('running while in io-error');
    if (this.cfg.iostatus && this.probe.iostatus() !== this.expectIostatus) this.bad(`iostatus ${this.probe.iostatus()} while stopped, want ${this.expectIostatus}`);
  }
}
