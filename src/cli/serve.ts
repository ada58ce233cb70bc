// `qmp-sim serve QEMU-OPTIONS...` (and bin/qmp-sim-qemu): one simulated VM
// behind the monitors its command line asks for (softmmu/vl.c: parse,
// daemonize and write the pidfile, create the machine, open the monitors,
// run the main loop until quit or a signal).

import type { Machine } from '../machine/machine.js';
import { QmpMonitor } from '../monitor/qmp-monitor.js';
import { QmpDispatcher } from '../monitor/dispatcher.js';
import { EventBus } from '../system/qapi-event.js';
import { CommandLineError, parseQemuCommandLine, QemuCommandLine } from './qemu-cmdline.js';
import { controlAddress, SimOptions, splitSimOptions } from './sim-options.js';
import { VersionInfo } from '../machine/version.js';
import { PidFileError, unlinkPidfile, writePidfile } from './pidfile.js';
import { daemonChildArgv, daemonReady, runDaemonForeground } from './daemonize.js';
import { VmCrashSwitch } from './vm-crash.js';
import { chooseAccel, kvmUsable } from '../machine/accel.js';
import type { VmCrashContext } from '../harness/control/vm-crash-methods.js';

export interface ServeHandle {
  machine: Machine;
  monitors: QmpMonitor[];
  /** Resolves when the VM has exited (quit, guest shutdown, signal). */
  exited: Promise<void>;
  close(): void;
}

/** stderr, which a daemon stops writing to once its foreground is gone. */
class ProcessLog {
  private muted = false;
  readonly log = (msg: string): void => this.raw(`qmp-sim: ${msg}\n`);
  raw(text: string): void {
    if (!this.muted) process.stderr.write(text);
  }
  mute(): void {
    this.muted = true;
  }
}

export interface StartOptions {
  log?: (msg: string) => void;
  /** vm.crash: the executor dies when an armed command arrives */
  crash?: VmCrashSwitch;
}

/** Build and start one VM from QEMU-style argv; resolves once monitors listen.
 * The monitors listen and greet first; the machine and the command layer
 * load right after (start-up stays cheap), and requests wait for them. */
export async function startVm(cmdline: QemuCommandLine, sim: SimOptions, opts: StartOptions = {}): Promise<ServeHandle> {
  const log = opts.log ?? new ProcessLog().log;
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
  try {
    await Promise.all(monitors.map((m) => m.start()));
  } catch (e) {
    for (const m of monitors) m.close();
    throw e;
  }
  let machine: Machine;
  let layer: [typeof import('../commands/registry.js'), typeof import('../monitor/execute.js')];
  try {
    const [{ Machine }, ...rest] = await Promise.all([
      import('../machine/machine.js'),
      import('../commands/registry.js'),
      import('../monitor/execute.js'),
    ]);
    layer = rest;
    machine = new Machine({ ...cmdline.machine, seed: sim.seed, clock: sim.clock, imageDirs: sim.imageDirs }, { version, log, events });
  } catch (e) {
    for (const m of monitors) m.close();
    throw e;
  }
  const [{ buildCommandTable }, { machineExecutor }] = layer;
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
  // query-chardev: the monitors' chardevs, then the ones no monitor uses (inert), in creation order
  const served = new Map(monitors.map((m) => [m.chardevInfo().label, m]));
  machine.chardevs = () =>
    [...cmdline.chardevs.values()].map((spec) => served.get(spec.id)?.chardevInfo() ?? { label: spec.id, filename: spec.backendName, 'frontend-open': false });
  machine.start();
  const exec = machineExecutor({ machine, commands: buildCommandTable(), oobOffered: true, log });
  dispatcher.bind(machine.loop, opts.crash ? opts.crash.wrap(exec) : exec);
  return { machine, monitors, exited, close };
}

/** softmmu/runstate.c qemu_system_killed: the signals QEMU turns into SHUTDOWN host-signal. */
const TERMINATING_SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;

/** A guest name as a file name: libvirt's names have no '/', others might. */
function safeName(name: string | undefined): string | undefined {
  return name === undefined ? undefined : name.replace(/[/\0]/g, '_');
}

export async function serveMain(argv: string[]): Promise<number> {
  const out = new ProcessLog();
  const log = out.log;
  let cmdline: QemuCommandLine;
  let sim: SimOptions;
  let simArgv: string[];
  let qemuArgv: string[];
  try {
    const split = splitSimOptions(argv, process.env);
    sim = split.sim;
    simArgv = split.simArgv;
    qemuArgv = split.qemu;
    cmdline = parseQemuCommandLine(split.qemu);
  } catch (e) {
    if (e instanceof CommandLineError || e instanceof Error) {
      process.stderr.write(`qmp-sim: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  // -daemonize: this is the foreground; the daemon is a detached copy.
  if (cmdline.daemonize && sim.daemonChild === undefined) {
    return runDaemonForeground(daemonChildArgv(simArgv, qemuArgv, cmdline.daemonizeAt));
  }
  for (const opt of cmdline.unmodelled) log(`option ${opt} accepted but not modelled`);
  const control = controlAddress(sim, safeName(cmdline.machine.name));
  if (cmdline.monitors.length === 0 && !control) log('no -qmp/-mon given: nothing to talk to (try -qmp unix:/tmp/qmp.sock,server=on,wait=off)');
  // vl.c qemu_maybe_daemonize: the pidfile comes before the machine.
  let pidfileReal: string | undefined;
  if (cmdline.pidfile) {
    try {
      pidfileReal = writePidfile(cmdline.pidfile);
    } catch (e) {
      if (!(e instanceof PidFileError)) throw e;
      process.stderr.write(`qemu-system-x86_64: ${e.message}\n`);
      return 1;
    }
  }
  const dropPidfile = () => pidfileReal && unlinkPidfile(pidfileReal);
  // vl.c configure_accelerators: kvm needs /dev/kvm; QEMU says why and tries the next
  const accel = chooseAccel(cmdline.machine.accel, kvmUsable());
  for (const m of accel.messages) process.stderr.write(m.prefixed ? `qemu-system-x86_64: ${m.text}\n` : `${m.text}\n`);
  if (accel.accel === null) {
    dropPidfile();
    return 1;
  }
  let vm: ServeHandle | undefined;
  // The control channel listens before the monitors do, so a client that
  // got the QMP greeting can reach it.
  let channel: { close(): void } | undefined;
  let vmReady!: () => void;
  const ready = new Promise<void>((r) => (vmReady = r));
  const crash = new VmCrashSwitch(() => vm?.machine);
  try {
    if (control) {
      const { startControlChannel } = await import('../harness/control/control-server.js');
      const ctx: VmCrashContext = { vms: () => (vm ? [vm.machine] : []), ready, crash };
      channel = await startControlChannel(control, ctx);
    }
    vm = await startVm(cmdline, sim, { log, crash });
    vmReady();
  } catch (e) {
    // Machine construction errors already carry QEMU's own prefix.
    const msg = (e as Error).message;
    process.stderr.write(msg.startsWith('qemu-system-') ? `${msg}\n` : `qmp-sim: ${msg}\n`);
    channel?.close();
    dropPidfile();
    return 1;
  }
  const running = vm;
  // SIGTERM/SIGINT/SIGHUP: SHUTDOWN host-signal, then exit (softmmu/runstate.c).
  for (const [sig, num] of Object.entries(TERMINATING_SIGNALS)) {
    process.on(sig, () => running.machine.runState.hostSignal(num));
  }
  process.on('SIGPIPE', () => {});
  // os_setup_post: initialised; the foreground may exit now.
  if (sim.daemonChild !== undefined) daemonReady(sim.daemonChild, () => out.mute());
  await running.exited;
  channel?.close();
  dropPidfile();
  return 0;
}
