// qapi/transaction.json adapter (blockdev.c qmp_transaction): the action
// table and the prepare / commit / abort run live in src/block/transaction/.

import { type ActionCompletionMode, type TransactionActionArg, runTransaction } from '../block/transaction/transaction.js';
import type { CommandDef } from './registry.js';

export const transactionCommands: CommandDef[] = [
  {
    name: 'transaction',
    run(args: { actions: TransactionActionArg[]; properties?: { 'completion-mode'?: ActionCompletionMode } }, ctx) {
      runTransaction(ctx.machine.block, args.actions, args.properties ?? {});
    },
  },
];
