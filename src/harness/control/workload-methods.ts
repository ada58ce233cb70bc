// Control-channel methods: guest.workload starts a seeded random workload
// of the simulated guest OS on one disk (src/hw/guest/guest-workload.ts)
// and answers when it finished, or earlier when the VM stops on an I/O
// error with requests parked (the answer says how many); then
// guest.workload.wait {id} waits again (after fault.clear and cont).

import { z } from 'zod';
import { GuestWorkload, type WorkloadSummary } from '../../hw/guest/guest-workload.js';
import type { Machine } from '../../machine/machine.js';
import { method, pickVm, vmRef, type ControlMethod } from './control-method.js';

const weight = z.number().nonnegative().finite();

export const workloadParams = vmRef
  .extend({
    device: z.string(),
    seed: z.number().int().nonnegative().max(0xffffffff),
    ops: z.number().int().nonnegative().max(1_000_000),
    mix: z.object({ read: weight, write: weight, flush: weight }).strict().optional(),
    maxLength: z.number().int().positive().max(1 << 24).optional(),
    region: z.object({ offset: z.number().int().nonnegative(), length: z.number().int().positive() }).strict().optional(),
    queueDepth: z.number().int().min(1).max(64).optional(),
  })
  .strict();

export type WorkloadParams = z.infer<typeof workloadParams>;

export interface WorkloadAnswer extends WorkloadSummary {
  id: number;
  /** the run state when the answer was given (io-error: requests are parked) */
  status: string;
}

/** Starts the workload (the OS comes up if the firmware has not booted one). */
export function startWorkload(m: Machine, p: WorkloadParams): { id: number; wl: GuestWorkload } {
  const disk = m.devices.disk(p.device);
  if (!disk) throw new Error(`no disk device '${p.device}'`);
  const blk = m.block.backendList().find((b) => b.dev === disk.dev);
  const len = blk?.getLength() ?? -1;
  if (len <= 0) throw new Error(`'${p.device}' has no medium`);
  const guest = m.devices.guest;
  const wl = new GuestWorkload(guest, disk, p, len);
  if (guest.phase !== 'os') guest.startOs();
  const id = guest.nextWorkloadId++;
  guest.workloads.set(id, wl);
  wl.start();
  return { id, wl };
}

/** Resolves when the workload finished, or the VM sits in io-error with requests outstanding. */
export function waitWorkload(m: Machine, id: number, wl: GuestWorkload): Promise<WorkloadAnswer> {
  const answer = (): WorkloadAnswer => {
    const status = m.queryStatus().status;
    if (wl.finished) m.devices.guest.workloads.delete(id);
    return { id, status, ...wl.summary() };
  };
  const parked = () => !wl.finished && m.queryStatus().status === 'io-error';
  if (wl.finished || parked()) return Promise.resolve(answer());
  return new Promise((resolve) => {
    let unsub = () => {};
    let settled = false;
    const finish = () => {
      if (settled) return; // the other trigger fired first
      settled = true;
      unsub();
      resolve(answer());
    };
    unsub = m.events.subscribe((ev) => {
      if (ev.event === 'STOP' && parked()) finish();
    });
    wl.whenFinished(finish);
  });
}

export const workloadMethods: ControlMethod[] = [
  method({
    name: 'guest.workload',
    params: workloadParams,
    run: (p, ctx) => {
      const m = pickVm(ctx, p.vm);
      const { id, wl } = startWorkload(m, p);
      return waitWorkload(m, id, wl);
    },
  }),
  method({
    name: 'guest.workload.wait',
    params: vmRef.extend({ id: z.number().int().positive() }).strict(),
    run: (p, ctx) => {
      const m = pickVm(ctx, p.vm);
      const wl = m.devices.guest.workloads.get(p.id);
      if (!wl) throw new Error(`no unfinished workload ${p.id}`);
      return waitWorkload(m, p.id, wl);
    },
  }),
];
