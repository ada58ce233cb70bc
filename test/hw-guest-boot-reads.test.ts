// The simulated guest's firmware: on the first cont after power-on or a
// reset it reads boot sectors in SeaBIOS's order (recorded from QEMU 7.2:
// every CD's LBA 17 while preparing, then the first hard disk's MBR, then
// every CD again); disk front ends read the MBR once at realize (geometry
// guess), unaccounted; SeaBIOS's virtio-blk driver turns the write cache off.
import t from 'tap';
import { join } from 'node:path';
import { writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { blockVm, scratchDir, type BlockVm } from './lib/block-machine.js';

function reads(vm: BlockVm, name: string): { ops: number; bytes: number } {
  const s = vm.machine.block.backend(name)!.stats;
  return { ops: s.nrOps.read, bytes: s.nrBytes.read };
}

function vmWith(t: { teardown(fn: () => void): void }, drives: (dir: string) => string[], devices: string[], images: Record<string, number>): BlockVm {
  const dir = scratchDir(images);
  const vm = blockVm({ drives: drives(dir), devices, startPaused: true }, { dir });
  t.teardown(() => vm.close());
  return vm;
}

const img = (dir: string, id: string, extra = '') => `if=none,id=${id},file=${join(dir, `${id}.img`)},format=raw${extra}`;

t.test('first cont: CDs at prep, the first hard disk, CDs again; nothing more on a later cont', async (t) => {
  const vm = vmWith(
    t,
    (d) => [img(d, 'hd0'), img(d, 'hd1'), img(d, 'vd0'), img(d, 'cd0', ',media=cdrom'), img(d, 'cd1', ',media=cdrom')],
    ['ide-hd,drive=hd0,bus=ide.1,unit=0', 'ide-hd,drive=hd1,bus=ide.1,unit=1', 'virtio-blk-pci,drive=vd0', 'ide-cd,drive=cd0,bus=ide.0,unit=1', 'ide-cd,drive=cd1,bus=ide.0,unit=0'],
    { 'hd0.img': 16 << 20, 'hd1.img': 16 << 20, 'vd0.img': 16 << 20, 'cd0.img': 16 << 20, 'cd1.img': 16 << 20 },
  );
  const m = vm.machine;
  vm.until(() => false);
  t.same(reads(vm, 'hd0'), { ops: 0, bytes: 0 }, 'nothing before cont (realize reads are not accounted)');
  m.qmpCont();
  t.ok(vm.until(() => m.devices.guest.phase === 'halted'));
  t.same(reads(vm, 'hd0'), { ops: 1, bytes: 512 }, 'the first hard disk: its MBR');
  t.same(reads(vm, 'hd1'), { ops: 0, bytes: 0 }, 'only one hard disk is tried');
  t.same(reads(vm, 'vd0'), { ops: 0, bytes: 0 });
  t.same(reads(vm, 'cd0'), { ops: 2, bytes: 4096 }, 'each CD: LBA 17 twice');
  t.same(reads(vm, 'cd1'), { ops: 2, bytes: 4096 });
  t.same(m.devices.guest.console, ['Booting from Hard Disk...', 'Boot failed: not a bootable disk', 'Booting from DVD/CD...', 'Boot failed: Could not read from CDROM (code 0003)', 'Booting from DVD/CD...', 'Boot failed: Could not read from CDROM (code 0003)', 'No bootable device.']);
  m.qmpStop();
  m.qmpCont();
  vm.until(() => false);
  t.same(reads(vm, 'hd0'), { ops: 1, bytes: 512 }, 'a cont after stop does not boot again');
  m.qmpSystemReset();
  t.ok(vm.until(() => reads(vm, 'hd0').ops === 2), 'a reset of a running VM boots again');
});

t.test('bootindex decides; ties go by drive type (virtio-scsi before virtio-blk)', async (t) => {
  const images = { 'a.img': 16 << 20, 'b.img': 16 << 20, 'c.img': 16 << 20 };
  const vm = vmWith(
    t,
    (d) => [`if=none,id=a,file=${join(d, 'a.img')},format=raw`, `if=none,id=b,file=${join(d, 'b.img')},format=raw`, `if=none,id=c,file=${join(d, 'c.img')},format=raw`],
    ['ide-hd,drive=a,bus=ide.0,bootindex=2', 'virtio-blk-pci,drive=b,bootindex=1', 'virtio-scsi-pci', 'scsi-hd,drive=c'],
    images,
  );
  vm.machine.qmpCont();
  vm.until(() => vm.machine.devices.guest.phase === 'halted');
  t.same([reads(vm, 'a').ops, reads(vm, 'b').ops, reads(vm, 'c').ops], [0, 1, 0], 'bootindex=1 wins');

  const vm2 = vmWith(t, (d) => [`if=none,id=b,file=${join(d, 'b.img')},format=raw`, `if=none,id=c,file=${join(d, 'c.img')},format=raw`], ['virtio-blk-pci,drive=b', 'virtio-scsi-pci', 'scsi-hd,drive=c'], images);
  vm2.machine.qmpCont();
  vm2.until(() => vm2.machine.devices.guest.phase === 'halted');
  t.same([reads(vm2, 'b').ops, reads(vm2, 'c').ops], [0, 1], 'DTYPE_VIRTIO_SCSI sorts before DTYPE_VIRTIO_BLK');
});

t.test('SeaBIOS leaves virtio-blk in writethrough; a reset restores the cache', async (t) => {
  const vm = vmWith(t, (d) => [img(d, 'vd0')], ['virtio-blk-pci,drive=vd0,id=vblk0'], { 'vd0.img': 16 << 20 });
  const m = vm.machine;
  const blk = m.block.backend('vd0')!;
  t.equal(blk.enableWriteCache, true);
  m.qmpCont();
  vm.until(() => m.devices.guest.phase === 'halted');
  t.equal(blk.enableWriteCache, false, 'DRIVER_OK without WCE');
  m.qmpStop();
  m.qmpSystemReset();
  vm.settle();
  t.equal(m.queryStatus().status, 'prelaunch');
  t.equal(blk.enableWriteCache, true, 'virtio_blk_reset restores original_wce');
});

t.test('the realize-time MBR read goes through the graph (it consumes a one-shot blkdebug error)', async (t) => {
  const dir = scratchDir({ 'a.img': 16 << 20 });
  const drive =
    `if=none,id=d0,format=raw,rerror=stop,file.driver=blkdebug,file.image.filename=${join(dir, 'a.img')},` +
    'file.inject-error.0.event=read_aio,file.inject-error.0.errno=5,file.inject-error.0.once=on';
  const vm = blockVm({ drives: [drive], devices: ['ide-hd,drive=d0,bus=ide.0'], startPaused: true }, { dir });
  t.teardown(() => vm.close());
  vm.machine.qmpCont();
  vm.until(() => vm.machine.devices.guest.phase === 'halted');
  t.notOk(vm.events.some((e) => e.event === 'BLOCK_IO_ERROR'), 'the geometry guess took the error, silently');
  t.same(reads(vm, 'd0'), { ops: 1, bytes: 512 }, 'the BIOS read then succeeds');
});

t.test('a boot sector with 55 AA starts the OS', async (t) => {
  const dir = scratchDir({ 'a.img': 16 << 20 });
  const fd = openSync(join(dir, 'a.img'), 'r+');
  writeSync(fd, Buffer.from([0x55, 0xaa]), 0, 2, 510);
  closeSync(fd);
  writeFileSync(join(dir, 'unused'), '');
  const vm = blockVm({ drives: [img(dir, 'a')], devices: ['virtio-blk-pci,drive=a'], startPaused: true }, { dir });
  t.teardown(() => vm.close());
  vm.machine.qmpCont();
  t.ok(vm.until(() => vm.machine.devices.guest.phase === 'os'));
  vm.settle();
  t.equal(vm.machine.block.backend('a')!.enableWriteCache, true, 'the OS driver negotiates a write cache');
});
