// qapi/misc.json query-iothreads (iothread.c qmp_query_iothreads): the
// iothreads among the children of /objects, in the order that container's
// own property GHashTable iterates (object_child_foreach): every -object id
// in creation order, then the board's RAM backend "pc.ram" (absent with
// -machine none). qmp-sim keeps only iothread objects, so other -object ids
// (which would change the table's size) are not counted.

import { GHashTableModel } from '../qapi/ghash-table.js';
import type { Machine } from '../machine/machine.js';
import type { CommandDef } from './registry.js';
import { wireOrder } from './block-core.js';

export function queryIothreads(machine: Machine): unknown[] {
  const table = new GHashTableModel();
  const threads = machine.kernel.iothreads();
  for (const t of threads) table.insert(t.id);
  if (machine.config.machineType !== 'none') table.insert('pc.ram');
  const byId = new Map(threads.map((t) => [t.id, t]));
  const out: unknown[] = [];
  for (const key of table) {
    const t = byId.get(key);
    if (!t) continue;
    out.push({
      id: t.id,
      // one host process: every simulated thread reports its pid
      'thread-id': process.pid,
      'poll-max-ns': t.props.pollMaxNs,
      'poll-grow': t.props.pollGrow,
      'poll-shrink': t.props.pollShrink,
      'aio-max-batch': t.props.aioMaxBatch,
    });
  }
  return out;
}

export const iothreadCommands: CommandDef[] = [{ name: 'query-iothreads', run: (_a, ctx) => wireOrder(queryIothreads(ctx.machine)) }];
