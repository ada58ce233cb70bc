// system_powerdown presses the ACPI power button: SeaBIOS ignores it; a
// guest OS shuts down (SHUTDOWN guest-shutdown, reason guest-shutdown).
import t from 'tap';
import { blockVm } from './lib/block-machine.js';

for (const os of [false, true]) {
  t.test(os ? 'with a guest OS: it powers off' : 'firmware only: nothing happens', async (t) => {
    const vm = blockVm({ noShutdown: true });
    t.teardown(() => vm.close());
    const m = vm.machine;
    if (os) m.devices.guest.startOs();
    vm.settle();
    m.qmpSystemPowerdown();
    vm.until(() => vm.events.some((e) => e.event === 'SHUTDOWN'));
    const shutdown = vm.events.find((e) => e.event === 'SHUTDOWN');
    t.ok(vm.events.some((e) => e.event === 'POWERDOWN'));
    t.same(shutdown?.data, os ? { guest: true, reason: 'guest-shutdown' } : undefined);
    t.equal(m.queryStatus().status, os ? 'shutdown' : 'running');
  });
}
