// qapi/char.json (chardev/char.c): the machine's chardevs as QEMU lists them,
// and the chardev back ends built into QEMU 7.2 (recorded).

import type { CommandDef } from './registry.js';
import { wireOrder } from './block-core.js';
import { recordedQuery } from './target-profile.js';
import { GHashTableModel } from '../qapi/ghash-table.js';

/** /chardevs' children in its property GHashTable's order (object_child_foreach), each prepended: the list comes out reversed. Input in creation order. */
function chardevOrder(list: ChardevInfo[]): ChardevInfo[] {
  const table = new GHashTableModel();
  for (const c of list) table.insert(c.label);
  const byLabel = new Map(list.map((c) => [c.label, c]));
  return [...table].map((l) => byLabel.get(l)!).reverse();
}

/** One chardev as query-chardev shows it (ChardevInfo). */
export interface ChardevInfo {
  label: string;
  /** chardev/char-socket.c qemu_chr_compute_filename: "unix:PATH,server=on" once connected, "disconnected:..." before */
  filename: string;
  'frontend-open': boolean;
}

export const charCommands: CommandDef[] = [
  {
    name: 'query-chardev',
    run: (_a, ctx) => wireOrder(chardevOrder(ctx.machine.chardevs())),
  },
  recordedQuery('query-chardev-backends'),
];
