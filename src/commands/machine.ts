// qapi/machine.json and qapi/machine-target.json: query-target, query-kvm,
// query-uuid, query-name (hw/core/machine-qmp-cmds.c).

import type { CommandDef } from './registry.js';

export const machineCommands: CommandDef[] = [
  {
    name: 'query-target',
    run: () => ({ arch: 'x86_64' }),
  },
  {
    // present: the KVM accelerator is built in (Debian's QEMU has it);
    // enabled: the machine was started with kvm as its accelerator.
    name: 'query-kvm',
    run: (_a, ctx) => ({ enabled: ctx.machine.kvmEnabled, present: true }),
  },
  {
    name: 'query-uuid',
    run: (_a, ctx) => ({ UUID: ctx.machine.uuid }),
  },
  {
    name: 'query-name',
    run: (_a, ctx) => (ctx.machine.name === undefined ? {} : { name: ctx.machine.name }),
  },
];
