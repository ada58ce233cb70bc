// `qmp-sim serve QEMU-OPTIONS...`: one simulated VM behind the monitors its
// command line asks for (softmmu/vl.c: parse, create the machine, open the
// monitors, run the main loop until quit).

import { writeFileSync } from 'node:fs';
import type { Machine } from '../machine/machine.js';
import { QmpMonitor } from '../monitor/qmp-monitor.js';
import { QmpDispatcher } from '../monitor/dispatcher.js';
import { EventBus } from '../system/qapi-event.js';
import { CommandLineError, parseQemuCommandLine, QemuCommandLine } from './qemu-cmdline.js';
import { SimOptions, splitSimOptions } from './sim-options.js';
import { VersionInfo } from '../machine/version.js';

export interface ServeHandle {
  machine: Machine;
  monitors: QmpMonitor[];
  /** Resolves when the VM has exited (quit, guest shutdown, signal). */
  exited: Promise<void>;
  close(): void;
}

const log = (msg: string) => process.stderr.write(`qmp-sim: ${msg}\n`);

/** Build and start one VM from QEMU-style argv; resolves once monitors listen.
 * The monitors listen and greet first; the machine and the command layer
 * load right after (start-up stays cheap), and requests wait for them. */
export async function startVm(cmdline: QemuCommandLine, sim: SimOptions): Promise<ServeHandle> {
  const recorded = VersionInfo.recorded();
  const version = sim.qemuVersion ? VersionInfo.parse(sim.qemuVersion, recorded.pkg) : recorded;
  const events = new EventBus(() => ({ seconds: 0, microseconds: 0 }));
  const dispatcher = new QmpDispatcher();
  const greeting = () => ({ QMP: { version: version.queryVersion(), capabilities: ['oob'] } });
  const monitors: QmpMonitor[] = [];
  for (const mon of cmdline.monitors) {
    if (mon.mode !== 'control') {
      log(`HMP monitor on chardev '${mon.chardev}' is not modelled; use human-monitor-command`);
      continue;
    }
    const spec = cmdline.chardevs.get(mon.chardev)!;
    monitors.push(new QmpMonitor({ spec, pretty: mon.pretty, dispatcher, events, greeting, log }));
  }
  await Promise.all(monitors.map((m) => m.start()));
  const [{ Machine }, { buildCommandTable }, { machineExecutor }] = await Promise.all([
    import('../machine/machine.js'),
    import('../commands/registry.js'),
    import('../monitor/execute.js'),
  ]);
  let machine: Machine;
  try {
    machine = new Machine({ ...cmdline.machine, seed: sim.seed, clock: sim.clock, imageDirs: sim.imageDirs }, { version, log, events });
  } catch (e) {
    for (const m of monitors) m.close();
    throw e;
  }
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
  machine.start();
  dispatcher.bind(machine.loop, machineExecutor({ machine, commands: buildCommandTable(), oobOffered: true, log }));
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
  let vmReady!: () => void;
  const ready = new Promise<void>((r) => (vmReady = r));
  try {
    if (sim.control) {
      const { startControlChannel } = await import('../harness/control/control-server.js');
      control = await startControlChannel(sim.control, { vms: () => (vm ? [vm.machine] : []), ready });
    }
    vm = await startVm(cmdline, sim);
    vmReady();
  } catch (e) {
    // Machine construction errors already carry QEMU's own prefix.
    const msg = (e as Error).message;
    process.stderr.write(msg.startsWith('qemu-system-') ? `${msg}\n` : `qmp-sim: ${msg}\n`);
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
