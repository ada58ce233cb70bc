// The vmstop request (softmmu/runstate.c qemu_system_vmstop_request_prepare,
// qemu_system_vmstop_request, qemu_vmstop_requested): how any thread other
// than the main one asks for vm_stop. Two steps under the vmstop mutex:
//
//   prepare()            take the mutex
//   ...emit the event that explains the stop (BLOCK_IO_ERROR)...
//   request(state)       record the state, drop the mutex, wake the main loop
//
// Holding the mutex across the event keeps STOP after it, and lets a racing
// `cont` (vm_prepare_start) see the pending request. One request is pending
// at most; a later one overwrites it. The main loop takes it on its next
// iteration and calls vm_stop(state).
//
// A step never blocks while holding the mutex, so contention means a bug: it
// throws instead of deadlocking.

import { SimThreadError } from '../sim/errors.js';
import type { SimThread } from '../sim/sim-thread.js';
import type { RunState } from './runstate.js';

export interface VmStopEnv {
  currentThread(): SimThread;
  /** qemu_notify_event */
  notifyMainLoop(): void;
}

export class VmStopRequest {
  private pending: RunState | undefined;
  private owner: SimThread | null = null;

  constructor(private readonly env: VmStopEnv) {}

  /** qemu_system_vmstop_request_prepare */
  prepare(): void {
    const cur = this.env.currentThread();
    if (this.owner) throw new SimThreadError(`vmstop mutex taken by ${cur.name} while ${this.owner.name} holds it`);
    this.owner = cur;
  }

  /** qemu_system_vmstop_request */
  request(state: RunState): void {
    const cur = this.env.currentThread();
    if (this.owner !== cur) throw new SimThreadError(`vmstop request from ${cur.name} without prepare`);
    this.pending = state;
    this.owner = null;
    this.env.notifyMainLoop();
  }

  /** qemu_vmstop_requested: take (and clear) the pending request. */
  take(): RunState | undefined {
    if (this.owner && this.owner !== this.env.currentThread()) {
      throw new SimThreadError(`vmstop mutex held by ${this.owner.name} while the main loop reads it`);
    }
    const r = this.pending;
    this.pending = undefined;
    return r;
  }

  /** The pending request, without taking it (tests, diagnostics). */
  peek(): RunState | undefined {
    return this.pending;
  }

  get locked(): boolean {
    return this.owner !== null;
  }
}
