// The control channel's methods: a table of name, zod params schema, handler.
// Documented in README.md ("Control channel").

import { z } from 'zod';
import { guestFlush, guestIoParams, guestRead, guestWrite } from './guest-methods.js';
import { method, pickVm, vmRef, type ControlMethod } from './control-method.js';
import { faultMethods } from './fault-methods.js';
import { workloadMethods } from './workload-methods.js';
import { vmCrashMethods } from './vm-crash-methods.js';

export type { ControlContext, ControlMethod } from './control-method.js';

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
  ...faultMethods,
  ...workloadMethods,
  ...vmCrashMethods,
];
