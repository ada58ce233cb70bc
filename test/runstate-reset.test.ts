// system_reset / guest reset: RESET goes out before the reply; a VM that is
// not running comes back in prelaunch (reference §2, §10).
import t from 'tap';
import { boot } from './lib/runstate-vm.js';


const RESET_QMP = 'RESET {"guest":false,"reason":"host-qmp-system-reset"}';

t.test('fixture runstate/system-reset: prelaunch, running, paused', async (t) => {
  const { vm, mon } = boot({ startPaused: true });
  const status = () => mon.execute('query-status', () => vm.queryStatus().status);
  mon.execute('system_reset', () => vm.qmpSystemReset());
  status();
  mon.execute('cont', () => vm.qmpCont());
  mon.execute('system_reset', () => vm.qmpSystemReset());
  status();
  mon.execute('stop', () => vm.qmpStop());
  mon.execute('system_reset', () => vm.qmpSystemReset());
  status();
  t.same(mon.take(), [
    RESET_QMP,
    'system_reset -> {}',
    'query-status -> "prelaunch"',
    'RESUME',
    'cont -> {}',
    RESET_QMP,
    'system_reset -> {}',
    'query-status -> "running"',
    'STOP',
    'stop -> {}',
    RESET_QMP,
    'system_reset -> {}',
    'query-status -> "prelaunch"',
  ]);
});

t.test('reset of io-error and shutdown → prelaunch; stop in io-error is silent', async (t) => {
  for (const s of ['io-error', 'shutdown', 'guest-panicked', 'internal-error'] as const) {
    const { vm, mon } = boot();
    vm.vmStop(s);
    mon.take();
    mon.execute('stop', () => vm.qmpStop());
    mon.execute('system_reset', () => vm.qmpSystemReset());
    t.same(mon.take(), ['stop -> {}', RESET_QMP, 'system_reset -> {}'], s);
    t.equal(vm.state, 'prelaunch', `${s} → prelaunch`);
  }
});

t.test('devices reset before RESET, with vCPUs paused around it', async (t) => {
  const { vm, mon } = boot();
  const order: string[] = [];
  vm.hooks.pauseAllVcpus.add(() => order.push('pause'));
  vm.hooks.devicesReset.add((cause) => order.push(`devices reset (${cause})`));
  vm.hooks.resumeAllVcpus.add(() => order.push('resume'));
  vm.events.subscribe((ev) => order.push(ev.event));
  mon.execute('system_reset', () => vm.qmpSystemReset());
  t.same(order, ['pause', 'devices reset (host-qmp-system-reset)', 'RESET', 'resume']);
});

t.test('guest reset: RESET guest-reset; with -no-reboot a SHUTDOWN and exit instead', async (t) => {
  const a = boot();
  a.vm.guestReset();
  a.kernel.runUntilIdle();
  t.same(a.mon.take(), ['RESET {"guest":true,"reason":"guest-reset"}']);
  t.equal(a.vm.state, 'running');
  const b = boot({ noReboot: true });
  b.vm.guestReset();
  b.kernel.runUntilIdle();
  t.same(b.mon.take(), ['SHUTDOWN {"guest":true,"reason":"guest-reset"}', 'exit 0']);
  const c = boot({ noReboot: true });
  c.mon.execute('system_reset', () => c.vm.qmpSystemReset());
  t.same(c.mon.take(), ['SHUTDOWN {"guest":false,"reason":"host-qmp-system-reset"}', 'system_reset -> {}', 'exit 0'], '-no-reboot turns system_reset into a shutdown too');
});
