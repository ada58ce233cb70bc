// The BlockBackend's error policy and iostatus (reference §4): the policy
// table walked cell by cell, iostatus only with a stopping policy, first
// error wins, BLOCK_IO_ERROR before STOP, cont resets named BBs only.
import t from 'tap';
import { blockVm } from './lib/block-machine.js';
import type { BlockdevOnError } from '../src/block/block-backend.js';
import { EIO, ENOSPC } from '../src/block/drivers/errno.js';

// reference §4: policy → [action for ENOSPC, action for other errno]
const POLICY: ReadonlyArray<[BlockdevOnError, string, string]> = [
  ['report', 'report', 'report'],
  ['ignore', 'ignore', 'ignore'],
  ['enospc', 'stop', 'report'],
  ['stop', 'stop', 'stop'],
];

t.test('getErrorAction walks the policy table for reads and writes', async (t) => {
  const vm = blockVm({ drives: ['if=none,id=d0,driver=null-co'] });
  t.teardown(() => vm.close());
  const blk = vm.machine.block.backend('d0')!;
  for (const [policy, nospc, other] of POLICY) {
    blk.setOnError(policy, 'report');
    t.equal(blk.getErrorAction(true, ENOSPC), nospc, `rerror=${policy} ENOSPC`);
    t.equal(blk.getErrorAction(true, EIO), other, `rerror=${policy} EIO`);
    t.equal(blk.getErrorAction(false, EIO), 'report', `werror=report while rerror=${policy}`);
    blk.setOnError('report', policy);
    t.equal(blk.getErrorAction(false, ENOSPC), nospc, `werror=${policy} ENOSPC`);
    t.equal(blk.getErrorAction(false, EIO), other, `werror=${policy} EIO`);
  }
});

t.test('iostatus exists only with werror enospc/stop or rerror stop', async (t) => {
  const vm = blockVm({ drives: ['if=none,id=d0,driver=null-co'] });
  t.teardown(() => vm.close());
  const blk = vm.machine.block.backend('d0')!;
  blk.iostatusEnable();
  for (const r of ['report', 'ignore', 'stop'] as const) {
    for (const w of ['report', 'ignore', 'enospc', 'stop'] as const) {
      blk.setOnError(r, w);
      t.equal(blk.iostatusIsEnabled(), r === 'stop' || w === 'enospc' || w === 'stop', `rerror=${r} werror=${w}`);
    }
  }
  blk.setOnError('report', 'stop');
  blk.iostatusSetErr(EIO);
  blk.iostatusSetErr(ENOSPC);
  t.equal(blk.iostatus, 'failed', 'the first error wins');
  blk.iostatusReset();
  blk.iostatusSetErr(ENOSPC);
  t.equal(blk.iostatus, 'nospace');
});

t.test('errorAction stop: iostatus, BLOCK_IO_ERROR, then STOP (io-error)', async (t) => {
  const vm = blockVm({ drives: ['if=none,id=d0,driver=null-co,werror=stop'], startPaused: false });
  t.teardown(() => vm.close());
  vm.settle();
  const blk = vm.machine.block.backend('d0')!;
  blk.iostatusEnable();
  vm.events.length = 0;
  blk.errorAction('stop', false, ENOSPC);
  t.equal(blk.iostatus, 'nospace', 'iostatus set at once');
  vm.settle();
  t.same(vm.events.map((e) => e.event), ['BLOCK_IO_ERROR', 'STOP']);
  t.same(vm.events[0].data, {
    device: 'd0',
    'node-name': blk.nodeName,
    operation: 'write',
    nospace: true,
    reason: 'No space left on device',
    action: 'stop',
  });
  t.equal(vm.machine.queryStatus().status, 'io-error');
});

t.test('errorAction report without iostatus: no nospace member, no stop', async (t) => {
  const vm = blockVm({ drives: ['if=none,id=d0,driver=null-co,werror=report'], startPaused: false });
  t.teardown(() => vm.close());
  vm.settle();
  const blk = vm.machine.block.backend('d0')!;
  blk.iostatusEnable();
  vm.events.length = 0;
  blk.errorAction('report', true, EIO);
  vm.settle();
  t.same(vm.events.map((e) => e.event), ['BLOCK_IO_ERROR']);
  t.notOk('nospace' in (vm.events[0].data ?? {}));
  t.equal(vm.machine.queryStatus().status, 'running');
});

t.test('cont resets the iostatus of named BlockBackends only', async (t) => {
  const vm = blockVm({
    drives: ['if=none,id=d0,driver=null-co,werror=stop'],
    blockdevs: ['driver=null-co,node-name=n1'],
    startPaused: true,
  });
  t.teardown(() => vm.close());
  const named = vm.machine.block.backend('d0')!;
  const anon = vm.machine.block.createBackend();
  anon.insertNode(vm.machine.block.findNode('n1')!);
  anon.setOnError('report', 'stop');
  for (const b of [named, anon]) {
    b.iostatusEnable();
    b.iostatusSetErr(EIO);
  }
  vm.machine.qmpCont();
  t.equal(named.iostatus, 'ok', 'named: reset');
  t.equal(anon.iostatus, 'failed', 'anonymous: kept');
});

t.test('a failing request reports -errno; a read-only node refuses writes', async (t) => {
  const vm = blockVm({
    blockdevs: [
      '{"driver":"raw","node-name":"r0","file":{"driver":"blkdebug","image":{"driver":"null-co"},"inject-error":[{"event":"read_aio","errno":28}]}}',
      'driver=null-co,node-name=ro,read-only=on',
    ],
  });
  t.teardown(() => vm.close());
  const blk = vm.machine.block.createBackend();
  blk.insertNode(vm.machine.block.findNode('r0')!);
  const rets: number[] = [];
  blk.aioPreadv(0, 512, (r) => rets.push(r));
  vm.settle();
  t.same(rets, [-ENOSPC]);
  const ro = vm.machine.block.createBackend();
  ro.insertNode(vm.machine.block.findNode('ro')!);
  ro.aioPwritev(0, Buffer.alloc(512), (r) => rets.push(r));
  vm.settle();
  t.same(rets, [-ENOSPC, -1], 'EPERM');
  t.throws(() => ro.setPerm(2, 0x1f), /Block node is read-only/);
});
