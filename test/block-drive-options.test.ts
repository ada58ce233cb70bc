// -drive and -blockdev on the command line (blockdev.c drive_new /
// blockdev_init, vl.c configure_blockdev): QEMU 7.2's error texts (recorded
// from the real binary), generated drive names, default drives, keyval typing.
import t from 'tap';
import { blockVm, scratchDir } from './lib/block-machine.js';
import type { MachineConfig } from '../src/machine/config.js';
import { queryBlock } from '../src/block/block-qapi.js';

function startError(config: Partial<MachineConfig>): string {
  try {
    blockVm(config, { dir: scratchDir() }).close();
    return 'started';
  } catch (e) {
    return (e as Error).message;
  }
}

const P = 'qemu-system-x86_64: ';

t.test('-drive errors', async (t) => {
  const cases: Array<[string, string]> = [
    ['if=none,id=d0,file=/nonexistent/missing.img', "Could not open '/nonexistent/missing.img'"],
    ['if=none,id=d0,driver=null-co,werror=bogus', "'bogus' invalid write error action"],
    ['if=none,id=d0,driver=null-co,rerror=enospc', "'enospc' invalid read error action"],
    ['if=none,id=d0,driver=null-co,bogus=1', "Block protocol 'null-co' doesn't support the option 'bogus'"],
    ['if=none,id=1d,driver=null-co', "Parameter 'id' expects an identifier\nIdentifiers consist of letters, digits, '-', '.', '_', starting with a letter."],
    ['if=bogus,driver=null-co', "unsupported bus type 'bogus'"],
    ['if=none,id=d0,driver=null-co,cache=bogus', 'invalid cache option'],
    ['if=none,driver=null-co,node-name=1x', "Invalid node-name: '1x'"],
    ['if=none,id=d0,driver=null-co,media=floppy', "'floppy' invalid media"],
    ['if=ide,bus=0,unit=2,driver=null-co', 'unit 2 too big (max is 1)'],
    ['if=floppy,driver=null-co,werror=stop', 'werror is not supported by this bus type'],
    ['if=none,driver=null-co,bps=10,throttling.bps-total=5', "'throttling.bps-total' and its alias 'bps' can't be used at the same time"],
    ['if=none,driver=null-co,bps=10,bps_rd=5', 'bps/iops/max total values and read/write values cannot be used at the same time'],
    ['if=none,driver=null-co,detect-zeroes=bogus', 'invalid parameter value: bogus'],
    ['if=none,id=x,driver=null-co,aio=bogus', 'invalid aio option'],
    ['if=none,id=x,driver=null-co,index=1,bus=1', 'index cannot be used with bus and unit'],
    ['if=none,driver=null-co,stats-intervals.0=0', 'Invalid interval length: 0'],
    ['if=none,driver=null-co,format=raw', "Cannot specify both 'driver' and 'format'"],
  ];
  for (const [text, desc] of cases) {
    const msg = startError({ drives: [text] });
    t.ok(msg.startsWith(`${P}-drive ${text}: ${desc}`), text, { found: msg });
  }
  t.equal(startError({ drives: ['if=none,id=d0,driver=null-co', 'if=none,id=d0,driver=null-co'] }), `${P}-drive if=none,id=d0,driver=null-co: Duplicate ID 'd0' for drive`);
  t.equal(
    startError({ blockdevs: ['driver=null-co,node-name=n0'], drives: ['if=none,id=n0,driver=null-co'] }),
    `${P}-drive if=none,id=n0,driver=null-co: Device name 'n0' conflicts with an existing node name`,
  );
});

t.test('-blockdev errors and keyval typing', async (t) => {
  const cases: Array<[string, string]> = [
    ['driver=null-co,node-name=n0,read-zeroes=maybe', "Parameter 'read-zeroes' expects 'on' or 'off'"],
    ['driver=null-co,node-name=n0,size=1M', "Parameter 'size' expects integer"],
    ['driver=null-co', "'node-name' must be specified for the root node"],
    ['node-name=x', "Parameter 'driver' is missing"],
    ['driver=null-co,node-name=n0,bogus=1', "Parameter 'bogus' is unexpected"],
    ['{"driver":"null-co"}', "'node-name' must be specified for the root node"],
  ];
  for (const [text, desc] of cases) t.equal(startError({ blockdevs: [text] }), `${P}-blockdev ${text}: ${desc}`, text);
  const vm = blockVm({ blockdevs: ['driver=null-co,node-name=n0,size=0x1000,read-zeroes=on'] });
  t.teardown(() => vm.close());
  const n0 = vm.machine.block.findNode('n0')!;
  t.equal(n0.bs.getLength(), 4096, 'hex integer');
  t.equal(n0.bs.filename, 'json:{"read-zeroes": true, "driver": "null-co", "size": 4096}', 'typed values, as blockdev-add would give them');
});

t.test('generated -drive names and default drives', async (t) => {
  const vm = blockVm({
    nodefaults: false,
    drives: ['if=ide,driver=null-co', 'if=ide,driver=null-co', 'if=virtio,driver=null-co', 'if=none,driver=null-co', 'if=none,media=cdrom'],
  });
  t.teardown(() => vm.close());
  t.same(
    vm.machine.block.drives.map((d) => d.blk.name),
    ['ide0-hd0', 'ide0-hd1', 'virtio0', 'none0', 'none1', 'ide1-cd0', 'floppy0', 'sd0'],
  );
  const cd = queryBlock(vm.machine.block).find((b) => b.device === 'none1')!;
  t.same(cd, { device: 'none1', type: 'unknown', removable: true, locked: false }, 'an empty drive without a device');
});

t.test('a device that replaces the default CD-ROM', async (t) => {
  const vm = blockVm({ nodefaults: false, drives: ['if=none,id=x,driver=null-co'], devices: ['ide-hd,drive=x'] });
  t.teardown(() => vm.close());
  t.same(vm.machine.block.drives.map((d) => d.blk.name), ['x', 'floppy0', 'sd0']);
});

t.test('-drive cache modes and the write cache', async (t) => {
  const modes: Array<[string, boolean, boolean, boolean]> = [
    ['none', true, false, true],
    ['directsync', true, false, false],
    ['writeback', false, false, true],
    ['unsafe', false, true, true],
    ['writethrough', false, false, false],
  ];
  for (const [mode, direct, noFlush, writeback] of modes) {
    const vm = blockVm({ drives: [`if=none,id=d0,driver=null-co,cache=${mode}`] });
    const blk = vm.machine.block.backend('d0')!;
    t.same([blk.root!.flags.direct, blk.root!.flags.noFlush, blk.enableWriteCache], [direct, noFlush, writeback], `cache=${mode}`);
    vm.close();
  }
});
