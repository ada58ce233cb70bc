// The command lines libvirt 9.0 writes (probe and domain, recorded from its
// log against real QEMU 7.2) parse: every option accepted, the modelled ones
// in the machine config; -daemonize's position known for the daemon child;
// qmp-sim's own options and environment split off.

import t from 'tap';
import { parseQemuCommandLine } from '../src/cli/qemu-cmdline.js';
import { controlAddress, splitSimOptions } from '../src/cli/sim-options.js';

const domainArgv = [
  '-name', 'guest=lbprobe,debug-threads=on', '-S',
  '-object', '{"qom-type":"secret","id":"masterKey0","format":"raw","file":"/var/lib/libvirt/qemu/domain-1-lbprobe/master-key.aes"}',
  '-machine', 'pc-i440fx-7.2,usb=off,dump-guest-core=off,memory-backend=pc.ram', '-accel', 'tcg', '-cpu', 'qemu64', '-m', '128',
  '-object', '{"qom-type":"memory-backend-ram","id":"pc.ram","size":134217728}', '-overcommit', 'mem-lock=off',
  '-smp', '1,sockets=1,cores=1,threads=1', '-uuid', '03aefbf9-bb0d-4876-8e7c-45209a7ceaf1', '-display', 'none',
  '-no-user-config', '-nodefaults', '-chardev', 'socket,id=charmonitor,fd=26,server=on,wait=off',
  '-mon', 'chardev=charmonitor,id=monitor,mode=control', '-rtc', 'base=utc', '-no-shutdown', '-no-acpi', '-boot', 'strict=on',
  '-device', '{"driver":"piix3-usb-uhci","id":"usb","bus":"pci.0","addr":"0x1.0x2"}',
  '-blockdev', '{"driver":"file","filename":"/tmp/disk.raw","node-name":"libvirt-1-storage","auto-read-only":true,"discard":"unmap"}',
  '-blockdev', '{"node-name":"libvirt-1-format","read-only":false,"driver":"raw","file":"libvirt-1-storage"}',
  '-device', '{"driver":"virtio-blk-pci","bus":"pci.0","addr":"0x2","drive":"libvirt-1-format","id":"virtio-disk0","bootindex":1}',
  '-audiodev', '{"id":"audio1","driver":"none"}', '-device', '{"driver":"virtio-balloon-pci","id":"balloon0","bus":"pci.0","addr":"0x3"}',
  '-sandbox', 'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny', '-msg', 'timestamp=on',
];

t.test('libvirt domain argv', async (t) => {
  const c = parseQemuCommandLine(domainArgv);
  t.equal(c.machine.name, 'lbprobe');
  t.equal(c.machine.machineType, 'pc-i440fx-7.2');
  t.same(c.machine.accel, ['tcg']);
  t.equal(c.machine.startPaused, true);
  t.equal(c.machine.noShutdown, true);
  t.equal(c.machine.memoryMiB, 128);
  t.equal(c.machine.smp, 1);
  t.equal(c.machine.uuid, '03aefbf9-bb0d-4876-8e7c-45209a7ceaf1');
  t.equal(c.cpu, 'qemu64');
  t.equal(c.machine.blockdevs.length, 2);
  t.equal(c.machine.devices.length, 3);
  t.same(c.chardevs.get('charmonitor')?.addr, { kind: 'fd', fd: 26 });
  t.same(c.monitors, [{ chardev: 'charmonitor', mode: 'control', pretty: false }]);
  t.equal(c.daemonize, false);
  t.same(c.unmodelled, ['-object secret', '-cpu', '-object memory-backend-ram', '-overcommit', '-rtc', '-boot', '-audiodev', '-sandbox', '-msg']);
  t.equal(c.machine.acpi, false, '-no-acpi reaches the machine');
  t.equal(c.machine.cpuModel, 'qemu64', '-cpu reaches the machine');
});

t.test('libvirt probe argv', async (t) => {
  const argv = ['-S', '-no-user-config', '-nodefaults', '-nographic', '-machine', 'none,accel=kvm:tcg', '-qmp', 'unix:/x/qmp.monitor,server=on,wait=off', '-pidfile', '/x/qmp.pid', '-daemonize'];
  const c = parseQemuCommandLine(argv);
  t.equal(c.machine.machineType, 'none');
  t.same(c.machine.accel, ['kvm', 'tcg']);
  t.equal(c.pidfile, '/x/qmp.pid');
  t.equal(c.daemonize, true);
  t.same(c.daemonizeAt, [10]);
  t.same(c.unmodelled, []);
});

t.test('sim options and their environment', async (t) => {
  const s = splitSimOptions(['--seed', '7', '-S', '--control-dir=/c', '-name', 'vm'], { QMP_SIM_CONTROL_DIR: '/env', QMP_SIM_IMAGE_DIRS: '/a:/b' });
  t.same(s.qemu, ['-S', '-name', 'vm']);
  t.same(s.simArgv, ['--seed=7', '--control-dir=/c']);
  t.equal(s.sim.controlDir, '/c', 'the option wins over the environment');
  t.same(s.sim.imageDirs, ['/a', '/b']);
  const e = splitSimOptions(['-S'], { QMP_SIM_CONTROL_DIR: '/env/' });
  t.equal(controlAddress(e.sim, 'vm1'), 'unix:/env/vm1.sock');
  t.equal(controlAddress(e.sim, undefined), undefined, 'no name (libvirt\'s probe): no channel');
  t.equal(controlAddress({ ...e.sim, control: 'unix:/x.sock' }, 'vm1'), 'unix:/x.sock');
  t.throws(() => splitSimOptions(['--daemon-child=1']), /internal/);
  const d = splitSimOptions(['--daemon-child=3', '--seed=1']);
  t.equal(d.sim.daemonChild, 3);
  t.same(d.simArgv, ['--seed=1'], 'the marker is not passed on');
});
