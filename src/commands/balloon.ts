// qapi/machine.json balloon / query-balloon (softmmu/balloon.c): answered by
// the machine's virtio-balloon (src/hw/virtio/virtio-balloon.ts).

import { QmpError } from '../qapi/error.js';
import type { Machine } from '../machine/machine.js';
import { VirtioBalloon } from '../hw/virtio/virtio-balloon.js';
import type { CommandDef } from './registry.js';

/** have_balloon */
function balloonOf(machine: Machine): VirtioBalloon {
  const dev = machine.devices.env.balloon.device;
  if (!(dev instanceof VirtioBalloon)) throw new QmpError('DeviceNotActive', 'No balloon device has been activated');
  return dev;
}

export const balloonCommands: CommandDef[] = [
  {
    name: 'query-balloon',
    run: (_a, ctx) => {
      balloonOf(ctx.machine);
      // no guest driver: the balloon stays deflated
      return { actual: ctx.machine.config.memoryMiB * 1024 * 1024 };
    },
  },
  {
    name: 'balloon',
    run: (args: { value: number }, ctx) => {
      const dev = balloonOf(ctx.machine);
      if (args.value <= 0) throw QmpError.generic("Parameter 'target' expects a size");
      dev.target = args.value;
      return {};
    },
  },
];
