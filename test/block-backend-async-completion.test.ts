// BlockBackend requests complete later, as steps in the BB's AioContext,
// never inside the submitting call; the completion order is a function of
// the seed (reference §8, DESIGN "one seed reproduces the whole run").
import t from 'tap';
import { blockVm } from './lib/block-machine.js';
import type { BlockBackend } from '../src/block/block-backend.js';

function anonBb(vm: ReturnType<typeof blockVm>, node: string): BlockBackend {
  const blk = vm.machine.block.createBackend();
  blk.insertNode(vm.machine.block.findNode(node)!);
  return blk;
}

t.test('null-co: the callback runs after the call returned, in a later step', async (t) => {
  const vm = blockVm({ blockdevs: ['driver=null-co,node-name=n0,size=1048576,read-zeroes=on'] });
  t.teardown(() => vm.close());
  const blk = anonBb(vm, 'n0');
  const seen: string[] = [];
  blk.aioPwritev(0, Buffer.alloc(4096, 1), (ret) => seen.push(`write ${ret}`));
  blk.aioPreadv(0, 512, (ret, data) => seen.push(`read ${ret} ${data[0]}`));
  blk.aioFlush((ret) => seen.push(`flush ${ret}`));
  seen.push('submitted');
  t.equal(blk.inFlight, 3, 'three requests in flight');
  vm.settle();
  t.same(seen[0], 'submitted', 'nothing completed inside the submitting calls');
  t.same(seen.slice(1).sort(), ['flush 0', 'read 0 0', 'write 0']);
  t.equal(blk.inFlight, 0);
});

t.test('file: completion after the host latency, in the BB context thread', async (t) => {
  const vm = blockVm({ drives: [] , blockdevs: [] }, { images: { 'a.img': 1 << 20 } });
  t.teardown(() => vm.close());
  const node = vm.machine.block.openNode({ driver: 'raw', 'node-name': 'r0', file: { driver: 'file', filename: `${vm.dir}/a.img` } }, { monitorOwned: true });
  const io = vm.machine.kernel.addIothread('io0');
  const blk = vm.machine.block.createBackend();
  blk.insertNode(node);
  blk.setAioContext(io.ctx);
  let doneAt = -1;
  let thread = '';
  const t0 = vm.machine.kernel.nowNs();
  blk.aioPwritev(4096, Buffer.alloc(65536, 0xab), (ret) => {
    t.equal(ret, 0);
    doneAt = vm.machine.kernel.nowNs();
    thread = vm.machine.kernel.currentThread().name;
  });
  vm.settle();
  t.equal(doneAt, -1, 'not complete before virtual time passes');
  t.ok(vm.until(() => doneAt >= 0), 'completes');
  t.ok(doneAt > t0, 'took virtual time');
  t.equal(thread, 'IO io0', "completed in the iothread's context");
  let data: Buffer | undefined;
  blk.aioPreadv(4096, 16, (_r, d) => (data = d));
  vm.until(() => data !== undefined);
  t.same([...data!], new Array(16).fill(0xab), 'data reached the image');
});

function completionOrder(seed: number): string {
  const vm = blockVm({ seed }, { images: { 'a.img': 1 << 20 } });
  try {
    const node = vm.machine.block.openNode({ driver: 'raw', 'node-name': 'r0', file: { driver: 'file', filename: `${vm.dir}/a.img` } }, { monitorOwned: true });
    const blk = vm.machine.block.createBackend();
    blk.insertNode(node);
    const order: number[] = [];
    for (let i = 0; i < 8; i++) blk.aioPreadv(i * 4096, 4096, () => order.push(i));
    vm.until(() => order.length === 8);
    return order.join(',');
  } finally {
    vm.close();
  }
}

t.test('completion order is reproducible per seed', async (t) => {
  const orders = new Set<string>();
  for (let seed = 0; seed < 12; seed++) {
    const a = completionOrder(seed);
    t.equal(completionOrder(seed), a, `seed ${seed} replays`);
    orders.add(a);
  }
  t.ok(orders.size > 1, `seeds choose different orders (${orders.size} seen)`);
});
