// Stopping and starting the VM (softmmu/cpus.c do_vm_stop, vm_stop,
// vm_prepare_start, vm_start, vm_stop_force_state, vm_shutdown).

import { SimThreadError } from '../sim/errors.js';
import type { RunState } from './runstate.js';
import type { VmCore } from './vm-core.js';

/**
 * do_vm_stop: if running → set the state, pause vCPUs, run the change-state
 * handlers (reverse order), emit STOP (if sendStop). Then, running or not,
 * drain and flush all block nodes; returns the flush result (0 or -errno).
 * Runs wherever it is called: the thread rules are vmStop's.
 */
export function doVmStop(vm: VmCore, state: RunState, sendStop: boolean): number {
  if (vm.runstate.isRunning()) {
    vm.runstate.set(state);
    vm.hooks.pauseAllVcpus.run();
    vm.handlers.notify(false, state);
    if (sendStop) vm.events.emit('STOP');
  }
  vm.hooks.drainAll.run();
  return vm.hooks.flushAll.run();
}

/**
 * vm_stop: synchronous in the main thread. From a vCPU thread it becomes a
 * vmstop request (the main loop stops the VM on its next iteration). Any
 * other thread must use the vmstop request itself: calling this throws.
 */
export function vmStop(vm: VmCore, state: RunState): number {
  const cur = vm.kernel.currentThread();
  if (cur.kind === 'vcpu') {
    vm.vmstop.prepare();
    vm.vmstop.request(state);
    return 0;
  }
  if (cur !== vm.kernel.mainThread) {
    throw new SimThreadError(`vm_stop(${state}) from thread ${cur.name}: only the main thread (or a vCPU, via a request) may stop the VM`);
  }
  return doVmStop(vm, state, true);
}

/**
 * vm_prepare_start: consumes a pending vmstop request. Running with none
 * pending → -1, nothing happens. Running with one pending → STOP + RESUME,
 * -1 (the VM never actually stops, but the stop's event pair is on the
 * wire). Else RESUME first, then state running, then handlers (ascending); 0.
 */
export function vmPrepareStart(vm: VmCore): number {
  const requested = vm.vmstop.take();
  if (vm.runstate.isRunning() && requested === undefined) return -1;
  if (vm.runstate.isRunning()) {
    vm.events.emit('STOP');
    vm.events.emit('RESUME');
    return -1;
  }
  vm.runstate.assertCanSet('running'); // refuse before RESUME goes out
  vm.events.emit('RESUME');
  vm.runstate.set('running');
  vm.handlers.notify(true, 'running');
  return 0;
}

/** vm_start: vm_prepare_start, then resume the vCPUs. */
export function vmStart(vm: VmCore): void {
  if (vmPrepareStart(vm) === 0) vm.hooks.resumeAllVcpus.run();
}

/** vm_stop_force_state: stop if running, else just move to `state` (+ drain, flush). */
export function vmStopForceState(vm: VmCore, state: RunState): number {
  if (vm.runstate.isRunning()) return vmStop(vm, state);
  vm.runstate.set(state);
  vm.hooks.drainAll.run();
  return vm.hooks.flushAll.run();
}

/** vm_shutdown (qemu_cleanup): stop without a STOP event. */
export function vmShutdown(vm: VmCore): number {
  return doVmStop(vm, 'shutdown', false);
}
