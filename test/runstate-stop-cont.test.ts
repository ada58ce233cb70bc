// stop / cont / query-status / info status, and the traps of reference §10.
import t from 'tap';
import { SimKernel } from '../src/sim/kernel.js';
import { EventBus } from '../src/system/qapi-event.js';
import { RunState } from '../src/system/runstate.js';
import { RecordingMonitor } from '../src/system/testing/recording-monitor.js';
import { VmRunState, VmRunStateOptions } from '../src/system/vm-runstate.js';

function boot(opts: VmRunStateOptions = {}) {
  const kernel = new SimKernel();
  const events = new EventBus(() => kernel.wallTime());
  const vm = new VmRunState(kernel, events, opts);
  const mon = new RecordingMonitor(kernel, events);
  vm.machineInitDone();
  kernel.runUntilIdle();
  return { kernel, events, vm, mon };
}

/** Force a state through legal transitions (prelaunch → running → X). */
function force(vm: VmRunState, s: RunState) {
  if (!vm.isRunning()) vm.qmpCont();
  if (s !== 'running') vm.runstate.set(s);
}

t.test('-S: prelaunch; stop there is silent (fixture runstate/prelaunch)', async (t) => {
  const { vm, mon } = boot({ startPaused: true });
  t.same(mon.take(), [], 'no RESUME with -S');
  mon.execute('query-status', () => vm.queryStatus());
  mon.execute('info status', () => vm.infoStatus());
  mon.execute('stop', () => vm.qmpStop());
  mon.execute('stop', () => vm.qmpStop());
  mon.execute('query-status', () => vm.queryStatus());
  t.same(mon.take(), [
    'query-status -> {"status":"prelaunch","singlestep":false,"running":false}',
    'info status -> "VM status: paused (prelaunch)\\n"',
    'stop -> {}',
    'stop -> {}',
    'query-status -> {"status":"prelaunch","singlestep":false,"running":false}',
  ]);
});

t.test('without -S the VM starts running (its RESUME precedes any client)', async (t) => {
  const { vm, mon } = boot();
  t.equal(vm.state, 'running');
  t.same(mon.take(), ['RESUME']);
});

t.test('stop/cont cycle: STOP and RESUME before the reply; repeats are silent (fixture runstate/stop-cont)', async (t) => {
  const { vm, mon } = boot({ startPaused: true });
  mon.execute('cont', () => vm.qmpCont());
  mon.execute('cont', () => vm.qmpCont());
  mon.execute('stop', () => vm.qmpStop());
  mon.execute('stop', () => vm.qmpStop());
  mon.execute('info status', () => vm.infoStatus());
  mon.execute('cont', () => vm.qmpCont());
  mon.execute('info status', () => vm.infoStatus());
  t.same(mon.take(), [
    'RESUME',
    'cont -> {}',
    'cont -> {}',
    'STOP',
    'stop -> {}',
    'stop -> {}',
    'info status -> "VM status: paused\\n"',
    'RESUME',
    'cont -> {}',
    'info status -> "VM status: running\\n"',
  ]);
});

t.test('info status names the state unless plain paused', async (t) => {
  const { vm } = boot();
  const text: Record<string, string> = {};
  for (const s of ['io-error', 'shutdown', 'internal-error', 'suspended', 'guest-panicked', 'debug'] as RunState[]) {
    const b = boot();
    force(b.vm, s);
    text[s] = b.vm.infoStatus();
  }
  t.same(text, {
    'io-error': 'VM status: paused (io-error)\n',
    shutdown: 'VM status: paused (shutdown)\n',
    'internal-error': 'VM status: paused (internal-error)\n',
    suspended: 'VM status: paused (suspended)\n',
    'guest-panicked': 'VM status: paused (guest-panicked)\n',
    debug: 'VM status: paused (debug)\n',
  });
  vm.singlestep = true;
  t.equal(vm.infoStatus(), 'VM status: running (single step mode)\n');
  t.same(vm.queryStatus(), { status: 'running', singlestep: true, running: true });
});

t.test('cont refusals and no-ops', async (t) => {
  for (const [s, msg] of [
    ['internal-error', 'Resetting the Virtual Machine is required'],
    ['shutdown', 'Resetting the Virtual Machine is required'],
    ['finish-migrate', 'Migration is not finalized yet'],
  ] as const) {
    const { vm, mon } = boot();
    force(vm, s);
    mon.take();
    mon.execute('cont', () => vm.qmpCont());
    t.same(mon.take(), [`cont -> GenericError: ${msg}`], `cont in ${s}`);
    t.equal(vm.state, s);
  }
  const { vm, mon } = boot();
  force(vm, 'suspended');
  mon.take();
  let resets = 0;
  vm.hooks.iostatusReset.add(() => resets++);
  mon.execute('cont', () => vm.qmpCont());
  t.same(mon.take(), ['cont -> {}'], 'suspended: nothing happens');
  t.equal(resets, 0, 'not even an iostatus reset');
  t.equal(vm.state, 'suspended');
});

t.test('cont resets iostatus and activates images before RESUME; a failing activation fails cont', async (t) => {
  const { vm, mon } = boot({ startPaused: true });
  const order: string[] = [];
  vm.events.subscribe((ev) => order.push(ev.event));
  vm.hooks.iostatusReset.add(() => order.push('iostatus reset'));
  const off = vm.hooks.activateAll.add(() => {
    throw new (class extends Error {})('Could not reopen');
  });
  mon.execute('cont', () => vm.qmpCont());
  t.match(mon.take(), [/cont -> internal: Could not reopen/]);
  t.equal(vm.state, 'prelaunch');
  off();
  mon.execute('cont', () => vm.qmpCont());
  t.same(order, ['iostatus reset', 'iostatus reset', 'RESUME']);
});

t.test('-incoming: inmigrate; cont and stop only flip autostart (fixture runstate/inmigrate)', async (t) => {
  const { vm, mon } = boot({ startPaused: true, incoming: 'defer' });
  mon.execute('query-status', () => vm.queryStatus());
  mon.execute('cont', () => vm.qmpCont());
  t.equal(vm.autostart, true);
  mon.execute('stop', () => vm.qmpStop());
  t.equal(vm.autostart, false);
  mon.execute('system_reset', () => vm.qmpSystemReset());
  mon.execute('query-status', () => vm.queryStatus());
  t.same(mon.take(), [
    'query-status -> {"status":"inmigrate","singlestep":false,"running":false}',
    'cont -> {}',
    'stop -> {}',
    'RESET {"guest":false,"reason":"host-qmp-system-reset"}',
    'system_reset -> {}',
    'query-status -> {"status":"inmigrate","singlestep":false,"running":false}',
  ]);
  t.equal(boot({ incoming: 'tcp:0:4444' }).vm.state, 'inmigrate', 'no autostart cont during incoming');
});

t.test('change-state handlers: ascending on start, exact reverse on stop', async (t) => {
  const { vm } = boot({ startPaused: true });
  const calls: string[] = [];
  for (const [name, prio] of [['b0', 0], ['c1', 1], ['a-1', -1], ['d0', 0]] as const) {
    vm.addChangeStateHandler((running, state) => calls.push(`${name}:${running}:${state}:${vm.state}`), prio, name);
  }
  vm.qmpCont();
  vm.qmpStop();
  t.same(calls, [
    'a-1:true:running:running',
    'b0:true:running:running',
    'd0:true:running:running',
    'c1:true:running:running',
    'c1:false:paused:paused',
    'd0:false:paused:paused',
    'b0:false:paused:paused',
    'a-1:false:paused:paused',
  ]);
  const e = vm.addChangeStateHandler(() => calls.push('removed'));
  e.remove();
  vm.qmpCont();
  t.notOk(calls.includes('removed'));
});

t.test('an illegal transition is refused, never taken', async (t) => {
  const { vm } = boot();
  vm.runstate.set('save-vm');
  t.throws(() => vm.vmStopForceState('paused'), /invalid runstate transition: 'save-vm' -> 'paused'/);
  t.equal(vm.state, 'save-vm');
});
