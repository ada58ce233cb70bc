// qmp_transaction (blockdev.c): drain all I/O, prepare every action in
// order; the first failure aborts every action prepared so far (the failing
// one included) in reverse order, otherwise every action commits. All or
// nothing.

import { QmpError } from '../../qapi/error.js';
import type { BlockGraph } from '../block-graph.js';
import { type ActionState, type TransactionActionKind, TRANSACTION_ACTIONS } from './actions.js';

export type ActionCompletionMode = 'individual' | 'grouped';

export interface TransactionActionArg {
  type: TransactionActionKind;
  data: Record<string, unknown>;
}

/** action_check_completion_mode */
function checkCompletionMode(kind: TransactionActionKind, mode: ActionCompletionMode): void {
  if (mode !== 'individual') {
    throw QmpError.generic(`Action '${kind}' does not support Transaction property completion-mode = ${mode}`);
  }
}

export function runTransaction(graph: BlockGraph, actions: TransactionActionArg[], props: { 'completion-mode'?: ActionCompletionMode } = {}): void {
  const mode = props['completion-mode'] ?? 'individual';
  graph.drainAll();
  const done: Array<{ kind: TransactionActionKind; state: ActionState }> = [];
  try {
    for (const a of actions) {
      const ops = TRANSACTION_ACTIONS[a.type];
      if (!ops) throw QmpError.generic(`Transaction action '${String(a.type)}' is not modelled by qmp-sim`);
      const state: ActionState = { graph, prepared: false, bitmap: null, bs: null, backup: null, wasEnabled: false };
      done.push({ kind: a.type, state });
      if (ops.individualOnly) checkCompletionMode(a.type, mode);
      ops.prepare(state, a.data ?? {});
    }
  } catch (e) {
    for (let i = done.length - 1; i >= 0; i--) TRANSACTION_ACTIONS[done[i].kind].abort?.(done[i].state);
    throw e;
  }
  for (const d of done) TRANSACTION_ACTIONS[d.kind].commit?.(d.state);
}
