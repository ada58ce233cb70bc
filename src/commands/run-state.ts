// qapi/run-state.json and the run-state parts of qapi/misc.json / machine.json
// (monitor/qmp-cmds.c, softmmu/runstate.c): the model decides, these adapt.

import type { CommandDef } from './registry.js';

export const runStateCommands: CommandDef[] = [
  { name: 'query-status', run: (_a, ctx) => ctx.machine.queryStatus() },
  { name: 'stop', run: (_a, ctx) => ctx.machine.qmpStop() },
  { name: 'cont', run: (_a, ctx) => ctx.machine.qmpCont() },
  { name: 'system_reset', run: (_a, ctx) => ctx.machine.qmpSystemReset() },
  { name: 'system_powerdown', run: (_a, ctx) => ctx.machine.qmpSystemPowerdown() },
  { name: 'system_wakeup', run: (_a, ctx) => ctx.machine.qmpSystemWakeup() },
  { name: 'quit', run: (_a, ctx) => ctx.machine.qmpQuit() },
];
