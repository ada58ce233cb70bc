// Drained sections (reference §5): counted and nestable; drainedBegin waits
// for requests in flight; requests submitted while drained are queued and
// dispatched by the last drainedEnd, unless request queuing is disabled.
import t from 'tap';
import { blockVm } from './lib/block-machine.js';

function setup() {
  const vm = blockVm({}, { images: { 'a.img': 1 << 20 } });
  const node = vm.machine.block.openNode({ driver: 'raw', 'node-name': 'r0', file: { driver: 'file', filename: `${vm.dir}/a.img` } }, { monitorOwned: true });
  const blk = vm.machine.block.createBackend();
  blk.insertNode(node);
  return { vm, node, blk };
}

t.test('drainedBegin waits for in-flight requests', async (t) => {
  const { vm, node, blk } = setup();
  t.teardown(() => vm.close());
  let done = false;
  blk.aioPwritev(0, Buffer.alloc(4096, 1), () => (done = true));
  t.equal(blk.inFlight, 1);
  blk.drainedBegin();
  t.ok(done, 'the request completed before drainedBegin returned');
  t.equal(blk.inFlight, 0);
  t.equal(node.quiesceCounter, 1);
  t.equal(blk.quiesceCounter, 1);
  t.ok(node.aioContext.externalDisabled, 'external events off while drained');
  blk.drainedEnd();
  t.equal(node.quiesceCounter, 0);
  t.notOk(node.aioContext.externalDisabled);
});

t.test('requests submitted while drained wait for the last drainedEnd', async (t) => {
  const { vm, blk } = setup();
  t.teardown(() => vm.close());
  blk.drainedBegin();
  blk.drainedBegin();
  let done = false;
  blk.aioPreadv(0, 512, () => (done = true));
  t.equal(blk.inFlight, 0, 'queued, not dispatched');
  vm.until(() => false);
  t.notOk(done, 'nothing runs while drained');
  blk.drainedEnd();
  vm.until(() => false);
  t.notOk(done, 'still drained after the inner end');
  blk.drainedEnd();
  t.equal(blk.inFlight, 1, 'dispatched at the last end');
  t.ok(vm.until(() => done));
});

t.test('disableRequestQueuing: jobs keep submitting while drained', async (t) => {
  const { vm, blk } = setup();
  t.teardown(() => vm.close());
  blk.disableRequestQueuing = true;
  blk.drainedBegin();
  let done = false;
  blk.aioPreadv(0, 512, () => (done = true));
  t.equal(blk.inFlight, 1);
  t.ok(vm.until(() => done));
  blk.drainedEnd();
});

t.test('draining a child quiesces the BlockBackends above its parents', async (t) => {
  const { vm, node, blk } = setup();
  t.teardown(() => vm.close());
  const file = node.children()[0].node;
  vm.machine.block.drainedBegin(file);
  t.equal(blk.quiesceCounter, 1, 'the BB above the format node is quiesced');
  vm.machine.block.drainedEnd(file);
  t.equal(blk.quiesceCounter, 0);
});

t.test('devOps drained callbacks', async (t) => {
  const { vm, blk } = setup();
  t.teardown(() => vm.close());
  const calls: string[] = [];
  blk.setDevOps({ drainedBegin: () => calls.push('begin'), drainedEnd: () => calls.push('end') });
  blk.drainedBegin();
  blk.drainedBegin();
  blk.drainedEnd();
  blk.drainedEnd();
  t.same(calls, ['begin', 'end'], 'only the outermost section reaches the device');
});
