// qapi/block-core.json adapters (blockdev.c, block/qapi.c,
// block/qapi-sysemu.c, block/write-threshold.c): validated arguments in,
// the block graph does the work, QAPI shapes out.

import { QmpError } from '../qapi/error.js';
import { BlockGenericError, BlockIOError } from '../block/drivers/block-driver.js';
import { queryBlock, queryBlockstats, queryNamedBlockNodes } from '../block/block-qapi.js';
import { qdictOrder } from '../qapi/qobject/qdict.js';
import type { CommandDef } from './registry.js';

/**
 * A result built in QAPI member order, re-keyed the way QEMU's output
 * visitor leaves it: QDict iteration order at every level.
 */
export function wireOrder(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(wireOrder);
  if (typeof v !== 'object' || v === null || typeof (v as object).constructor !== 'function' || (v as object).constructor !== Object) return v;
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of qdictOrder(Object.keys(o))) out[k] = wireOrder(o[k]);
  return out;
}

/** Error** from the block layer → the QMP error QEMU sends (always GenericError). */
export function blockError(e: unknown): unknown {
  if (e instanceof BlockGenericError || e instanceof BlockIOError) return QmpError.generic(e.message);
  return e;
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw blockError(e);
  }
}

export const blockCoreCommands: CommandDef[] = [
  {
    // blockdev.c qmp_blockdev_add: the root must be named; it becomes monitor-owned
    name: 'blockdev-add',
    run(args: Record<string, unknown>, ctx) {
      wrap(() => ctx.machine.block.openNode(args, { requireName: true, monitorOwned: true }));
    },
  },
  {
    name: 'blockdev-del',
    run(args: { 'node-name': string }, ctx) {
      wrap(() => ctx.machine.block.deleteNode(args['node-name']));
    },
  },
  {
    name: 'query-named-block-nodes',
    run: (args: { flat?: boolean }, ctx) => wireOrder(wrap(() => queryNamedBlockNodes(ctx.machine.block, args.flat ?? false))),
  },
  { name: 'query-block', run: (_a, ctx) => wireOrder(wrap(() => queryBlock(ctx.machine.block))) },
  {
    name: 'query-blockstats',
    run: (args: { 'query-nodes'?: boolean }, ctx) => wireOrder(wrap(() => queryBlockstats(ctx.machine.block, args['query-nodes'] ?? false))),
  },
  {
    // block/qapi-sysemu.c qmp_block_resize: lookup first, then the size check
    name: 'block_resize',
    run(args: { device?: string; 'node-name'?: string; size: number | bigint }, ctx) {
      const graph = ctx.machine.block;
      const node = graph.lookup(args.device, args['node-name']);
      if (args.size < 0) throw QmpError.generic("Parameter 'size' expects a >0 size");
      if (typeof args.size === 'bigint') throw QmpError.generic('File too large');
      graph.resize(node, args.size, args.device);
    },
  },
  {
    // block/write-threshold.c: node names only (BB names are not found)
    name: 'block-set-write-threshold',
    run(args: { 'node-name': string; 'write-threshold': number | bigint }, ctx) {
      const node = ctx.machine.block.findNode(args['node-name']);
      if (!node) throw QmpError.generic(`Device '${args['node-name']}' not found`);
      node.writeThreshold = BigInt(args['write-threshold']);
    },
  },
];
