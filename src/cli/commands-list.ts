// `qmp-sim commands`: QEMU 7.2's command list and which ones qmp-sim models.

import { queryCommands } from '../qapi/introspect.js';
import { buildCommandTable } from '../commands/registry.js';

export function commandsMain(opts: { json: boolean }): number {
  const table = buildCommandTable();
  const all = (queryCommands() as { name: string }[]).map((c) => c.name).sort();
  const modelled = all.filter((n) => table.has(n));
  if (opts.json) {
    process.stdout.write(JSON.stringify({ modelled, notModelled: all.filter((n) => !table.has(n)) }, null, 2) + '\n');
    return 0;
  }
  for (const n of all) process.stdout.write(`${table.has(n) ? 'modelled    ' : 'not modelled'}  ${n}\n`);
  process.stdout.write(`${modelled.length} of ${all.length} QEMU 7.2 commands modelled\n`);
  return 0;
}
