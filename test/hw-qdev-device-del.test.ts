// device_del: PCI unplug waits for the guest's ACPI eject (forever without
// an OS; a system reset executes it), SCSI unplug is immediate; either way
// DEVICE_DELETED follows the reply, inner devices first, and a -drive
// BlockBackend goes with its device.
import t from 'tap';
import { join } from 'node:path';
import { QmpError } from '../src/qapi/error.js';
import { blockVm, scratchDir, type BlockVm } from './lib/block-machine.js';

function errDesc(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof QmpError) return `${e.errorClass}: ${e.desc}`;
    throw e;
  }
}

function deleted(vm: BlockVm): unknown[] {
  return vm.events.filter((e) => e.event === 'DEVICE_DELETED').map((e) => e.data);
}

function setup(t: { teardown(fn: () => void): void }): BlockVm {
  const dir = scratchDir({ 'a.img': 16 << 20, 'b.img': 16 << 20 });
  const vm = blockVm(
    {
      drives: [`if=none,id=d0,file=${join(dir, 'a.img')},format=raw`, `if=none,id=d1,file=${join(dir, 'b.img')},format=raw`],
      devices: ['virtio-blk-pci,drive=d0,id=vblk1', 'virtio-scsi-pci,id=scsi0', 'scsi-hd,drive=d1,id=sd1', 'ide-cd,id=cd0'],
      startPaused: true,
    },
    { dir },
  );
  t.teardown(() => vm.close());
  return vm;
}

t.test('PCI unplug without a guest OS never completes', async (t) => {
  const vm = setup(t);
  const devs = vm.machine.devices;
  t.equal(errDesc(() => devs.deviceDel('vblk1')), 'ok');
  t.equal(errDesc(() => devs.deviceDel('vblk1')), 'GenericError: Device vblk1 is already in the process of unplug');
  vm.machine.qmpCont();
  vm.until(() => false);
  t.same(deleted(vm), [], 'no DEVICE_DELETED after 10 s of guest time');
  t.equal(vm.machine.block.backend('d0')?.dev?.qdevId(), '/machine/peripheral/vblk1/virtio-backend', 'still attached');
});

t.test('a system reset executes the pending unplug: backend first, then the proxy', async (t) => {
  const vm = setup(t);
  const m = vm.machine;
  m.devices.deviceDel('vblk1');
  m.qmpSystemReset();
  t.ok(vm.until(() => deleted(vm).length === 2));
  t.same(deleted(vm), [{ path: '/machine/peripheral/vblk1/virtio-backend' }, { device: 'vblk1', path: '/machine/peripheral/vblk1' }]);
  const reset = vm.events.findIndex((e) => e.event === 'RESET');
  const first = vm.events.findIndex((e) => e.event === 'DEVICE_DELETED');
  t.ok(reset >= 0 && reset < first, 'RESET before DEVICE_DELETED');
  t.equal(m.block.backend('d0'), undefined, 'the -drive BB went with its device (auto-del)');
  t.equal(errDesc(() => m.devices.deviceDel('vblk1')), "DeviceNotFound: Device 'vblk1' not found");
});

t.test('SCSI unplug is synchronous; DEVICE_DELETED comes after an RCU grace period', async (t) => {
  const vm = setup(t);
  const m = vm.machine;
  m.devices.deviceDel('sd1');
  t.same(deleted(vm), [], 'not inside the command');
  t.equal(m.devices.findDevice('sd1'), undefined, 'the id is free at once');
  t.ok(vm.until(() => deleted(vm).length === 1));
  t.same(deleted(vm), [{ device: 'sd1', path: '/machine/peripheral/sd1' }]);
  t.equal(m.block.backend('d1'), undefined, 'drive auto-deleted with the device');
});

t.test('a guest OS acknowledges the ACPI eject', async (t) => {
  const vm = setup(t);
  const m = vm.machine;
  m.devices.guest.startOs();
  m.qmpCont();
  vm.settle();
  m.devices.deviceDel('vblk1');
  t.ok(vm.until(() => deleted(vm).length === 2), 'DEVICE_DELETED twice');
  t.equal(m.devices.findDevice('vblk1'), undefined);
});

t.test('device_del refusals', async (t) => {
  const vm = setup(t);
  const devs = vm.machine.devices;
  t.equal(errDesc(() => devs.deviceDel('no-such-id')), "DeviceNotFound: Device 'no-such-id' not found");
  t.equal(errDesc(() => devs.deviceDel('/machine/peripheral')), 'GenericError: /machine/peripheral is not a hotpluggable device');
  t.equal(errDesc(() => devs.deviceDel('vblk1/virtio-backend')), "GenericError: Bus 'virtio-bus' does not support hotplugging");
  t.equal(errDesc(() => devs.deviceDel('cd0')), "GenericError: Bus 'ide.1' does not support hotplugging");
});
