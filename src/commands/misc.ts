// qapi/misc.json: human-monitor-command (monitor/qmp-cmds.c
// qmp_human_monitor_command) hands the line to the HMP interpreter.

import { QmpError } from '../qapi/error.js';
import type { CommandDef } from './registry.js';

export const miscCommands: CommandDef[] = [
  {
    name: 'human-monitor-command',
    run(args: { 'command-line': string; 'cpu-index'?: number }, ctx) {
      const cpu = args['cpu-index'];
      if (cpu !== undefined && (cpu < 0 || cpu >= ctx.machine.config.smp)) {
        throw QmpError.generic("Parameter 'cpu-index' expects a CPU number");
      }
      return ctx.hmp(args['command-line']);
    },
  },
];
