// A guest write parked by werror=stop (VM in io-error) and then
// system_reset: QEMU 7.2 drops the request with the device reset
// (ide_bus_reset + bmdma_reset: the retry BH finds no DMA running;
// virtio_blk_reset frees s->rq; scsi-disk purges its requests), the guest
// never sees it complete, and after the reboot the guest's own writes are
// what the disk holds. qmp-sim must match: the stale request is never
// re-issued (it would overwrite newer data), the writes that completed
// before the error stay, the iostatus survives the reset until cont, and
// the dropped request is not accounted.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { faultInjector } from '../src/block/fault-inject.js';
import type { GuestIoResult } from '../src/hw/guest/guest-disk.js';
import { blockVm, scratchDir } from './lib/block-machine.js';

/** failedWr: scsi-disk accounts a failed request before its policy (scsi_dma_complete), the others never account a stop */
const CASES: { name: string; devices: string[]; iothreads?: { id: string }[]; failedWr?: number }[] = [
  { name: 'ide-hd (bus-master DMA)', devices: ['ide-hd,drive=d0,bus=ide.0,id=disk'] },
  { name: 'virtio-blk-pci', devices: ['virtio-blk-pci,drive=d0,id=disk'] },
  { name: 'virtio-blk-pci,iothread=io0', devices: ['virtio-blk-pci,drive=d0,id=disk,iothread=io0'], iothreads: [{ id: 'io0' }] },
  { name: 'scsi-hd', devices: ['virtio-scsi-pci', 'scsi-hd,drive=d0,id=disk'], failedWr: 1 },
];

const SECTOR = 512;
const sectors = (img: Buffer, lba: number, n: number) => img.subarray(lba * SECTOR, (lba + n) * SECTOR);

for (const c of CASES) {
  t.test(`${c.name}: a parked write is dropped by system_reset, never re-issued`, async (t) => {
    const dir = scratchDir({ 'a.img': 4 << 20 });
    const vm = blockVm(
      { drives: [`if=none,id=d0,format=raw,werror=stop,file=${join(dir, 'a.img')}`], devices: c.devices, startPaused: true, iothreads: c.iothreads ?? [] },
      { dir },
    );
    t.teardown(() => vm.close());
    const m = vm.machine;
    const blk = m.block.backend('d0')!;
    const disk = m.devices.disk('disk')!;
    const img = () => readFileSync(join(dir, 'a.img'));
    const write = (lba: number, fill: number, cb: (r: GuestIoResult) => void) =>
      m.devices.guest.io(disk, { op: 'write', lba, count: 8, data: Buffer.alloc(8 * SECTOR, fill) }, cb);

    m.devices.guest.startOs();
    m.qmpCont();
    let a: GuestIoResult | undefined;
    write(64, 0x11, (r) => (a = r));
    t.ok(vm.until(() => a !== undefined) && a!.ok, 'write A completes');

    faultInjector(m.block).inject(blk.root!, { errno: 'ENOSPC', op: 'write', mode: 'once' });
    const calls: GuestIoResult[] = [];
    write(128, 0x22, (r) => calls.push(r));
    t.ok(vm.until(() => m.queryStatus().status === 'io-error'), 'write B parks, the VM stops');
    t.equal(blk.iostatus, 'nospace');
    const mark = vm.events.length;

    m.qmpSystemReset();
    vm.settle();
    t.equal(m.queryStatus().status, 'prelaunch', 'system_reset in io-error: prelaunch');
    t.equal(blk.iostatus, 'nospace', 'system_reset keeps the iostatus');
    m.qmpCont();
    t.equal(blk.iostatus, 'ok', 'cont resets it');
    // the firmware runs again (no bootable disk: it halts); give any stale retry every chance
    vm.until(() => m.devices.guest.phase === 'halted');
    m.kernel.runUntil(() => false, { maxNs: m.kernel.nowNs() + 1e9 });
    t.same(calls, [], 'the guest never sees B complete');
    t.ok(sectors(img(), 128, 8).every((b) => b === 0), 'B never reached the image');
    t.same(
      vm.events.slice(mark).map((e) => e.event),
      ['RESET', 'RESUME'],
      'no BLOCK_IO_ERROR or STOP after the reset',
    );

    // the rebooted guest writes the same range anew
    m.devices.guest.startOs();
    let cw: GuestIoResult | undefined;
    write(128, 0x33, (r) => (cw = r));
    t.ok(vm.until(() => cw !== undefined) && cw!.ok, 'write C completes');
    m.kernel.runUntil(() => false, { maxNs: m.kernel.nowNs() + 1e8 });
    t.ok(sectors(img(), 64, 8).every((b) => b === 0x11), 'A, completed before the error, stays');
    t.ok(sectors(img(), 128, 8).every((b) => b === 0x33), 'C is what the disk holds');
    t.same(calls, []);
    t.same([blk.stats.nrOps.write, blk.stats.failedOps.write], [2, c.failedWr ?? 0], 'the dropped request is not accounted as done');
    t.same([...vm.logs, ...m.kernel.logLines], []);
  });
}
