// quit, guest shutdown, -no-shutdown, signals, powerdown, suspend/wakeup.
import t from 'tap';
import { boot } from './lib/runstate-vm.js';


t.test('quit: SHUTDOWN, then the reply, then the exit signal (fixture runstate/quit)', async (t) => {
  const { vm, mon, kernel } = boot({ noShutdown: true });
  const stopped: boolean[] = [];
  vm.addChangeStateHandler((running) => stopped.push(!running));
  mon.execute('quit', () => vm.qmpQuit());
  t.same(mon.take(), ['SHUTDOWN {"guest":false,"reason":"host-qmp-quit"}', 'quit -> {}', 'exit 0'], '-no-shutdown does not stop quit');
  t.equal(vm.state, 'shutdown', 'vm_shutdown on the way out, without a STOP event');
  t.same(stopped, [true]);
  t.ok(kernel.mainLoop.exited);
  let status: number | undefined;
  vm.onExit((s) => (status = s));
  t.equal(status, undefined, 'listeners added after exit are not called retroactively');
});

t.test('guest shutdown: exit; with -no-shutdown SHUTDOWN + STOP and state shutdown', async (t) => {
  const a = boot();
  a.vm.guestShutdown();
  a.kernel.runUntilIdle();
  t.same(a.mon.take(), ['SHUTDOWN {"guest":true,"reason":"guest-shutdown"}', 'exit 0']);
  const b = boot({ noShutdown: true });
  b.vm.guestShutdown();
  b.kernel.runUntilIdle();
  t.same(b.mon.take(), ['SHUTDOWN {"guest":true,"reason":"guest-shutdown"}', 'STOP']);
  t.equal(b.vm.state, 'shutdown');
  b.mon.execute('cont', () => b.vm.qmpCont());
  b.mon.execute('system_reset', () => b.vm.qmpSystemReset());
  b.mon.execute('cont', () => b.vm.qmpCont());
  t.same(b.mon.take(), [
    'cont -> GenericError: Resetting the Virtual Machine is required',
    'RESET {"guest":false,"reason":"host-qmp-system-reset"}',
    'system_reset -> {}',
    'RESUME',
    'cont -> {}',
  ]);
});

t.test('a host signal: SHUTDOWN host-signal and exit, even with -no-shutdown', async (t) => {
  const { vm, mon, kernel } = boot({ noShutdown: true });
  vm.hostSignal(15);
  kernel.runUntilIdle();
  t.same(mon.take(), ['SHUTDOWN {"guest":false,"reason":"host-signal"}', 'exit 0']);
  t.match(kernel.logLines, ['terminating on signal 15']);
});

t.test('powerdown: POWERDOWN before the reply, no state change; wakeup refused (fixture runstate/powerdown)', async (t) => {
  const { vm, mon } = boot({ noShutdown: true });
  mon.execute('system_powerdown', () => vm.qmpSystemPowerdown());
  mon.execute('query-status', () => vm.queryStatus().status);
  mon.execute('system_wakeup', () => vm.qmpSystemWakeup());
  t.same(mon.take(), [
    'POWERDOWN',
    'system_powerdown -> {}',
    'query-status -> "running"',
    'system_wakeup -> GenericError: Unable to wake up: guest is not in suspended state',
  ]);
  const nos3 = boot({ wakeupSupported: false });
  nos3.mon.execute('system_wakeup', () => nos3.vm.qmpSystemWakeup());
  t.same(nos3.mon.take(), ['system_wakeup -> GenericError: wake-up from suspend is not supported by this guest']);
});

t.test('suspend and wakeup', async (t) => {
  const { vm, mon, kernel } = boot();
  vm.guestSuspend();
  kernel.runUntilIdle();
  t.same(mon.take(), ['SUSPEND']);
  t.same(vm.queryStatus(), { status: 'suspended', singlestep: false, running: false });
  mon.execute('cont', () => vm.qmpCont());
  mon.execute('system_wakeup', () => vm.qmpSystemWakeup());
  t.same(mon.take(), ['cont -> {}', 'WAKEUP', 'system_wakeup -> {}']);
  t.equal(vm.state, 'running');
});

t.test('guest panic: GUEST_PANICKED then by -action panic', async (t) => {
  const a = boot();
  a.vm.guestPanicked();
  a.kernel.runUntilIdle();
  t.same(a.mon.take(), ['GUEST_PANICKED {"action":"poweroff"}', 'STOP', 'SHUTDOWN {"guest":true,"reason":"guest-panic"}', 'exit 0']);
  const b = boot({ noShutdown: true });
  b.vm.guestPanicked();
  b.kernel.runUntilIdle();
  t.same(b.mon.take(), ['GUEST_PANICKED {"action":"pause"}', 'STOP']);
  t.equal(b.vm.state, 'guest-panicked');
});

t.test('the main loop services requests in QEMU order within one iteration', async (t) => {
  const { vm, mon, kernel } = boot({ noShutdown: true });
  vm.qmpSystemPowerdown();
  vm.vmstopRequest('paused');
  vm.resetRequest('guest-reset');
  vm.shutdownRequest('guest-shutdown');
  vm.debugRequest();
  kernel.runUntilIdle();
  t.same(mon.take(), [
    'STOP', // debug
    'SHUTDOWN {"guest":true,"reason":"guest-shutdown"}', // shutdown (paused: already stopped)
    'RESET {"guest":true,"reason":"guest-reset"}', // reset → prelaunch
    'POWERDOWN',
  ]);
  t.equal(vm.state, 'prelaunch', 'the vmstop request finds the VM stopped: nothing');
  t.same(kernel.logLines, []);
});
