// device_add / -device: QOM paths, bus and slot choice, and QEMU 7.2's
// error texts in QEMU's check order (recorded from qemu-system-x86_64 7.2).
import t from 'tap';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { QmpError } from '../src/qapi/error.js';
import { blockVm, scratchDir } from './lib/block-machine.js';

function err(fn: () => unknown): { cls: string; desc: string } | 'ok' {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof QmpError) return { cls: e.errorClass, desc: e.desc };
    throw e;
  }
}

t.test('device_add errors, each against a fresh drive (texts from QEMU 7.2)', async (t) => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ id: 'x' }, "Parameter 'driver' is missing"],
    [{ driver: 'no-such-device', id: 'x' }, "'no-such-device' is not a valid device model name"],
    [{ driver: 'scsi-hd', id: '1abc', drive: 'd0' }, "Parameter 'id' expects an identifier"],
    [{ driver: 'scsi-hd', id: 'a', drive: 'd0', werror: 'bogus' }, "Parameter 'werror' does not accept value 'bogus'"],
    [{ driver: 'scsi-hd', id: 'a', foo: 'bar' }, "Property 'scsi-hd.foo' not found"],
    [{ driver: 'scsi-hd', id: 'a', 'scsi-id': 'x' }, "Parameter 'scsi-id' expects integer"],
    [{ driver: 'scsi-hd', id: 'a', 'scsi-id': -1 }, "Parameter 'scsi-id' expects uint32_t"],
    [{ driver: 'scsi-hd', id: 'a', 'scsi-id': 300 }, 'bad scsi device id: 300'],
    [{ driver: 'scsi-hd', id: 'a', 'share-rw': 'maybe' }, "Parameter 'share-rw' expects 'on' or 'off'"],
    [{ driver: 'scsi-hd', id: 'a' }, 'drive property not set'],
    [{ driver: 'scsi-hd', id: 'a', drive: 'd0', bus: 'nobus.0' }, "Bus 'nobus.0' not found"],
    [{ driver: 'scsi-hd', id: 'a', drive: 'd0', bus: 'pci.0' }, "Device 'scsi-hd' can't go on PCI bus"],
    [{ driver: 'scsi-cd', id: 'a', bus: 'scsi0.0', lun: 16384 }, 'bad scsi device lun: 16384'],
    [{ driver: 'virtio-blk-pci', id: 'a', iothread: 'nope' }, "Device 'nope' not found"],
    [{ driver: 'virtio-blk-pci', id: 'a', addr: '0x20' }, "Property 'virtio-blk-pci.addr' doesn't take value '0x20'"],
    [{ driver: 'virtio-blk-pci', id: 'a', addr: '1.0' }, 'PCI: slot 1 function 0 not available for virtio-blk-pci, in use by PIIX3,id=(null)'],
    [{ driver: 'virtio-blk-pci', id: 'a', bootindex: 'abc' }, "Parameter 'bootindex' expects integer"],
    [{ driver: 'virtio-blk-pci', id: 'a', drive: 'nope' }, "Property 'virtio-blk-device.drive' can't find value 'nope'"],
    [{ driver: 'virtio-blk-device', id: 'a' }, "No 'virtio-bus' bus found for device 'virtio-blk-device'"],
    [{ driver: 'ide-hd', id: 'a', drive: 'd0' }, "Bus 'ide.1' does not support hotplugging"],
    [{ driver: 'ide-hd', id: 'a', drive: 'd0', bus: 'ide.0' }, "Bus 'ide.0' does not support hotplugging"],
    [{ driver: 'scsi-hd', id: 'scsi0', drive: 'd0' }, "Duplicate device ID 'scsi0'"],
  ];
  for (const [args, desc] of cases) {
    const dir = scratchDir({ 'a.img': 16 << 20 });
    const vm = blockVm(
      { drives: [`if=none,id=d0,file=${join(dir, 'a.img')},format=raw`], devices: ['virtio-scsi-pci,id=scsi0'], iothreads: [{ id: 'io0' }] },
      { dir },
    );
    t.teardown(() => {
      vm.close();
      rmSync(dir, { recursive: true, force: true });
    });
    t.same(err(() => vm.machine.devices.deviceAdd(args)), { cls: desc.startsWith("Device 'nope'") ? 'DeviceNotFound' : 'GenericError', desc }, JSON.stringify(args));
  }
});

t.test('the drive stays with the first device; a failed device_add lets go of it', async (t) => {
  const dir = scratchDir({ 'a.img': 16 << 20 });
  const vm = blockVm({ drives: [`if=none,id=d0,file=${join(dir, 'a.img')},format=raw`], devices: ['virtio-scsi-pci,id=scsi0'] }, { dir });
  t.teardown(() => vm.close());
  const m = vm.machine;
  t.same(err(() => m.devices.deviceAdd({ driver: 'scsi-hd', id: 'a1', drive: 'd0', werror: 'bogus' })), { cls: 'GenericError', desc: "Parameter 'werror' does not accept value 'bogus'" });
  t.equal(m.block.backend('d0')!.dev, null, 'released after the failure');
  t.equal(err(() => m.devices.deviceAdd({ driver: 'scsi-hd', id: 'a2', drive: 'd0', rerror: 'enospc' })), 'ok', 'rerror=enospc is a valid device value');
  t.same(err(() => m.devices.deviceAdd({ driver: 'virtio-blk-pci', id: 'a3', drive: 'd0' })), { cls: 'GenericError', desc: "Drive 'd0' is already in use by another device" });
  t.same(err(() => m.devices.deviceAdd({ driver: 'scsi-cd', id: 'a4', bus: 'scsi0.0', 'scsi-id': 0, lun: 0 })), { cls: 'GenericError', desc: "lun already used by 'a2'" });
});

t.test('QOM paths, buses and PCI slots as QEMU assigns them', async (t) => {
  const dir = scratchDir({ 'a.img': 16 << 20, 'b.img': 16 << 20, 'c.img': 16 << 20, 'd.img': 16 << 20 });
  const img = (n: string) => join(dir, n);
  const vm = blockVm(
    {
      drives: ['a', 'b', 'c', 'd'].map((n) => `if=none,id=${n},file=${img(`${n}.img`)},format=raw`),
      devices: ['ide-hd,drive=a,id=ha', 'ide-hd,drive=b,id=hb', 'virtio-scsi-pci', '{"driver": "virtio-blk-pci", "drive": "c", "bootindex": 2}', 'scsi-hd,drive=d'],
    },
    { dir },
  );
  t.teardown(() => vm.close());
  const m = vm.machine;
  const ha = m.devices.findDevice('ha')!;
  const hb = m.devices.findDevice('hb')!;
  t.equal(ha.parentBus!.name, 'ide.1', 'no bus=: the first IDE bus found, newest first');
  t.same([ha.props.get('unit'), hb.props.get('unit')], [0, 1]);
  const scsi = m.devices.findDevice('/machine/peripheral-anon/device[0]')!;
  t.equal(scsi.typename, 'virtio-scsi-pci');
  t.equal((scsi as unknown as { devfn: number }).devfn, 0x10, 'first free slot: 02.0');
  const vblk = m.devices.findDevice('/machine/peripheral-anon/device[1]')!;
  t.equal((vblk as unknown as { devfn: number }).devfn, 0x18, 'then 03.0');
  t.equal(m.block.backend('c')!.dev!.qdevId(), '/machine/peripheral-anon/device[1]/virtio-backend', 'the BB hangs on the backend');
  t.equal(m.block.backend('d')!.dev!.qdevId(), '/machine/peripheral-anon/device[2]');
  const sd = m.devices.findDevice('/machine/peripheral-anon/device[2]')!;
  t.equal(sd.parentBus!.name, 'scsi.0', 'an HBA without id names its bus scsi.N');
  t.equal(sd.treeDepth(), 4, 'scsi-hd: HBA backend, proxy, host bridge');
  t.equal(m.block.backend('c')!.dev!.qdevId() !== '', true);
});

t.test('-device startup errors end the machine with QEMU\'s text', async (t) => {
  const dir = scratchDir({ 'a.img': 16 << 20, 'b.img': 16 << 20, 'c.img': 16 << 20 });
  t.throws(
    () =>
      blockVm(
        {
          drives: ['a', 'b', 'c'].map((n) => `if=none,id=${n},file=${join(dir, `${n}.img`)},format=raw`),
          devices: ['ide-hd,drive=a,id=ha', 'ide-hd,drive=b,id=hb', 'ide-hd,drive=c,id=hc'],
        },
        { dir },
      ),
    { message: 'qemu-system-x86_64: -device ide-hd,drive=c,id=hc: IDE unit 1 is in use' },
  );
});

t.test('-drive if=ide / if=virtio front ends', async (t) => {
  const dir = scratchDir({ 'a.img': 16 << 20, 'b.img': 16 << 20, 'c.img': 16 << 20 });
  const vm = blockVm(
    { drives: [`file=${join(dir, 'a.img')},format=raw`, `file=${join(dir, 'b.img')},format=raw,if=virtio`, `file=${join(dir, 'c.img')},format=raw,media=cdrom`] },
    { dir },
  );
  t.teardown(() => vm.close());
  const m = vm.machine;
  t.equal(m.block.backend('ide0-hd0')!.dev!.qdevId(), '/machine/unattached/device[18]');
  t.equal(m.block.backend('ide0-cd1')!.dev!.qdevId(), '/machine/unattached/device[19]');
  t.equal(m.block.backend('virtio0')!.dev!.qdevId(), '/machine/peripheral-anon/device[0]/virtio-backend');
});
