// One VM's run-state controller: the run state, vm_stop/vm_start, the
// vmstop request, change-state handlers, the main loop's request servicing,
// and the QMP/HMP run-state commands (monitor/qmp-cmds.c, monitor/hmp-cmds.c,
// softmmu/runstate.c, softmmu/vl.c). Machine owns one.
//
// Errors: command refusals throw QmpError with QEMU's text. A refused
// transition throws RunStateTransitionError (the caller turns it into a
// GenericError + log line); inside the main loop it is logged.
//
// Ordering for the monitor: stop/cont emit STOP/RESUME inside the call;
// system_reset, system_powerdown and quit only post a request that the main
// loop services on its next should-exit phase. Reply through
// kernel.mainLoop.afterIteration(cb) to get 7.2.x's order (event, then reply).

import type { SimKernel } from '../sim/kernel.js';
import { QmpError } from '../qapi/error.js';
import { doVmStop, vmShutdown, vmStart, vmStop, vmStopForceState } from './cpus.js';
import type { EventBus } from './qapi-event.js';
import { RunState, RunStateMachine } from './runstate.js';
import type { ShutdownCause } from './shutdown-cause.js';
import { PanicAction, SystemRequests, WakeupReason } from './system-requests.js';
import { VmChangeStateEntry, VmChangeStateHandler, VmChangeStateHandlers } from './vm-change-state.js';
import { RunStateHooks, VmCore, createRunStateHooks } from './vm-core.js';
import { VmStopRequest } from './vmstop-request.js';

export interface VmRunStateOptions {
  /** -S: stay in prelaunch until cont */
  startPaused?: boolean;
  /** -no-shutdown (-action shutdown=pause): a shutdown stops the VM instead of exiting */
  noShutdown?: boolean;
  /** -no-reboot (-action reboot=shutdown): a reset request becomes a shutdown */
  noReboot?: boolean;
  /** -incoming URI: start in inmigrate */
  incoming?: string;
  /** -action panic= (default shutdown) */
  panicAction?: PanicAction;
  /** the board supports S3 wake-up (pc: yes) */
  wakeupSupported?: boolean;
  /** internal-error log sink (default: kernel.log) */
  log?: (line: string) => void;
}

/** query-status (qapi/run-state.json StatusInfo), key order as QEMU sends it. */
export interface StatusInfo {
  status: RunState;
  singlestep: boolean;
  running: boolean;
}

export class VmRunState implements VmCore {
  readonly runstate: RunStateMachine;
  readonly handlers = new VmChangeStateHandlers();
  readonly vmstop: VmStopRequest;
  readonly hooks: RunStateHooks = createRunStateHooks();
  readonly requests: SystemRequests;
  /** vl.c autostart: start the VM when init (or incoming migration) completes */
  autostart: boolean;
  singlestep = false;
  private readonly wakeupSupported: boolean;
  private readonly logSink: (line: string) => void;

  constructor(
    readonly kernel: SimKernel,
    readonly events: EventBus,
    readonly opts: VmRunStateOptions = {},
  ) {
    this.runstate = new RunStateMachine(opts.incoming !== undefined ? 'inmigrate' : 'prelaunch');
    this.vmstop = new VmStopRequest({ currentThread: () => kernel.currentThread(), notifyMainLoop: () => kernel.mainLoop.notify() });
    this.requests = new SystemRequests(this, {
      shutdown: opts.noShutdown ? 'pause' : 'poweroff',
      reboot: opts.noReboot ? 'shutdown' : 'reset',
      panic: opts.panicAction ?? 'shutdown',
    });
    this.autostart = !opts.startPaused;
    this.wakeupSupported = opts.wakeupSupported ?? true;
    this.logSink = opts.log ?? ((line) => kernel.log(line));
    kernel.mainLoop.setShouldExit(() => this.mainLoopShouldExit());
  }

  log(line: string): void {
    this.logSink(line);
  }

  get state(): RunState {
    return this.runstate.current;
  }

  isRunning(): boolean {
    return this.runstate.isRunning();
  }

  /** Machine init done (vl.c qmp_x_exit_preconfig tail): start the main loop;
   * without -incoming, cont if autostart (RESUME goes out before any monitor
   * can see it). */
  machineInitDone(): void {
    this.kernel.mainLoop.start();
    if (this.opts.incoming === undefined && this.autostart) this.qmpCont();
  }

  /** The server's cue: the main loop exited (quit, shutdown, signal). */
  onExit(fn: (status: number) => void): () => void {
    return this.kernel.mainLoop.onExit(fn);
  }

  /** qemu_add_vm_change_state_handler_prio */
  addChangeStateHandler(cb: VmChangeStateHandler, priority = 0, name?: string): VmChangeStateEntry {
    return this.handlers.add(cb, priority, name);
  }

  // ---- QMP / HMP ---------------------------------------------------------

  /** query-status */
  queryStatus(): StatusInfo {
    return { status: this.state, singlestep: this.singlestep, running: this.isRunning() };
  }

  /** HMP `info status` output, newline included (monitor/hmp-cmds.c hmp_info_status). */
  infoStatus(): string {
    const running = this.isRunning();
    let s = `VM status: ${running ? 'running' : 'paused'}${this.singlestep ? ' (single step mode)' : ''}`;
    if (!running && this.state !== 'paused') s += ` (${this.state})`;
    return `${s}\n`;
  }

  /** stop: inmigrate → only clear autostart; else vm_stop(paused) (STOP only if it was running). */
  qmpStop(): void {
    if (this.runstate.check('inmigrate')) this.autostart = false;
    else vmStop(this, 'paused');
  }

  /** cont (monitor/qmp-cmds.c qmp_cont). */
  qmpCont(): void {
    if (this.runstate.needsReset()) throw QmpError.generic('Resetting the Virtual Machine is required');
    if (this.runstate.check('suspended')) return;
    if (this.runstate.check('finish-migrate')) throw QmpError.generic('Migration is not finalized yet');
    this.hooks.iostatusReset.run();
    this.hooks.activateAll.run();
    if (this.runstate.check('inmigrate')) this.autostart = true;
    else vmStart(this);
  }

  /** system_reset: RESET {guest:false, reason:host-qmp-system-reset} from the main loop. */
  qmpSystemReset(): void {
    this.requests.reset('host-qmp-system-reset');
  }

  /** system_powerdown: POWERDOWN from the main loop; no state change. */
  qmpSystemPowerdown(): void {
    this.requests.powerdown();
  }

  /** system_wakeup */
  qmpSystemWakeup(reason: WakeupReason = 'other'): void {
    if (!this.wakeupSupported) throw QmpError.generic('wake-up from suspend is not supported by this guest');
    if (!this.runstate.check('suspended')) throw QmpError.generic('Unable to wake up: guest is not in suspended state');
    this.requests.wakeup(reason);
  }

  /** quit: SHUTDOWN {guest:false, reason:host-qmp-quit} from the main loop, then exit (ignores -no-shutdown). */
  qmpQuit(): void {
    this.requests.actions.shutdown = 'poweroff';
    this.requests.shutdown('host-qmp-quit');
  }

  // ---- the model ------------------------------------------------------------

  /** vm_stop (main thread: synchronous; vCPU: a request; other threads: throws). */
  vmStop(state: RunState): number {
    return vmStop(this, state);
  }

  /** vm_start */
  vmStart(): void {
    vmStart(this);
  }

  vmStopForceState(state: RunState): number {
    return vmStopForceState(this, state);
  }

  /** do_vm_stop without the thread rules: only for BugSwitches re-creations. */
  unsafeVmStopAnyThread(state: RunState): number {
    return doVmStop(this, state, true);
  }

  /** prepare + request in one go (when no event has to go in between). */
  vmstopRequest(state: RunState): void {
    this.vmstop.prepare();
    this.vmstop.request(state);
  }

  shutdownRequest(cause: ShutdownCause): void {
    this.requests.shutdown(cause);
  }

  resetRequest(cause: ShutdownCause): void {
    this.requests.reset(cause);
  }

  /** The guest powers off (ACPI S5): SHUTDOWN guest-shutdown; exit, or with -no-shutdown STOP + shutdown state. */
  guestShutdown(): void {
    this.requests.shutdown('guest-shutdown');
  }

  /** The guest resets: RESET guest-reset; with -no-reboot a SHUTDOWN guest-reset instead. */
  guestReset(): void {
    this.requests.reset('guest-reset');
  }

  /** The guest enters S3 (SUSPEND, state suspended). */
  guestSuspend(): void {
    this.requests.suspend();
  }

  /** pvpanic (softmmu/runstate.c qemu_system_guest_panicked): GUEST_PANICKED, then by -action panic. */
  guestPanicked(): void {
    const a = this.requests.actions;
    if (a.panic === 'pause' || (a.panic === 'shutdown' && a.shutdown === 'pause')) {
      this.events.emit('GUEST_PANICKED', { action: 'pause' });
      this.vmStop('guest-panicked');
    } else if (a.panic === 'shutdown' || a.panic === 'exit-failure') {
      this.events.emit('GUEST_PANICKED', { action: 'poweroff' });
      this.vmStop('guest-panicked');
      this.requests.shutdown('guest-panic');
    } else {
      this.events.emit('GUEST_PANICKED', { action: 'run' });
    }
  }

  /** gdbstub: stop in debug state on the next iteration. */
  debugRequest(): void {
    this.requests.debug();
  }

  /** SIGINT/SIGTERM/SIGHUP: SHUTDOWN {guest:false, reason:host-signal}, exit.
   * Logs "terminating on signal N[ from pid P (name)]". */
  hostSignal(signal = 15, pid = 0, procName = ''): void {
    this.requests.killed(signal, pid, procName);
  }

  private mainLoopShouldExit(): number | undefined {
    const status = this.requests.mainLoopShouldExit();
    if (status === undefined) return undefined;
    // qemu_cleanup: vm_shutdown (no STOP event), then exit notifiers
    try {
      vmShutdown(this);
    } catch (e) {
      this.log(`main loop: exit: ${(e as Error)?.message ?? String(e)}`);
    }
    this.hooks.exit.run(status);
    return status;
  }
}
