// The control channel's methods: a table of name, zod params schema, handler.
// Documented in README.md ("Control channel").

import { z } from 'zod';
import type { Machine } from '../../machine/machine.js';
import { guestFlush, guestIoParams, guestRead, guestWrite } from './guest-methods.js';

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

const vmRef = z.object({ vm: z.union([z.string(), z.number().int()]).optional() }).strict();

function pickVm(ctx: ControlContext, ref: string | number | undefined): Machine {
  const vms = ctx.vms();
  if (ref === undefined) {
    if (vms.length !== 1) throw new Error(`${vms.length} VMs: name one with "vm"`);
    return vms[0];
  }
  const vm = typeof ref === 'number' ? vms[ref] : vms.find((m) => m.name === ref);
  if (!vm) throw new Error(`no VM ${JSON.stringify(ref)}`);
  return vm;
}

function method<P extends z.ZodTypeAny>(m: ControlMethod<P>): ControlMethod {
  return m as unknown as ControlMethod;
}

export const controlMethods: ControlMethod[] = [
  method({
    name: 'vm.list',
    params: z.object({}).strict(),
    run: (_p, ctx) => ctx.vms().map((m, index) => ({ index, name: m.name ?? null, status: m.queryStatus().status })),
  }),
  method({
    name: 'vm.state',
    params: vmRef,
    run: (p, ctx) => {
      const m = pickVm(ctx, p.vm);
      return { ...m.queryStatus(), clock: m.clockKind, seed: m.seed, nowNs: m.nowNs() };
    },
  }),
  method({
    name: 'clock.advance',
    params: vmRef.extend({ ns: z.number().int().nonnegative().optional(), ms: z.number().nonnegative().optional() }).strict(),
    run: (p, ctx) => {
      const m = pickVm(ctx, p.vm);
      if (m.clockKind !== 'virtual') throw new Error('clock.advance needs --clock virtual');
      const ns = (p.ns ?? 0) + Math.round((p.ms ?? 0) * 1e6);
      m.advanceClock(ns);
      return { nowNs: m.nowNs() };
    },
  }),
  method({
    name: 'guest.write',
    params: guestIoParams,
    run: (p, ctx) => guestWrite(pickVm(ctx, p.vm), p),
  }),
  method({
    name: 'guest.read',
    params: guestIoParams,
    run: (p, ctx) => guestRead(pickVm(ctx, p.vm), p),
  }),
  method({
    name: 'guest.flush',
    params: vmRef.extend({ device: z.string() }).strict(),
    run: (p, ctx) => guestFlush(pickVm(ctx, p.vm), p),
  }),
];
