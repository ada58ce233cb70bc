// Requests the main loop services once per iteration (softmmu/runstate.c:
// qemu_system_*_request, main_loop_should_exit), and the actions -action /
// -no-shutdown / -no-reboot choose (softmmu/runstate-action.c).
//
// Order each iteration: debug → suspend → shutdown → reset → wakeup →
// powerdown → pending vmstop request.

import { vmStop } from './cpus.js';
import type { ShutdownCause } from './shutdown-cause.js';
import { SILENT_RESET_CAUSES, shutdownEventData } from './shutdown-cause.js';
import type { VmCore } from './vm-core.js';

export type ShutdownAction = 'poweroff' | 'pause';
export type RebootAction = 'reset' | 'shutdown';
export type PanicAction = 'pause' | 'shutdown' | 'exit-failure' | 'none';
export type WakeupReason = 'none' | 'rtc' | 'pmtimer' | 'other';

export interface SystemActions {
  shutdown: ShutdownAction;
  reboot: RebootAction;
  panic: PanicAction;
}

export class SystemRequests {
  readonly actions: SystemActions;
  private resetRequested: ShutdownCause = 'none';
  private shutdownRequested: ShutdownCause = 'none';
  private shutdownSignal = 0;
  private shutdownPid = 0;
  private shutdownProc = '';
  private powerdownRequested = false;
  private debugRequested = false;
  private suspendRequested = false;
  private wakeupReason: WakeupReason = 'none';

  constructor(
    private readonly vm: VmCore,
    actions: Partial<SystemActions> = {},
  ) {
    this.actions = { shutdown: 'poweroff', reboot: 'reset', panic: 'shutdown', ...actions };
  }

  private notify(): void {
    this.vm.kernel.mainLoop.notify();
  }

  /** qemu_system_reset_request (reboot action shutdown turns it into a shutdown) */
  reset(cause: ShutdownCause): void {
    if (this.actions.reboot === 'shutdown' && cause !== 'subsystem-reset') this.shutdownRequested = cause;
    else this.resetRequested = cause;
    this.notify();
  }

  /** qemu_system_shutdown_request */
  shutdown(cause: ShutdownCause): void {
    this.shutdownRequested = cause;
    this.notify();
  }

  /** qemu_system_killed: SIGINT/SIGTERM/SIGHUP always power off. */
  killed(signal: number, pid: number, procName = ''): void {
    this.shutdownSignal = signal;
    this.shutdownPid = pid;
    this.shutdownProc = procName;
    this.actions.shutdown = 'poweroff';
    this.shutdownRequested = 'host-signal';
    this.notify();
  }

  /** qemu_system_powerdown_request */
  powerdown(): void {
    this.powerdownRequested = true;
    this.notify();
  }

  /** qemu_system_debug_request */
  debug(): void {
    this.debugRequested = true;
    this.notify();
  }

  /** qemu_system_suspend_request */
  suspend(): void {
    if (this.vm.runstate.check('suspended')) return;
    this.suspendRequested = true;
    this.notify();
  }

  /** The tail of qemu_system_wakeup_request (the caller checked the state):
   * running at once, WAKEUP from the main loop. */
  wakeup(reason: WakeupReason): void {
    this.vm.runstate.set('running');
    this.wakeupReason = reason;
    this.notify();
  }

  /** Is a shutdown or reset waiting for the main loop? (tests) */
  hasPending(): boolean {
    return (
      this.resetRequested !== 'none' ||
      this.shutdownRequested !== 'none' ||
      this.powerdownRequested ||
      this.debugRequested ||
      this.suspendRequested ||
      this.wakeupReason !== 'none' ||
      this.vm.vmstop.peek() !== undefined
    );
  }

  /** main_loop_should_exit: an exit status to leave the loop, else undefined.
   * A refused transition here is logged (QEMU would abort) and the rest of
   * the iteration goes on. */
  mainLoopShouldExit(): number | undefined {
    const vm = this.vm;
    if (this.debugRequested) {
      this.debugRequested = false;
      this.guard('debug', () => vmStop(vm, 'debug'));
    }
    if (this.suspendRequested) {
      this.suspendRequested = false;
      this.guard('suspend', () => this.systemSuspend());
    }
    const shutdown = this.shutdownRequested;
    this.shutdownRequested = 'none';
    if (shutdown !== 'none') {
      this.killReport();
      vm.events.emit('SHUTDOWN', shutdownEventData(shutdown));
      vm.hooks.shutdown.run(shutdown);
      if (this.actions.shutdown === 'pause') {
        this.guard('shutdown', () => vmStop(vm, 'shutdown'));
      } else {
        return shutdown === 'guest-panic' && this.actions.panic === 'exit-failure' ? 1 : 0;
      }
    }
    const reset = this.resetRequested;
    this.resetRequested = 'none';
    if (reset !== 'none') {
      this.guard('reset', () => {
        vm.hooks.pauseAllVcpus.run();
        this.systemReset(reset);
        vm.hooks.resumeAllVcpus.run();
        const s = vm.runstate.current;
        if (s !== 'running' && s !== 'inmigrate' && s !== 'finish-migrate') vm.runstate.set('prelaunch');
      });
    }
    if (this.wakeupReason !== 'none') {
      vm.hooks.pauseAllVcpus.run();
      vm.hooks.wakeup.run();
      this.wakeupReason = 'none';
      vm.hooks.resumeAllVcpus.run();
      vm.events.emit('WAKEUP');
    }
    if (this.powerdownRequested) {
      this.powerdownRequested = false;
      vm.events.emit('POWERDOWN');
      vm.hooks.powerdown.run();
    }
    const r = vm.vmstop.take();
    if (r !== undefined) this.guard('vmstop request', () => vmStop(vm, r));
    return undefined;
  }

  /** qemu_system_reset: reset devices, then RESET unless the cause is silent. */
  systemReset(cause: ShutdownCause): void {
    this.vm.hooks.devicesReset.run(cause);
    if (!SILENT_RESET_CAUSES.includes(cause)) this.vm.events.emit('RESET', shutdownEventData(cause));
  }

  private systemSuspend(): void {
    this.vm.runstate.assertCanSet('suspended');
    this.vm.hooks.pauseAllVcpus.run();
    this.vm.hooks.suspend.run();
    this.vm.runstate.set('suspended');
    this.vm.events.emit('SUSPEND');
  }

  /** qemu_kill_report */
  private killReport(): void {
    if (!this.shutdownSignal) return;
    this.vm.log(
      this.shutdownPid === 0
        ? `terminating on signal ${this.shutdownSignal}`
        : `terminating on signal ${this.shutdownSignal} from pid ${this.shutdownPid} (${this.shutdownProc || '<unknown process>'})`,
    );
    this.shutdownSignal = 0;
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.vm.log(`main loop: ${what}: ${(e as Error)?.message ?? String(e)}`);
    }
  }
}
