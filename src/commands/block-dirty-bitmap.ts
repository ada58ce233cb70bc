// qapi/block-core.json block-dirty-bitmap-* adapters
// (block/monitor/bitmap-qmp-cmds.c): the block layer does the work.

import { type BitmapAddArgs, type BitmapOrStr, bitmapAdd, bitmapClear, bitmapMerge, bitmapRemove, bitmapSetEnabled } from '../block/transaction/bitmap-qmp.js';
import type { CommandDef } from './registry.js';

interface BitmapName {
  node: string;
  name: string;
}

export const blockDirtyBitmapCommands: CommandDef[] = [
  {
    name: 'block-dirty-bitmap-add',
    run(args: BitmapAddArgs, ctx) {
      bitmapAdd(ctx.machine.block, args);
    },
  },
  {
    name: 'block-dirty-bitmap-remove',
    run(args: BitmapName, ctx) {
      bitmapRemove(ctx.machine.block, args.node, args.name, true);
    },
  },
  {
    name: 'block-dirty-bitmap-clear',
    run(args: BitmapName, ctx) {
      bitmapClear(ctx.machine.block, args.node, args.name, false);
    },
  },
  {
    name: 'block-dirty-bitmap-enable',
    run(args: BitmapName, ctx) {
      bitmapSetEnabled(ctx.machine.block, args.node, args.name, true);
    },
  },
  {
    name: 'block-dirty-bitmap-disable',
    run(args: BitmapName, ctx) {
      bitmapSetEnabled(ctx.machine.block, args.node, args.name, false);
    },
  },
  {
    name: 'block-dirty-bitmap-merge',
    run(args: { node: string; target: string; bitmaps: BitmapOrStr[] }, ctx) {
      bitmapMerge(ctx.machine.block, args.node, args.target, args.bitmaps);
    },
  },
];
