// Control-channel methods: vm.crash. The emulator process dies, as if
// SIGKILLed, when the named QMP command arrives, before it replies: the
// "QEMU died while libvirt waited on a command" case of libvirt's
// docs/kbase/internals (THREADS.txt). Only a VM in its own process (qmp-sim
// serve / qmp-sim-qemu) can crash; that server puts `crash` in the context.

import { z } from 'zod';
import type { Machine } from '../../machine/machine.js';
import { method, pickVm, vmRef, type ControlContext, type ControlMethod } from './control-method.js';

/** What the server that owns the process offers. */
export interface VmCrashHook {
  /** die when `command` is next dispatched on this VM's monitors */
  armAfter(vm: Machine, command: string): void;
  /** armed command names */
  armed(vm: Machine): string[];
}

export interface VmCrashContext extends ControlContext {
  crash?: VmCrashHook;
}

function hook(ctx: ControlContext): VmCrashHook {
  const h = (ctx as VmCrashContext).crash;
  if (!h) throw new Error('vm.crash needs a VM in its own process (qmp-sim serve or qmp-sim-qemu)');
  return h;
}

export const vmCrashMethods: ControlMethod[] = [
  method({
    name: 'vm.crash',
    params: vmRef.extend({ after: z.string().min(1).max(256) }).strict(),
    run: (p, ctx) => {
      const vm = pickVm(ctx, p.vm);
      hook(ctx).armAfter(vm, p.after);
      return { armed: hook(ctx).armed(vm) };
    },
  }),
];
