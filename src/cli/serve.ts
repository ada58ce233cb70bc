// `qmp-sim serve QEMU-OPTIONS...`: one simulated VM behind the monitors its
// command line asks for (softmmu/vl.c: parse, create the machine, open the
// monitors, run the main loop until quit).

import { writeFileSync } from 'node:fs';
import { Machine } from '../machine/machine.js';
import { QmpMonitor } from '../monitor/qmp-monitor.js';
import { QmpDispatcher } from '../monitor/dispatcher.js';
import { buildCommandTable } from '../commands/registry.js';
import { CommandLineError, parseQemuCommandLine, QemuCommandLine } from './qemu-cmdline.js';
import { SimOptions, splitSimOptions } from './sim-options.js';
import { VersionInfo } from '../machine/version.js';
import type { ExecutionHost } from '../monitor/execute.js';

export interface ServeHandle {
  machine: Machine;
  monitors: QmpMonitor[];
  /** Resolves when the VM has exited (quit, guest shutdown, signal). */
  exited: Promise<void>;
  close(): void;
}

const log = (msg: string) => process.stderr.write(`qmp-sim: ${msg}\n`);

/** Build and start one VM from QEMU-style argv; resolves once monitors listen. */
export async function startVm(cmdline: QemuCommandLine, sim: SimOptions): Promise<ServeHandle> {
  const recorded = VersionInfo.recorded();
  const version = sim.qemuVersion ? VersionInfo.parse(sim.qemuVersion, recorded.pkg) : recorded;
  const machine = new Machine({ ...cmdline.machine, seed: sim.seed, clock: sim.clock, imageDirs: sim.imageDirs }, { version, log });
  const exec: ExecutionHost = { machine, commands: buildCommandTable(), oobOffered: true, log };
  const dispatcher = new QmpDispatcher(machine.loop, exec);
  const greeting = () => ({ QMP: { version: version.queryVersion(), capabilities: ['oob'] } });
  const monitors: QmpMonitor[] = [];
  for (const mon of cmdline.monitors) {
    if (mon.mode !== 'control') {
      log(`HMP monitor on chardev '${mon.chardev}' is not modelled; use human-monitor-command`);
      continue;
    }
    const spec = cmdline.chardevs.get(mon.chardev)!;
    monitors.push(new QmpMonitor({ spec, pretty: mon.pretty, dispatcher, events: machine.events, greeting, log }));
  }
  await Promise.all(monitors.map((m) => m.start()));
  machine.start();
  let resolveExit!: () => void;
  const exited = new Promise<void>((r) => (resolveExit = r));
  const close = () => {
    for (const m of monitors) m.close();
    machine.destroy();
    resolveExit();
  };
  // The main loop exits after its last iteration's replies went out (quit's
  // reply included); then the monitors close and the process ends.
  machine.onExit(() => close());
  return { machine, monitors, exited, close };
}

export async function serveMain(argv: string[]): Promise<number> {
  let cmdline: QemuCommandLine;
  let sim: SimOptions;
  try {
    const split = splitSimOptions(argv);
    sim = split.sim;
    cmdline = parseQemuCommandLine(split.qemu);
  } catch (e) {
    if (e instanceof CommandLineError || e instanceof Error) {
      process.stderr.write(`qmp-sim: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  for (const opt of cmdline.unmodelled) log(`option ${opt} accepted but not modelled`);
  if (cmdline.monitors.length === 0 && !sim.control) log('no -qmp/-mon given: nothing to talk to (try -qmp unix:/tmp/qmp.sock,server=on,wait=off)');
  let vm: ServeHandle | undefined;
  // The control channel listens before the monitors do, so a client that
  // got the QMP greeting can reach it.
  let control: { close(): void } | undefined;
  try {
    if (sim.control) {
      const { startControlChannel } = await import('../harness/control/control-server.js');
      control = await startControlChannel(sim.control, { vms: () => (vm ? [vm.machine] : []) });
    }
    vm = await startVm(cmdline, sim);
  } catch (e) {
    process.stderr.write(`qmp-sim: ${(e as Error).message}\n`);
    control?.close();
    return 1;
  }
  const running = vm;
  if (cmdline.pidfile) writeFileSync(cmdline.pidfile, `${process.pid}\n`);
  // SIGTERM/SIGINT/SIGHUP: SHUTDOWN host-signal, then exit (softmmu/runstate.c).
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(sig, () => running.machine.hostSignal());
  }
  process.on('SIGPIPE', () => {});
  await running.exited;
  control?.close();
  return 0;
}
