// One VM and one QMP session in this process, stepped by hand: no sockets,
// no wall clock. For fuzzing and ordering tests.

import { Machine } from '../../src/machine/machine.js';
import { VersionInfo } from '../../src/machine/version.js';
import { defaultMachineConfig, MachineConfig } from '../../src/machine/config.js';
import { QmpDispatcher } from '../../src/monitor/dispatcher.js';
import { machineExecutor } from '../../src/monitor/execute.js';
import { QmpSession } from '../../src/monitor/qmp-session.js';
import { buildCommandTable } from '../../src/commands/registry.js';

export interface InProcessVm {
  machine: Machine;
  session: QmpSession;
  /** every line the session wrote, in order */
  out: string[];
  feed(bytes: string | Uint8Array): void;
  /** run the scheduler until nothing is runnable */
  settle(): void;
  logs: string[];
}

export function inProcessVm(config: Partial<MachineConfig> = {}): InProcessVm {
  const logs: string[] = [];
  const log = (m: string) => logs.push(m);
  const machine = new Machine({ ...defaultMachineConfig(), clock: 'virtual', ...config }, { version: VersionInfo.recorded(), log, live: false });
  const dispatcher = new QmpDispatcher(machine.loop, machineExecutor({ machine, commands: buildCommandTable(), oobOffered: true, log }));
  const out: string[] = [];
  const greeting = () => ({ QMP: { version: machine.version.queryVersion(), capabilities: ['oob'] } });
  const session = new QmpSession(
    { greeting, oobOffered: true, dispatchOob: (r) => dispatcher.dispatchOob(r), kick: () => dispatcher.kick(), log },
    (text) => out.push(...text.split('\r\n').filter((l) => l !== '')),
    () => {},
  );
  dispatcher.addSession(session);
  machine.events.subscribe((ev) => session.deliverEvent(ev));
  machine.start();
  session.start();
  const settle = () => {
    machine.kernel.runUntilIdle();
  };
  settle();
  return {
    machine,
    session,
    out,
    logs,
    feed(bytes) {
      session.feed(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
    },
    settle,
  };
}
