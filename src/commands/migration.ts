// qapi/migration.json, as far as a machine that never migrates answers it
// (migration/migration.c): query-migrate, migrate-incoming, and the
// postcopy recovery commands that are allowed out-of-band.

import type { CommandDef } from './registry.js';

export const migrationCommands: CommandDef[] = [
  {
    name: 'query-migrate',
    run: (_a, ctx) => ctx.machine.migration.query(),
  },
  {
    name: 'migrate-incoming',
    run: (args: { uri: string }, ctx) => ctx.machine.migration.incoming(args.uri),
  },
  {
    name: 'migrate-pause',
    run: (_a, ctx) => {
      ctx.machine.migration.pause();
    },
  },
  {
    name: 'migrate-recover',
    run: (_a, ctx) => {
      ctx.machine.migration.recover();
    },
  },
  {
    name: 'migrate_cancel',
    run: () => {},
  },
];

