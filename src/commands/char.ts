// qapi/char.json (chardev/char.c): the machine's chardevs as QEMU lists them,
// and the chardev back ends built into QEMU 7.2 (recorded).

import type { CommandDef } from './registry.js';
import { wireOrder } from './block-core.js';
import { recordedQuery } from './target-profile.js';

/** One chardev as query-chardev shows it (ChardevInfo). */
export interface ChardevInfo {
  label: string;
  /** chardev/char-socket.c qemu_chr_compute_filename: "unix:PATH,server=on" once connected, "disconnected:..." before */
  filename: string;
  'frontend-open': boolean;
}

/**
 * The chardevs come from the layer that opened them (the monitor's sockets):
 * it is assumed to expose them as `machine.chardevs()` (none when absent).
 */
interface ChardevHost {
  chardevs?: () => ChardevInfo[];
}

export const charCommands: CommandDef[] = [
  {
    name: 'query-chardev',
    run: (_a, ctx) => wireOrder((ctx.machine as unknown as ChardevHost).chardevs?.() ?? []),
  },
  recordedQuery('query-chardev-backends'),
];
