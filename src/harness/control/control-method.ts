// What every control-channel method shares: the context, the VM lookup, the typed table entry.

import { z } from 'zod';
import type { Machine } from '../../machine/machine.js';

export interface ControlContext {
  vms(): Machine[];
  /** requests wait for this (the server greets on QMP before its VM is built) */
  ready?: Promise<unknown>;
}

export interface ControlMethod<P extends z.ZodTypeAny = z.ZodTypeAny> {
  name: string;
  params: P;
  run(params: z.infer<P>, ctx: ControlContext): unknown;
}

export const vmRef = z.object({ vm: z.union([z.string(), z.number().int()]).optional() }).strict();

export function pickVm(ctx: ControlContext, ref: string | number | undefined): Machine {
  const vms = ctx.vms();
  if (ref === undefined) {
    if (vms.length !== 1) throw new Error(`${vms.length} VMs: name one with "vm"`);
    return vms[0];
  }
  const vm = typeof ref === 'number' ? vms[ref] : vms.find((m) => m.name === ref);
  if (!vm) throw new Error(`no VM ${JSON.stringify(ref)}`);
  return vm;
}

export function method<P extends z.ZodTypeAny>(m: ControlMethod<P>): ControlMethod {
  return m as unknown as ControlMethod;
}

