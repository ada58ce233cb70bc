// Steps 5-8 of request handling (qapi/qmp-dispatch.c qmp_dispatch and
// monitor/qmp.c monitor_qmp_dispatch): command lookup in the session's
// table, the negotiation gate, OOB permission, argument validation, handler.

import { QmpError } from '../qapi/error.js';
import { validateArguments } from '../qapi/validate.js';
import { isCommandKnown } from '../qapi/introspect.js';
import { qemu72 } from '../qapi/schema.js';
import type { CommandContext, CommandTable } from '../commands/registry.js';
import type { Machine } from '../machine/machine.js';
import type { QmpRequest } from './qmp-session.js';
import { runHmp } from './hmp/hmp.js';
import { hmpHelpText } from './hmp/help.js';
import type { MonitorSessionState } from '../commands/registry.js';
import type { HmpContext } from './hmp/hmp-commands.js';

export interface ExecutionHost {
  machine: Machine;
  commands: CommandTable;
  oobOffered: boolean;
  log(msg: string): void;
}

const NEGOTIATION_DESC = "Expecting capabilities negotiation with 'qmp_capabilities'";

export function executeQmp(host: ExecutionHost, req: QmpRequest): unknown {
  try {
    return lookupAndRun(host, req);
  } catch (e) {
    // monitor_qmp_dispatch: in negotiation mode every CommandNotFound gets a
    // more useful desc.
    if (!req.session.commandMode && e instanceof QmpError && e.errorClass === 'CommandNotFound') {
      throw new QmpError('CommandNotFound', NEGOTIATION_DESC);
    }
    throw e;
  }
}

function lookupAndRun(host: ExecutionHost, req: QmpRequest): unknown {
  const name = req.command;
  // Negotiation mode's table holds only qmp_capabilities.
  const found = req.session.commandMode ? isCommandKnown(name) : name === 'qmp_capabilities';
  if (!found) throw new QmpError('CommandNotFound', `The command ${name} has not been found`);
  if (req.oob && !qemu72().schema().command(name)?.allowOob) throw QmpError.generic(`The command ${name} does not support OOB`);
  const args = validateArguments(name, req.args);
  const ctx = commandContext(host, req.session);
  const def = host.commands.get(name);
  if (!def) {
    throw QmpError.generic(`The command ${name} is not modelled by qmp-sim yet`);
  }
  const ret = def.run(args, ctx);
  if (ret instanceof Promise) return ret.then((r) => (r === undefined ? {} : r));
  return ret === undefined ? {} : ret;
}

/** The context handlers see; HMP runs QMP commands through the same table. */
export function commandContext(host: ExecutionHost, session: MonitorSessionState): CommandContext {
  const ctx: CommandContext = {
    machine: host.machine,
    session,
    oobOffered: host.oobOffered,
    hmp: (line) => runHmp(hmpCtx, line),
  };
  const hmpCtx: HmpContext = {
    machine: host.machine,
    qmp(name, args) {
      const def = host.commands.get(name);
      if (!def) throw QmpError.generic(`The command ${name} is not modelled by qmp-sim yet`);
      const r = def.run(args ?? {}, ctx);
      return r === undefined ? {} : r;
    },
    helpText: (topic) => hmpHelpText(topic),
  };
  return ctx;
}

/** The dispatcher's executor for one machine. */
export function machineExecutor(host: ExecutionHost): { execute(req: QmpRequest): unknown; log(msg: string): void } {
  return { execute: (req) => executeQmp(host, req), log: host.log };
}
