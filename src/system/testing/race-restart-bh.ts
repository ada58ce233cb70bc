// Race invariant 1 (2009, hw/ide restart from a BH): a device whose parked
// request fails again during `cont` and stops the VM never lets another
// change-state handler see "running" after "stopped": each handler sees the
// transitions in order, and what it is told matches the run state.
// BugSwitches.restartInChangeStateHandler re-creates the bug.

import { SimKernel } from '../../sim/kernel.js';
import { EventBus } from '../qapi-event.js';
import { VmRunState } from '../vm-runstate.js';
import { RACE_KERNEL, RaceResult, bump, runToCompletion } from './race-result.js';
import { AttemptOutcome, TestDisk, TestRequest } from './test-disk.js';
import { TestGuest } from './test-guest.js';
import { TestMonitor } from './test-monitor.js';

export function runRestartRace(seed: number, opts: { bug?: boolean } = {}): RaceResult {
  const kernel = new SimKernel({ seed, bugs: { restartInChangeStateHandler: opts.bug ?? false }, ...RACE_KERNEL });
  const events = new EventBus(() => kernel.wallTime());
  const vm = new VmRunState(kernel, events, {});
  const rng = kernel.random('race-restart-bh');
  const violations: string[] = [];
  const coverage: Record<string, number> = {};

  const lastSeen = new Map<string, boolean>();
  const check = (name: string, running: boolean) => {
    if (running !== vm.isRunning()) violations.push(`${name} told running=${running} while the VM is ${vm.state}`);
    if (lastSeen.get(name) === running) violations.push(`${name} told running=${running} twice in a row`);
    lastSeen.set(name, running);
  };

  // failing attempts per request, and whether each failure is immediate
  const failBudget = new Map<number, number>();
  const outcome = (req: TestRequest): AttemptOutcome => {
    if (!failBudget.has(req.id)) failBudget.set(req.id, rng.range(0, 2));
    if (req.attempts > failBudget.get(req.id)!) return 'ok';
    const o = rng.chance(0.5) ? 'fail-sync' : 'fail';
    if (req.attempts > 1) bump(coverage, `retry ${o}`);
    return o;
  };

  const disks: TestDisk[] = [];
  const nDisks = rng.range(2, 3);
  for (let i = 0; i < nDisks; i++) {
    disks.push(
      new TestDisk(vm, {
        name: `disk${i}`,
        ctx: kernel.mainContext,
        priority: rng.range(-1, 2),
        stopPath: rng.chance(0.5) ? 'sync-vm-stop' : 'request',
        latencyNs: 1000 * rng.range(0, 3),
        outcome,
        observeChangeState: (d, running) => check(d.name, running),
      }),
    );
  }
  const nObservers = rng.range(1, 2);
  for (let i = 0; i < nObservers; i++) {
    const name = `audio${i}`;
    vm.addChangeStateHandler((running) => check(name, running), rng.range(-1, 2), name);
  }

  vm.machineInitDone();
  const requests = rng.range(3, 6);
  const guest = new TestGuest({
    kernel,
    vcpu: kernel.vcpu(0),
    rng: rng.fork('guest'),
    requests,
    hooks: vm.hooks,
    send: (req) => {
      const disk = disks[rng.int(disks.length)];
      kernel.mainContext.bhScheduleOneshot(() => disk.submit(req), 'guest request');
    },
  });
  const mrng = rng.fork('monitor');
  const monitor = new TestMonitor({
    kernel,
    rng: mrng,
    finished: () => guest.done && vm.isRunning(),
    choose: () => {
      if (!vm.isRunning() && mrng.chance(0.7)) {
        return {
          name: 'cont',
          run: () => {
            if (vm.isRunning()) return;
            bump(coverage, `cont from ${vm.state}`);
            vm.qmpCont();
          },
        };
      }
      if (vm.isRunning() && mrng.chance(0.05)) return { name: 'stop', run: () => vm.qmpStop() };
      return undefined;
    },
    onError: (name, e) => violations.push(`${name} failed: ${(e as Error).message}`),
  });
  guest.start();
  monitor.start();
  const hang = runToCompletion(kernel, () => guest.done && vm.isRunning(), () => `guest ${guest.completed}/${requests}, VM ${vm.state}`);
  for (const line of kernel.logLines) violations.push(`log: ${line}`);
  return { seed, violations, hang, steps: kernel.sched.steps, coverage };
}
