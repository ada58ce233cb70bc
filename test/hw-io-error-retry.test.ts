// action=stop and cont on the real front ends: BLOCK_IO_ERROR precedes STOP,
// the parked request is re-issued from a bottom half once vm_start is done
// (never inside the change-state handler walk; the 2009 bug switch breaks
// exactly that), and a guest write parked by the error reaches the image
// once the fault clears: none is lost. virtio-blk with iothread= fails in
// the iothread, so its stop takes the vmstop request path.
import t from 'tap';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import type { GuestIoResult } from '../src/hw/guest/guest-disk.js';
import { blockVm, scratchDir, type BlockVm } from './lib/block-machine.js';

function names(vm: BlockVm, from = 0): string[] {
  return vm.events.slice(from).map((e) => e.event);
}

function bootFailVm(t: { teardown(fn: () => void): void }, bug: boolean): BlockVm {
  const dir = scratchDir({ 'a.img': 16 << 20 });
  const drive = `if=none,id=d0,format=raw,rerror=stop,file.driver=blkdebug,file.image.filename=${join(dir, 'a.img')},file.inject-error.0.event=read_aio,file.inject-error.0.errno=5`;
  const vm = blockVm({ drives: [drive], devices: ['ide-hd,drive=d0,bus=ide.0,id=ide0'], startPaused: true }, { dir });
  vm.machine.kernel.bugs.restartInChangeStateHandler = bug;
  t.teardown(() => vm.close());
  return vm;
}

t.test('IDE: BLOCK_IO_ERROR then STOP; cont retries from a BH after RESUME', async (t) => {
  const vm = bootFailVm(t, false);
  const m = vm.machine;
  const blk = m.block.backend('d0')!;
  const seen: number[] = [];
  // a handler that runs after the IDE bus's (priority 0) on start
  m.runState.addChangeStateHandler((running) => running && seen.push(blk.inFlight), 1, 'observer');
  m.qmpCont();
  t.ok(vm.until(() => m.queryStatus().status === 'io-error'));
  t.same(names(vm), ['RESUME', 'BLOCK_IO_ERROR', 'STOP']);
  const mark = vm.events.length;
  m.qmpCont();
  t.same(seen, [0, 0], 'while vm_start walks the handlers, nothing has been re-issued');
  t.ok(vm.until(() => m.queryStatus().status === 'io-error'), 'the retry fails again');
  t.same(names(vm, mark), ['RESUME', 'BLOCK_IO_ERROR', 'STOP']);
  t.equal(blk.iostatus, 'failed');
  t.same(vm.logs, []);
});

t.test('with the 2009 bug switch the retry is issued inside the handler walk', async (t) => {
  const vm = bootFailVm(t, true);
  const m = vm.machine;
  const blk = m.block.backend('d0')!;
  const seen: number[] = [];
  m.runState.addChangeStateHandler((running) => running && seen.push(blk.inFlight), 1, 'observer');
  m.qmpCont();
  vm.until(() => m.queryStatus().status === 'io-error');
  m.qmpCont();
  t.same(seen, [0, 1], 'the test above catches it');
});

interface WriteCase {
  name: string;
  devices: string[];
  iothreads?: { id: string }[];
}

const WRITE_CASES: WriteCase[] = [
  { name: 'ide-hd (bus-master DMA)', devices: ['ide-hd,drive=d0,bus=ide.0,id=disk'] },
  { name: 'virtio-blk-pci', devices: ['virtio-blk-pci,drive=d0,id=disk'] },
  { name: 'virtio-blk-pci,iothread=io0', devices: ['virtio-blk-pci,drive=d0,id=disk,iothread=io0'], iothreads: [{ id: 'io0' }] },
  { name: 'virtio-blk-pci,ioeventfd=off (restart BH)', devices: ['virtio-blk-pci,drive=d0,id=disk,ioeventfd=off'] },
  { name: 'scsi-hd', devices: ['virtio-scsi-pci', 'scsi-hd,drive=d0,id=disk'] },
];

for (const c of WRITE_CASES) {
  t.test(`${c.name}: a write parked by ENOSPC reaches the image after cont`, async (t) => {
    const dir = scratchDir({ 'a.img': 16 << 20 });
    const drive =
      `if=none,id=d0,format=raw,werror=stop,file.driver=blkdebug,file.image.filename=${join(dir, 'a.img')},` +
      'file.inject-error.0.event=write_aio,file.inject-error.0.errno=28,file.inject-error.0.once=on';
    const vm = blockVm({ drives: [drive], devices: c.devices, startPaused: true, iothreads: c.iothreads ?? [] }, { dir });
    t.teardown(() => vm.close());
    const m = vm.machine;
    m.devices.guest.startOs();
    m.qmpCont();
    vm.settle();
    const data = Buffer.alloc(4096, 0x5a);
    let result: GuestIoResult | undefined;
    m.devices.guest.io(m.devices.disk('disk')!, { op: 'write', lba: 64, count: 8, data }, (r) => (result = r));
    t.ok(vm.until(() => m.queryStatus().status === 'io-error'), 'stopped');
    t.same(names(vm).slice(-2), ['BLOCK_IO_ERROR', 'STOP']);
    t.equal(m.block.backend('d0')!.iostatus, 'nospace');
    t.equal(result, undefined, 'the guest still waits');
    t.not(readFileSync(join(dir, 'a.img')).subarray(64 * 512, 72 * 512).equals(data), 'not on disk yet');
    m.qmpCont();
    t.ok(vm.until(() => result !== undefined), 'the retry completes');
    t.equal(result?.ok, true);
    t.ok(readFileSync(join(dir, 'a.img')).subarray(64 * 512, 72 * 512).equals(data), 'the data is on disk');
    t.equal(m.queryStatus().status, 'running');
    t.same(m.kernel.logLines, [], 'no thread-rule violation (vmstop request from the iothread)');
    t.same(vm.logs, []);
  });
}
