// Fault injection on block nodes (qmp-sim's own, driven by the control
// channel): like blkdebug's inject-error rules (block/blkdebug.c) but set
// on any node at run time. A matching request fails with -errno before the
// driver sees it, so nothing of a failed write reaches the image; the
// device's error policy then acts exactly as for a blkdebug error.
// State lives on the graph and on its nodes (no module-level state).

import type { BlockNode } from './block-node.js';
import type { BlockRequest } from './block-request.js';
import { EACCES, EBUSY, EDQUOT, EFBIG, EINVAL, EIO, ENOMEDIUM, ENOMEM, ENOSPC, ENOTSUP, EPERM, EROFS } from './drivers/errno.js';

/** The errno names fault.inject accepts, as data. */
export const FAULT_ERRNO: Readonly<Record<string, number>> = {
  EPERM,
  EIO,
  ENOMEM,
  EACCES,
  EBUSY,
  EINVAL,
  EFBIG,
  ENOSPC,
  EROFS,
  ENOTSUP,
  EDQUOT,
  ENOMEDIUM,
  ETIMEDOUT: 110,
  ECANCELED: 125,
};

export type FaultOp = 'read' | 'write' | 'flush' | 'any';
export type FaultMode = 'once' | 'sticky';

export interface FaultSpec {
  errno: string;
  op: FaultOp;
  /** first 512-byte sector of the range; absent: every offset */
  sector?: number;
  /** sectors in the range (default 1 when `sector` is given; else to the end) */
  sectors?: number;
  mode: FaultMode;
}

/** A request a fault failed (offset and bytes of the request at the root). */
export interface FaultHit {
  readonly fault: Fault;
  readonly kind: BlockRequest['kind'];
  readonly offset: number;
  readonly bytes: number;
}

export interface Fault extends FaultSpec {
  readonly id: number;
  readonly node: BlockNode;
  readonly owner: FaultInjector;
  /** requests it failed so far */
  hits: number;
}

/** What fault.list shows of one fault. */
export interface FaultInfo {
  id: number;
  node: string;
  errno: string;
  op: FaultOp;
  sector?: number;
  sectors?: number;
  mode: FaultMode;
  hits: number;
}

const SECTOR = 512;
const NODE_FAULTS = Symbol('qmp-sim.faults');
const INJECTOR = Symbol('qmp-sim.fault-injector');

type WithFaults = { [NODE_FAULTS]?: Fault[] };
type WithInjector = { [INJECTOR]?: FaultInjector };

/** The op a block request counts as (discard and write-zeroes are writes, as in BLOCK_IO_ERROR). */
function opOf(req: BlockRequest): Exclude<FaultOp, 'any'> {
  return req.kind === 'read' ? 'read' : req.kind === 'flush' ? 'flush' : 'write';
}

function matches(f: Fault, req: BlockRequest): boolean {
  const op = opOf(req);
  if (f.op !== 'any' && f.op !== op) return false;
  if (f.sector === undefined && f.sectors === undefined) return true;
  // a ranged fault never hits a flush (it has no range), as blkdebug's sector= rules
  if (op === 'flush') return false;
  const start = (f.sector ?? 0) * SECTOR;
  const end = f.sectors === undefined ? (f.sector === undefined ? Infinity : start + SECTOR) : start + f.sectors * SECTOR;
  const reqEnd = req.offset + Math.max(req.bytes, 1);
  return req.offset < end && reqEnd > start;
}

/** The nodes a request on `root` passes through: the root and its primary (file) chain. */
function requestPath(root: BlockNode): BlockNode[] {
  const path = [root];
  let cur = root;
  for (let i = 0; i < 64; i++) {
    const next = cur.children().find((c) => c.name === 'file')?.node;
    if (!next) break;
    path.push(next);
    cur = next;
  }
  return path;
}

/**
 * The node request hook (block-request.ts runRequest): 0, or the -errno an
 * injected fault fails this request with. A fault on a node below the root
 * matches by the root request's range (qcow2's host offsets are not mapped).
 */
export function injectedFault(root: BlockNode, req: BlockRequest): number {
  for (const node of requestPath(root)) {
    const list = (node as WithFaults)[NODE_FAULTS];
    if (!list || list.length === 0) continue;
    const f = list.find((x) => matches(x, req));
    if (!f) continue;
    f.hits++;
    if (f.mode === 'once') list.splice(list.indexOf(f), 1);
    f.owner.notifyHit({ fault: f, kind: req.kind, offset: req.offset, bytes: req.bytes });
    return -FAULT_ERRNO[f.errno];
  }
  return 0;
}

/** One machine's faults: ids, the per-node lists, inject / clear / list. */
export class FaultInjector {
  private nextId = 1;
  private readonly nodes = new Set<BlockNode>();
  private readonly hitListeners = new Set<(hit: FaultHit) => void>();

  /** Observe every request a fault fails (tests build reference models on it). */
  onHit(fn: (hit: FaultHit) => void): () => void {
    this.hitListeners.add(fn);
    return () => this.hitListeners.delete(fn);
  }

  /** @internal */
  notifyHit(hit: FaultHit): void {
    for (const fn of [...this.hitListeners]) fn(hit);
  }

  inject(node: BlockNode, spec: FaultSpec): Fault {
    if (!(spec.errno in FAULT_ERRNO)) throw new Error(`unknown errno '${spec.errno}' (one of ${Object.keys(FAULT_ERRNO).join(', ')})`);
    if (spec.sector !== undefined && (!Number.isSafeInteger(spec.sector) || spec.sector < 0)) throw new Error('sector must be a non-negative integer');
    if (spec.sectors !== undefined && (!Number.isSafeInteger(spec.sectors) || spec.sectors < 1)) throw new Error('sectors must be a positive integer');
    const f: Fault = { ...spec, id: this.nextId++, node, owner: this, hits: 0 };
    const holder = node as WithFaults;
    (holder[NODE_FAULTS] ??= []).push(f);
    this.nodes.add(node);
    return f;
  }

  /** Removes fault `id` (all when undefined); returns how many went. */
  clear(id?: number): number {
    let n = 0;
    for (const node of this.nodes) {
      const list = (node as WithFaults)[NODE_FAULTS] ?? [];
      const keep = list.filter((f) => id !== undefined && f.id !== id);
      n += list.length - keep.length;
      list.splice(0, list.length, ...keep);
      if (keep.length === 0) this.nodes.delete(node);
    }
    return n;
  }

  /** Faults still armed (a fired `once` fault is gone), by id. */
  list(): FaultInfo[] {
    const out: FaultInfo[] = [];
    for (const node of this.nodes) {
      for (const f of (node as WithFaults)[NODE_FAULTS] ?? []) {
        out.push({
          id: f.id,
          node: node.nodeName,
          errno: f.errno,
          op: f.op,
          ...(f.sector !== undefined && { sector: f.sector }),
          ...(f.sectors !== undefined && { sectors: f.sectors }),
          mode: f.mode,
          hits: f.hits,
        });
      }
    }
    return out.sort((a, b) => a.id - b.id);
  }
}

/** The injector of a block graph (created on first use; kept on the graph object). */
export function faultInjector(graph: object): FaultInjector {
  const g = graph as WithInjector;
  return (g[INJECTOR] ??= new FaultInjector());
}
