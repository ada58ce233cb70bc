// A VM's run-state controller on a virtual-clock kernel, started, with a
// monitor that records the events (for the runstate-* tests).

import { SimKernel } from '../../src/sim/kernel.js';
import { EventBus } from '../../src/system/qapi-event.js';
import { RecordingMonitor } from '../../src/system/testing/recording-monitor.js';
import { VmRunState, VmRunStateOptions } from '../../src/system/vm-runstate.js';

export function boot(opts: VmRunStateOptions = {}) {
  const kernel = new SimKernel();
  const events = new EventBus(() => kernel.wallTime());
  const vm = new VmRunState(kernel, events, opts);
  const mon = new RecordingMonitor(kernel, events);
  vm.machineInitDone();
  kernel.runUntilIdle();
  mon.take();
  return { kernel, vm, mon };
}
