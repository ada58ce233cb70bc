// The state one VM's run-state model shares between its parts (cpus.ts,
// system-requests.ts, vm-runstate.ts), and the hooks other layers plug in.

import type { SimKernel } from '../sim/kernel.js';
import { HookList, ResultHookList } from './hook-list.js';
import type { EventBus } from './qapi-event.js';
import type { RunStateMachine } from './runstate.js';
import type { ShutdownCause } from './shutdown-cause.js';
import type { VmChangeStateHandlers } from './vm-change-state.js';
import type { VmStopRequest } from './vmstop-request.js';

export interface RunStateHooks {
  /** pause_all_vcpus / resume_all_vcpus (guest model) */
  readonly pauseAllVcpus: HookList;
  readonly resumeAllVcpus: HookList;
  /** bdrv_drain_all, run by every vm_stop (block layer; may wait) */
  readonly drainAll: HookList;
  /** bdrv_flush_all: 0 or -errno; vm_stop returns it */
  readonly flushAll: ResultHookList;
  /** cont: reset iostatus of named (-drive) BlockBackends and block jobs */
  readonly iostatusReset: HookList;
  /** cont: bdrv_activate_all; throw a QmpError to fail the cont */
  readonly activateAll: HookList;
  /** qemu_devices_reset (system_reset, guest reset) */
  readonly devicesReset: HookList<[ShutdownCause]>;
  /** powerdown / suspend / wakeup / shutdown notifier lists */
  readonly powerdown: HookList;
  readonly suspend: HookList;
  readonly wakeup: HookList;
  readonly shutdown: HookList<[ShutdownCause]>;
  /** the main loop is exiting with this status (qemu_cleanup) */
  readonly exit: HookList<[number]>;
}

export function createRunStateHooks(): RunStateHooks {
  return {
    pauseAllVcpus: new HookList(),
    resumeAllVcpus: new HookList(),
    drainAll: new HookList(),
    flushAll: new ResultHookList(),
    iostatusReset: new HookList(),
    activateAll: new HookList(),
    devicesReset: new HookList(),
    powerdown: new HookList(),
    suspend: new HookList(),
    wakeup: new HookList(),
    shutdown: new HookList(),
    exit: new HookList(),
  };
}

export interface VmCore {
  readonly kernel: SimKernel;
  readonly events: EventBus;
  readonly runstate: RunStateMachine;
  readonly handlers: VmChangeStateHandlers;
  readonly vmstop: VmStopRequest;
  readonly hooks: RunStateHooks;
  log(line: string): void;
}
