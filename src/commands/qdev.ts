// qapi/qdev.json adapters (softmmu/qdev-monitor.c): device_add takes its
// arguments unchecked ('gen': false) and returns {}; device_del returns {}
// at once, DEVICE_DELETED follows when the device is really gone.

import { blockError } from './block-core.js';
import type { CommandDef } from './registry.js';

export const qdevCommands: CommandDef[] = [
  {
    name: 'device_add',
    run(args: Record<string, unknown>, ctx) {
      try {
        ctx.machine.devices.deviceAdd(args ?? {});
      } catch (e) {
        throw blockError(e);
      }
    },
  },
  {
    name: 'device_del',
    run(args: { id: string }, ctx) {
      ctx.machine.devices.deviceDel(args.id);
    },
  },
];
