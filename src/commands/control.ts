// qapi/control.json: qmp_capabilities, query-version, query-commands
// (monitor/qmp-cmds-control.c).

import { QmpError } from '../qapi/error.js';
import { queryCommands, querySchema } from '../qapi/introspect.js';
import type { CommandDef } from './registry.js';

export const controlCommands: CommandDef[] = [
  {
    name: 'qmp_capabilities',
    run(args: { enable?: string[] }, ctx) {
      if (ctx.session.commandMode) {
        throw new QmpError('CommandNotFound', 'Capabilities negotiation is already complete, command ignored');
      }
      const wantOob = (args.enable ?? []).includes('oob');
      if (wantOob && !ctx.oobOffered) throw QmpError.generic('Capability oob not available');
      ctx.session.oobEnabled = wantOob;
      ctx.session.commandMode = true;
      return {};
    },
  },
  {
    name: 'query-version',
    run(_args, ctx) {
      return ctx.machine.version.queryVersion();
    },
  },
  {
    name: 'query-commands',
    run() {
      return queryCommands();
    },
  },
  {
    name: 'query-qmp-schema',
    run() {
      return querySchema();
    },
  },
];
