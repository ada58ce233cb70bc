// Control-channel methods: fault.inject / fault.clear / fault.list. A fault
// sits on a block node (src/block/fault-inject.ts) and fails matching
// requests the way a blkdebug inject-error rule does; the device's
// werror/rerror policy decides what the guest and QMP see.

import { z } from 'zod';
import type { BlockNode } from '../../block/block-node.js';
import { FAULT_ERRNO, faultInjector } from '../../block/fault-inject.js';
import type { Machine } from '../../machine/machine.js';
import { method, pickVm, vmRef, type ControlMethod } from './control-method.js';

const errnoName = z.string().refine((s) => s in FAULT_ERRNO, { message: `errno must be one of ${Object.keys(FAULT_ERRNO).join(', ')}` });

export const faultInjectParams = vmRef
  .extend({
    node: z.string().optional(),
    device: z.string().optional(),
    errno: errnoName,
    op: z.enum(['read', 'write', 'flush', 'any']),
    sector: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
    sectors: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    mode: z.enum(['once', 'sticky']),
  })
  .strict()
  .refine((p) => (p.node === undefined) !== (p.device === undefined), { message: 'give exactly one of "node" and "device"' });

/** `device`: a qdev id (its BlockBackend's root) or a -drive/BlockBackend name; `node`: a node name. */
export function faultTarget(m: Machine, p: { node?: string; device?: string }): BlockNode {
  const graph = m.block;
  if (p.node !== undefined) {
    const n = graph.findNode(p.node);
    if (!n) throw new Error(`no block node '${p.node}'`);
    return n;
  }
  const id = p.device!;
  const dev = m.devices.findDevice(id);
  const front = dev?.aliasedChild() ?? dev; // virtio-blk-pci: its virtio-blk-device holds the drive
  const blk = (front && graph.backendList().find((b) => b.dev === front)) || graph.backend(id);
  if (!blk) throw new Error(`no device or drive '${id}'`);
  if (!blk.root) throw new Error(`'${id}' has no medium`);
  return blk.root;
}

export const faultMethods: ControlMethod[] = [
  method({
    name: 'fault.inject',
    params: faultInjectParams,
    run: (p, ctx) => {
      const m = pickVm(ctx, p.vm);
      const node = faultTarget(m, p);
      const f = faultInjector(m.block).inject(node, {
        errno: p.errno,
        op: p.op,
        mode: p.mode,
        ...(p.sector !== undefined && { sector: p.sector }),
        ...(p.sectors !== undefined && { sectors: p.sectors }),
      });
      return { id: f.id, node: node.nodeName };
    },
  }),
  method({
    name: 'fault.clear',
    params: vmRef.extend({ id: z.number().int().positive().optional() }).strict(),
    run: (p, ctx) => ({ cleared: faultInjector(pickVm(ctx, p.vm).block).clear(p.id) }),
  }),
  method({
    name: 'fault.list',
    params: vmRef,
    run: (p, ctx) => faultInjector(pickVm(ctx, p.vm).block).list(),
  }),
];
