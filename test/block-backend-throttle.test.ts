// I/O limits (util/throttle.c, block/throttle-groups.c): requests wait for
// their leaky buckets; a group shares limits; all-zero limits switch
// throttling off; a drained section lets waiting requests go at once.
import t from 'tap';
import { blockVm } from './lib/block-machine.js';
import { throttleConfigInit } from '../src/block/throttle.js';
import { queryBlock } from '../src/block/block-qapi.js';

const MiB = 1 << 20;

t.test('bps limit: 1 MiB/s spaces 1 MiB writes about a second apart', async (t) => {
  const vm = blockVm({ drives: ['if=none,id=d0,driver=null-co,throttling.bps-total=1048576'] });
  t.teardown(() => vm.close());
  const blk = vm.machine.block.backend('d0')!;
  const t0 = vm.machine.nowNs();
  const done: number[] = [];
  for (let i = 0; i < 4; i++) blk.aioPwritev(i * MiB, Buffer.alloc(MiB), () => done.push(vm.machine.nowNs() - t0));
  t.equal(blk.inFlight, 1, 'only the first went through');
  t.ok(vm.until(() => done.length === 4));
  t.ok(done[0] < 1e6, 'first at once');
  t.ok(done[3] > 2.5e9 && done[3] < 3.5e9, `last after about 2.7 s (${done[3]} ns)`);
  t.same([...done].sort((a, b) => a - b), done, 'in order');
});

t.test('a drained section releases throttled requests', async (t) => {
  const vm = blockVm({ drives: ['if=none,id=d0,driver=null-co,throttling.iops-total=1'] });
  t.teardown(() => vm.close());
  const blk = vm.machine.block.backend('d0')!;
  let n = 0;
  for (let i = 0; i < 5; i++) blk.aioPreadv(0, 512, () => n++);
  const t0 = vm.machine.nowNs();
  blk.drainedBegin();
  t.equal(n, 5, 'all completed inside drainedBegin');
  t.ok(vm.machine.nowNs() - t0 < 1e9, 'without waiting for the buckets');
  blk.drainedEnd();
});

t.test('groups share limits; zero limits switch throttling off', async (t) => {
  const vm = blockVm({
    drives: [
      'if=none,id=d0,driver=null-co,throttling.bps-total=1000,throttling.group=g',
      'if=none,id=d1,driver=null-co,throttling.iops-total=7,throttling.group=g',
    ],
  });
  t.teardown(() => vm.close());
  const [b0, b1] = [vm.machine.block.backend('d0')!, vm.machine.block.backend('d1')!];
  t.equal(b0.throttle, b1.throttle, 'one group');
  const q = queryBlock(vm.machine.block);
  t.match(q[0].inserted, { bps: 0, iops: 7, group: 'g' }, 'the last -drive set the group limits');
  b0.disableIoLimits();
  t.equal(b0.throttle, null);
  t.notOk('group' in (queryBlock(vm.machine.block)[0].inserted as object), 'no group member when off');
  const cfg = throttleConfigInit();
  cfg.buckets.bps_wr.avg = 5;
  b0.setIoLimits(cfg, undefined);
  t.equal(b0.throttle?.group, 'd0', 'a new member defaults to its own name');
});
