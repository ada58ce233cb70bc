// A random disk workload of the simulated guest OS: `ops` reads, writes and
// flushes drawn from a seed, handed to the OS driver (a vCPU step each) and
// through the device model. Requests in flight never overlap a write in
// flight (an OS's block layer orders them), so what lands on the disk is a
// function of the completions alone. A guest reset abandons the workload:
// what the device had not completed is dropped, as QEMU drops it.

import { createHash } from 'node:crypto';
import { Prng } from '../../sim/prng.js';
import type { GuestDisk, GuestIo, GuestIoResult } from './guest-disk.js';

export interface WorkloadMix {
  read: number;
  write: number;
  flush: number;
}

export interface WorkloadSpec {
  seed: number;
  ops: number;
  /** relative weights (default read 4, write 5, flush 1) */
  mix?: WorkloadMix;
  /** longest request in bytes (a multiple of the block size; default 16 blocks) */
  maxLength?: number;
  /** byte range the requests stay in (default the whole disk) */
  region?: { offset: number; length: number };
  /** requests the OS keeps in flight at most (default 4; IDE serialises them anyway) */
  queueDepth?: number;
}

export type WorkloadOpState = 'queued' | 'done' | 'failed' | 'dropped';

export interface WorkloadOp {
  readonly index: number;
  readonly op: 'read' | 'write' | 'flush';
  /** byte offset and length (0 for flush) */
  readonly offset: number;
  readonly length: number;
  /** write payload */
  readonly data?: Buffer;
  state: WorkloadOpState;
  /** read data the device returned */
  result?: Buffer;
}

export interface WorkloadSummary {
  ops: number;
  issued: number;
  completed: number;
  failed: number;
  dropped: number;
  /** issued and not completed: in the device, or parked by a stop policy */
  inFlight: number;
  finished: boolean;
  reads: number;
  writes: number;
  flushes: number;
  /** sha256 over (offset, length, data) of every write completed OK, in completion order */
  digest: string;
}

/** What the workload needs of the guest (SimGuest implements it). */
export interface WorkloadGuest {
  io(disk: GuestDisk, io: GuestIo, done: (r: GuestIoResult) => void): void;
  onReset(fn: () => void): () => void;
}

const DEFAULT_MIX: WorkloadMix = { read: 4, write: 5, flush: 1 };

/** The payload of write `index`: every block stamped with (seed, index, byte offset), then a fill byte. */
export function workloadData(seed: number, index: number, offset: number, length: number, blockSize: number): Buffer {
  const buf = Buffer.alloc(length, (index * 37 + 11) & 0xff);
  for (let at = 0; at + 16 <= length; at += blockSize) {
    buf.writeUInt32LE(seed >>> 0, at);
    buf.writeUInt32LE(index >>> 0, at + 4);
    buf.writeDoubleLE(offset + at, at + 8);
  }
  return buf;
}

export class GuestWorkload {
  readonly issued: WorkloadOp[] = [];
  private readonly rng: Prng;
  private readonly mix: WorkloadMix;
  private readonly region: { offset: number; length: number };
  private readonly maxBlocks: number;
  private readonly depth: number;
  private readonly inFlightOps = new Set<WorkloadOp>();
  private readonly hash = createHash('sha256');
  private digestHex: string | undefined;
  private nextOp: WorkloadOp | undefined;
  private abandoned = false;
  private unlisten: (() => void) | undefined;
  private readonly doneWaiters: Array<() => void> = [];
  counts = { completed: 0, failed: 0, dropped: 0, reads: 0, writes: 0, flushes: 0 };

  constructor(
    private readonly guest: WorkloadGuest,
    readonly disk: GuestDisk,
    readonly spec: WorkloadSpec,
    diskBytes: number,
    /** every completion (the guest's interrupt), e.g. for a reference model */
    private readonly observe?: (op: WorkloadOp, r: GuestIoResult) => void,
  ) {
    const bs = disk.blockSize;
    if (!Number.isSafeInteger(spec.ops) || spec.ops < 0) throw new Error('ops must be a non-negative integer');
    const region = spec.region ?? { offset: 0, length: diskBytes };
    if (region.offset % bs || region.length % bs) throw new Error(`region must be aligned to the block size (${bs})`);
    if (region.offset < 0 || region.length < bs || region.offset + region.length > diskBytes) throw new Error(`region must lie within the disk (${diskBytes} bytes)`);
    const maxLength = spec.maxLength ?? 16 * bs;
    if (maxLength % bs || maxLength < bs) throw new Error(`maxLength must be a positive multiple of the block size (${bs})`);
    const mix = spec.mix ?? DEFAULT_MIX;
    if (![mix.read, mix.write, mix.flush].every((w) => Number.isFinite(w) && w >= 0) || mix.read + mix.write + mix.flush <= 0) throw new Error('mix weights must be non-negative with a positive sum');
    this.rng = new Prng(spec.seed);
    this.mix = mix;
    this.region = region;
    this.maxBlocks = Math.min(maxLength / bs, region.length / bs);
    this.depth = Math.max(1, Math.min(64, spec.queueDepth ?? 4));
  }

  get inFlight(): number {
    return this.inFlightOps.size;
  }

  /** The ops handed to the device and not completed yet. */
  pending(): WorkloadOp[] {
    return [...this.inFlightOps];
  }

  /** Every op completed (or the workload was abandoned by a reset). */
  get finished(): boolean {
    return this.abandoned || (this.issued.length === this.spec.ops && this.inFlightOps.size === 0);
  }

  start(): void {
    this.unlisten = this.guest.onReset(() => this.abandon());
    this.pump();
    this.checkFinished();
  }

  /** Resolves when finished. */
  whenFinished(fn: () => void): void {
    if (this.finished) fn();
    else this.doneWaiters.push(fn);
  }

  summary(): WorkloadSummary {
    return {
      ops: this.spec.ops,
      issued: this.issued.length,
      ...this.counts,
      inFlight: this.inFlightOps.size,
      finished: this.finished,
      digest: this.digestHex ?? this.hash.copy().digest('hex'),
    };
  }

  private draw(index: number): WorkloadOp {
    const { read, write, flush } = this.mix;
    const x = this.rng.float() * (read + write + flush);
    const op = x < read ? 'read' : x < read + write ? 'write' : 'flush';
    if (op === 'flush') return { index, op, offset: 0, length: 0, state: 'queued' };
    const bs = this.disk.blockSize;
    const blocks = this.rng.range(1, this.maxBlocks);
    const first = this.rng.int(this.region.length / bs - blocks + 1);
    const offset = this.region.offset + first * bs;
    const length = blocks * bs;
    return op === 'write'
      ? { index, op, offset, length, data: workloadData(this.spec.seed, index, offset, length, bs), state: 'queued' }
      : { index, op, offset, length, state: 'queued' };
  }

  private conflicts(op: WorkloadOp): boolean {
    if (op.op === 'flush') return false;
    for (const o of this.inFlightOps) {
      if (o.op === 'flush' || (o.op === 'read' && op.op === 'read')) continue;
      if (op.offset < o.offset + o.length && o.offset < op.offset + op.length) return true;
    }
    return false;
  }

  /** Issue what the queue depth and the ordering rule allow. */
  private pump(): void {
    while (!this.abandoned && this.inFlightOps.size < this.depth) {
      if (!this.nextOp) {
        if (this.issued.length >= this.spec.ops) return;
        this.nextOp = this.draw(this.issued.length);
        this.issued.push(this.nextOp);
      }
      const op = this.nextOp;
      if (this.conflicts(op)) return;
      this.nextOp = undefined;
      this.inFlightOps.add(op);
      this.counts[op.op === 'read' ? 'reads' : op.op === 'write' ? 'writes' : 'flushes']++;
      const bs = this.disk.blockSize;
      const io: GuestIo = { op: op.op, lba: op.offset / bs, count: op.length / bs, ...(op.data && { data: op.data }), mode: 'dma' };
      this.guest.io(this.disk, io, (r) => this.completed(op, r));
    }
  }

  private completed(op: WorkloadOp, r: GuestIoResult): void {
    if (this.abandoned || !this.inFlightOps.has(op)) return;
    this.inFlightOps.delete(op);
    op.state = r.ok ? 'done' : 'failed';
    if (r.ok) this.counts.completed++;
    else this.counts.failed++;
    if (op.op === 'read' && r.data) op.result = r.data;
    if (op.op === 'write' && r.ok && op.data) {
      const head = Buffer.alloc(16);
      head.writeDoubleLE(op.offset, 0);
      head.writeDoubleLE(op.length, 8);
      this.hash.update(head).update(op.data);
    }
    this.observe?.(op, r);
    this.pump();
    this.checkFinished();
  }

  /** A guest reset: the requests the device held are dropped, nothing more is issued. */
  private abandon(): void {
    if (this.abandoned || this.finished) return;
    this.abandoned = true;
    for (const op of this.inFlightOps) {
      op.state = 'dropped';
      this.counts.dropped++;
    }
    this.inFlightOps.clear();
    this.checkFinished();
  }

  private checkFinished(): void {
    if (!this.finished) return;
    this.digestHex ??= this.hash.digest('hex');
    this.unlisten?.();
    this.unlisten = undefined;
    for (const fn of this.doneWaiters.splice(0)) fn();
  }
}
