// QAPI module job: commands not modelled yet are absent (the monitor answers them clearly).

import type { CommandDef } from './registry.js';

export const jobCommands: CommandDef[] = [];
