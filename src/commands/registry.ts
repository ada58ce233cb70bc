// The modelled command table: one adapter file per QAPI module, each a list
// of CommandDefs. A command QEMU 7.2 lists but qmp-sim does not model yet is
// absent here; the monitor answers it with a clear GenericError.

import type { Machine } from '../machine/machine.js';
import { controlCommands } from './control.js';
import { runStateCommands } from './run-state.js';
import { miscCommands } from './misc.js';
import { machineCommands } from './machine.js';
import { migrationCommands } from './migration.js';
import { blockCoreCommands } from './block-core.js';
import { qdevCommands } from './qdev.js';
import { blockCommands } from './block.js';
import { jobCommands } from './job.js';
import { blockJobCommands } from './block-job.js';
import { mirrorCommands } from './mirror.js';
import { blockCreateCommands } from './block-create.js';
import { blockDirtyBitmapCommands } from './block-dirty-bitmap.js';
import { transactionCommands } from './transaction.js';
import { qomCommands } from './qom.js';
import { machineTargetCommands } from './machine-target.js';
import { miscTargetCommands } from './misc-target.js';
import { charCommands } from './char.js';
import { tpmCommands } from './tpm.js';
import { iothreadCommands } from './iothread.js';
import { balloonCommands } from './balloon.js';

/** The monitor state a command may touch (qmp_capabilities does). */
export interface MonitorSessionState {
  commandMode: boolean;
  oobEnabled: boolean;
}

export interface CommandContext {
  machine: Machine;
  session: MonitorSessionState;
  oobOffered: boolean;
  /** The HMP interpreter of the monitor layer (human-monitor-command). */
  hmp(line: string): string;
}

export interface CommandDef {
  name: string;
  // Arguments arrive validated against QEMU's schema (src/qapi/validate.ts).
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  run(args: any, ctx: CommandContext): unknown;
}

export type CommandTable = Map<string, CommandDef>;

export function buildCommandTable(): CommandTable {
  const table: CommandTable = new Map();
  for (const list of [controlCommands, runStateCommands, miscCommands, machineCommands, migrationCommands, blockCoreCommands, blockCommands, qdevCommands,
    jobCommands, blockJobCommands, mirrorCommands, blockCreateCommands, blockDirtyBitmapCommands, transactionCommands, qomCommands, machineTargetCommands, miscTargetCommands, charCommands, tpmCommands, iothreadCommands, balloonCommands]) {
    for (const def of list) {
      if (table.has(def.name)) throw new Error(`command ${def.name} defined twice`);
      table.set(def.name, def);
    }
  }
  return table;
}
