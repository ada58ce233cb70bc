// qapi/block-core.json adapters (blockdev.c, block/qapi.c,
// block/qapi-sysemu.c).

import { QmpError } from '../qapi/error.js';
import type { CommandDef } from './registry.js';

export const blockCoreCommands: CommandDef[] = [
  {
    // block/qapi-sysemu.c qmp_block_resize: lookup first, then the size check
    name: 'block_resize',
    run(args: { device?: string; 'node-name'?: string; size: number }, ctx) {
      const bs = ctx.machine.block.lookup(args.device, args['node-name']);
      if (args.size < 0) throw QmpError.generic("Parameter 'size' expects a >0 size");
      bs.truncate(args.size);
    },
  },
];
