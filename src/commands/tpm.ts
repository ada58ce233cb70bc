// QAPI module tpm: commands not modelled yet are absent (the monitor answers them clearly).

import type { CommandDef } from './registry.js';

export const tpmCommands: CommandDef[] = [];
