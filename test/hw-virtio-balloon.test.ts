// virtio-balloon and the balloon commands (texts checked against QEMU 7.2):
// no device → DeviceNotActive; one per machine; no guest driver, so
// `actual` stays the RAM size whatever target `balloon` sets.

import t from 'tap';
import { inProcessVm } from './lib/in-process.js';

function session(devices: string[]) {
  const vm = inProcessVm({ devices });
  vm.feed('{"execute": "qmp_capabilities"}\n');
  vm.settle();
  return (cmd: string) => {
    const before = vm.out.length;
    vm.feed(cmd + '\n');
    vm.settle();
    return vm.out.slice(before).map((l) => JSON.parse(l)).find((m) => 'return' in m || 'error' in m);
  };
}

t.test('no balloon device', async (t) => {
  const q = session([]);
  t.same(q('{"execute": "query-balloon"}'), { error: { class: 'DeviceNotActive', desc: 'No balloon device has been activated' } });
  t.same(q('{"execute": "balloon", "arguments": {"value": 0}}'), { error: { class: 'DeviceNotActive', desc: 'No balloon device has been activated' } });
});

t.test('libvirt default devices: balloon and UHCI', async (t) => {
  const q = session(['piix3-usb-uhci,id=usb,bus=pci.0,addr=0x1.0x2', 'virtio-balloon-pci,id=balloon0,bus=pci.0,addr=0x4']);
  t.same(q('{"execute": "query-balloon"}'), { return: { actual: 128 * 1024 * 1024 } });
  t.same(q('{"execute": "balloon", "arguments": {"value": 0}}'), { error: { class: 'GenericError', desc: "Parameter 'target' expects a size" } });
  t.same(q('{"execute": "balloon", "arguments": {"value": 67108864}}'), { return: {} });
  t.same(q('{"execute": "query-balloon"}'), { return: { actual: 128 * 1024 * 1024 } });
  t.same(q('{"execute": "device_add", "arguments": {"driver": "virtio-balloon-pci", "id": "b2"}}'), { error: { class: 'GenericError', desc: 'Only one balloon device is supported' } });
  t.same(q('{"execute": "device_add", "arguments": {"driver": "piix3-usb-uhci", "id": "usb2"}}'), { return: {} });
});
