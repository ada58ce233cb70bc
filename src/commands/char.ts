// QAPI module char: commands not modelled yet are absent (the monitor answers them clearly).

import type { CommandDef } from './registry.js';

export const charCommands: CommandDef[] = [];
