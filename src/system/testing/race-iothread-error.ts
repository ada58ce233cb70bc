// Race invariant 2 (2014, commit 2bd3bce8 "block: asynchronously stop the VM
// on I/O errors"): an I/O error with action stop raised in an iothread sets
// the iostatus before BLOCK_IO_ERROR, BLOCK_IO_ERROR goes out before its
// STOP, change-state handlers run in the main thread only, and query-status
// and the iostatus read at any moment agree with the events sent so far —
// while `cont`, `stop` and queries race the error from the main loop.
// BugSwitches.syncVmStopOnIoError re-creates the pre-2014 code.

import { EventNotifier } from '../../sim/event-notifier.js';
import { SimKernel } from '../../sim/kernel.js';
import { EventBus } from '../qapi-event.js';
import { VmRunState } from '../vm-runstate.js';
import { RACE_KERNEL, RaceResult, bump, runToCompletion } from './race-result.js';
import { TestDisk, TestRequest } from './test-disk.js';
import { TestGuest } from './test-guest.js';
import { bracketedBy, MonitorCommand, TestMonitor } from './test-monitor.js';

export function runIothreadErrorRace(seed: number, opts: { bug?: boolean } = {}): RaceResult {
  const kernel = new SimKernel({ seed, bugs: { syncVmStopOnIoError: opts.bug ?? false }, ...RACE_KERNEL });
  const events = new EventBus(() => kernel.wallTime());
  const vm = new VmRunState(kernel, events, {});
  const rng = kernel.random('race-iothread-error');
  const violations: string[] = [];
  const coverage: Record<string, number> = {};
  const iothread = kernel.addIothread('io0');
  const ctx = iothread.ctx;

  const failBudget = new Map<number, number>();
  const disk = new TestDisk(vm, {
    name: 'vda',
    ctx,
    stopPath: 'request',
    latencyNs: 1000 * rng.range(0, 4),
    outcome: (req) => {
      if (!failBudget.has(req.id)) failBudget.set(req.id, rng.range(0, 2));
      return req.attempts > failBudget.get(req.id)! ? 'ok' : 'fail';
    },
    observeChangeState: (_d, running) => {
      if (!kernel.inMainThread()) violations.push(`change-state handler (running=${running}) ran in thread ${kernel.currentThread().name}`);
    },
  });

  // virtio-blk dataplane: the guest kicks an ioeventfd polled by the iothread
  const vq: TestRequest[] = [];
  const kick = new EventNotifier('vda.ioeventfd');
  ctx.setEventNotifier(
    kick,
    () => {
      kick.testAndClear();
      for (const req of vq.splice(0)) disk.submit(req);
    },
    { external: true, name: 'vda.ioeventfd' },
  );

  // what the events say so far
  let lastRunEvent: 'RESUME' | 'STOP' = 'RESUME';
  let unexplainedErrors = 0;
  events.subscribe((ev) => {
    if (ev.event === 'BLOCK_IO_ERROR' && ev.data?.action === 'stop') {
      if (disk.iostatus === 'ok') violations.push('BLOCK_IO_ERROR sent while the iostatus is still ok');
      bump(coverage, `error while ${vm.state}`);
      unexplainedErrors++;
    } else if (ev.event === 'STOP') {
      if (vm.state === 'running') bump(coverage, 'STOP+RESUME pair (cont raced the stop request)');
      if (vm.state === 'io-error') {
        if (unexplainedErrors === 0) violations.push('STOP (io-error) without a BLOCK_IO_ERROR before it');
        if (disk.iostatus === 'ok') violations.push('STOP (io-error) while the iostatus is ok');
      }
      lastRunEvent = 'STOP';
    } else if (ev.event === 'RESUME') {
      unexplainedErrors = 0; // vm_prepare_start consumed any pending request
      lastRunEvent = 'RESUME';
    }
  });
  const query = () => {
    const st = vm.queryStatus();
    if (st.running !== (lastRunEvent === 'RESUME')) violations.push(`query-status says ${st.status} but the last event was ${lastRunEvent}`);
    if (st.status === 'io-error' && disk.iostatus === 'ok') violations.push('io-error with every iostatus ok (a lost iostatus)');
  };

  vm.machineInitDone();
  const requests = rng.range(3, 6);
  const guest = new TestGuest({
    kernel,
    vcpu: kernel.vcpu(0),
    rng: rng.fork('guest'),
    requests,
    hooks: vm.hooks,
    send: (req) => {
      vq.push(req);
      kick.set();
    },
  });
  const mrng = rng.fork('monitor');
  const cmd = bracketedBy(query);
  const monitor = new TestMonitor({
    kernel,
    rng: mrng,
    finished: () => guest.done && vm.isRunning(),
    choose: () => {
      if (!vm.isRunning()) return mrng.chance(0.6) ? cmd('cont', () => vm.qmpCont()) : cmd('query-status', () => {});
      // running with a parked request nobody will restart (its stop was
      // absorbed by a racing cont): stop, so the next cont restarts it
      if (disk.parked.length && vm.vmstop.peek() === undefined && mrng.chance(0.5)) return cmd('stop', () => vm.qmpStop());
      const x = mrng.float();
      if (x < 0.15) return cmd('cont', () => vm.qmpCont());
      if (x < 0.2) return cmd('stop', () => vm.qmpStop());
      return cmd('query-status', () => {});
    },
    onError: (name, e) => violations.push(`${name} failed: ${(e as Error).message}`),
  });
  guest.start();
  monitor.start();
  const hang = runToCompletion(kernel, () => guest.done && vm.isRunning(), () => `guest ${guest.completed}/${requests}, VM ${vm.state}, parked ${disk.parked.length}`);
  for (const line of kernel.logLines) violations.push(`log: ${line}`);
  return { seed, violations, hang, steps: kernel.sched.steps, coverage };
}
