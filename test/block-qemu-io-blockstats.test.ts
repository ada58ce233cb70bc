// HMP qemu-io against the block layer (fixtures/qemu-7.2/block/query-blockstats
// and write-threshold): its I/O is not accounted, but it moves
// wr_highest_offset on every node it writes through and trips write
// thresholds; HMP-level errors are the only monitor output.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { blockVm } from './lib/block-machine.js';
import { hmpQemuIo } from '../src/block/qemu-io.js';
import { queryBlockstats } from '../src/block/block-qapi.js';
import { fixturesDir } from './lib/paths.js';

/** The nth reply to `command` in a golden, as JSON. */
function goldenReply(name: string, command: string, nth = 0): unknown {
  const lines = readFileSync(join(fixturesDir, 'block', `${name}.golden`), 'utf8').split('\n');
  const hits: number[] = [];
  lines.forEach((l, i) => {
    if (l.startsWith('> ') && l.includes(`"${command}"`)) hits.push(i);
  });
  const reply = lines.slice(hits[nth] + 1).find((l) => l.startsWith('< ') && !l.includes('"event"'))!;
  return (JSON.parse(reply.slice(2)) as { return: unknown }).return;
}

t.test('query-blockstats after qemu-io writes, reads and a flush', async (t) => {
  const vm = blockVm({}, { images: { 'a.img': 16 << 20 } });
  t.teardown(() => vm.close());
  const { machine } = vm;
  const { driveNew } = await import('../src/block/drive.js');
  driveNew(machine.block, `if=none,id=drive0,file=${vm.dir}/a.img,format=raw,node-name=fmt0,file.node-name=proto0`, {
    defaultType: 'ide',
    seenIds: new Set(),
  });
  t.same(queryBlockstats(machine.block, false), goldenReply('query-blockstats', 'query-blockstats', 0), 'before');
  for (const cmd of ['write -P 0xab 0 64k', 'write -P 0xcd 1M 4k', 'read 0 128k', 'flush']) {
    t.equal(hmpQemuIo(machine.block, `drive0 "${cmd}"`), '', cmd);
  }
  t.same(queryBlockstats(machine.block, false), goldenReply('query-blockstats', 'query-blockstats', 1), 'BB level');
  t.same(queryBlockstats(machine.block, true), goldenReply('query-blockstats', 'query-blockstats', 2), 'node level');
  const img = readFileSync(join(vm.dir, 'a.img'));
  t.equal(img[65535], 0xab);
  t.equal(img[(1 << 20) + 4095], 0xcd);
});

t.test('a write crossing the threshold: one event, then disarmed', async (t) => {
  const vm = blockVm({}, { images: { 'a.img': 16 << 20 } });
  t.teardown(() => vm.close());
  const { machine } = vm;
  const { driveNew } = await import('../src/block/drive.js');
  driveNew(machine.block, `if=none,id=drive0,file=${vm.dir}/a.img,format=raw,node-name=fmt0`, { defaultType: 'ide', seenIds: new Set() });
  const fmt0 = machine.block.findNode('fmt0')!;
  fmt0.writeThreshold = 1048576n;
  vm.events.length = 0;
  hmpQemuIo(machine.block, 'drive0 "write 0 64k"');
  t.same(vm.events, [], 'below the threshold');
  hmpQemuIo(machine.block, 'drive0 "write 960k 128k"');
  t.same(vm.events.map((e) => e.data), [{ 'node-name': 'fmt0', 'write-threshold': 1048576, 'amount-exceeded': 65536 }]);
  t.equal(fmt0.writeThreshold, 0n);
  hmpQemuIo(machine.block, 'drive0 "write 2M 64k"');
  t.equal(vm.events.length, 1, 'disarmed');
});

t.test('HMP-level errors are the monitor output', async (t) => {
  const vm = blockVm({ drives: ['if=none,id=d0,driver=null-co'], blockdevs: ['driver=null-co,node-name=ro,read-only=on'] });
  t.teardown(() => vm.close());
  const g = vm.machine.block;
  const cases: Array<[string, string]> = [
    ['nosuch "read 0 512"', "Error: Cannot find device='' nor node-name='nosuch'\n"],
    ['-d nosuch "read 0 512"', "Error: Device 'nosuch' not found\n"],
    ['d0 read 0 512', 'qemu-io: extraneous characters at the end of line\nTry "help qemu-io" for more information\n'],
    ['d0', 'qemu-io: string expected\nTry "help qemu-io" for more information\n'],
    ['d0 "bogus 0 512"', ''],
    ['d0 "read 0"', ''],
    ['d0 "write 2G 512"', ''],
    ['ro "write 0 512"', 'Block node is read-only\n'],
  ];
  for (const [args, out] of cases) t.equal(hmpQemuIo(g, args), out, args);
  t.equal(g.backendList().filter((b) => b.name === '').length, 0, 'temporary BlockBackends are gone');
});

t.test('device accounting feeds the BlockBackend entry only', async (t) => {
  const vm = blockVm({ drives: ['if=none,id=d0,driver=null-co,stats-account-failed=off'] });
  t.teardown(() => vm.close());
  const blk = vm.machine.block.backend('d0')!;
  const rd = blk.acctStart(4096, 'read');
  const wr = blk.acctStart(512, 'write');
  vm.machine.advanceClock(1000);
  blk.acctDone(rd);
  blk.acctFailed(wr);
  blk.acctInvalid('flush');
  const [s] = queryBlockstats(vm.machine.block, false) as Array<{ stats: Record<string, unknown> }>;
  t.match(s.stats, {
    rd_bytes: 4096,
    rd_operations: 1,
    rd_total_time_ns: 1000,
    failed_wr_operations: 1,
    wr_total_time_ns: 0,
    invalid_flush_operations: 1,
    account_invalid: true,
    account_failed: false,
  });
  t.equal(typeof s.stats.idle_time_ns, 'number', 'idle_time_ns once something was accounted');
  const [n] = queryBlockstats(vm.machine.block, true) as Array<{ stats: Record<string, unknown> }>;
  t.equal(n.stats.rd_bytes, 0, 'node entries carry no BB accounting');
});
