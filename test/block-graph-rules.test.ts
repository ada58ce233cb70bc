// Graph rules (reference §5): node names, one namespace with BB names,
// naming order, reference counts, blockdev-del's checks in QEMU's order,
// permission conflicts with QEMU's text.
import t from 'tap';
import { blockVm } from './lib/block-machine.js';
import { QmpError } from '../src/qapi/error.js';
import { BlockGenericError } from '../src/block/drivers/block-driver.js';
import { queryNamedBlockNodes } from '../src/block/block-qapi.js';

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof QmpError || e instanceof BlockGenericError) return e.message;
    throw e;
  }
  return 'no error';
}

t.test('node-name checks, in bdrv_assign_node_name order', async (t) => {
  const vm = blockVm({ drives: ['if=none,id=drive0,driver=null-co'], blockdevs: ['driver=null-co,node-name=n0'] });
  t.teardown(() => vm.close());
  const add = (o: Record<string, unknown>) => message(() => vm.machine.block.openNode({ driver: 'null-co', ...o }, { requireName: true, monitorOwned: true }));
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ 'node-name': 'n0' }, "Duplicate nodes with node-name='n0'"],
    [{ 'node-name': 'drive0' }, 'node-name=drive0 is conflicting with a device id'],
    [{ 'node-name': '1abc' }, "Invalid node-name: '1abc'"],
    [{ 'node-name': 'a b' }, "Invalid node-name: 'a b'"],
    [{ 'node-name': '' }, "Invalid node-name: ''"],
    [{ 'node-name': 'x'.repeat(32) }, 'Node name too long'],
    [{}, "'node-name' must be specified for the root node"],
    [{ 'node-name': 'x'.repeat(31) }, 'no error'],
  ];
  for (const [o, want] of cases) t.equal(add(o), want, JSON.stringify(o));
  t.equal(
    message(() => vm.machine.block.createNamedBackend('n0')),
    "Device name 'n0' conflicts with an existing node name",
  );
});

t.test('generated names and query order: newest first, a format node after its file child', async (t) => {
  const vm = blockVm({}, { images: { 'a.img': 1 << 20 } });
  t.teardown(() => vm.close());
  const g = vm.machine.block;
  g.openNode({ driver: 'raw', 'node-name': 'fmt', file: { driver: 'file', filename: `${vm.dir}/a.img` } }, { monitorOwned: true });
  g.openNode({ driver: 'blkdebug', 'node-name': 'dbg', image: { driver: 'null-co' } }, { monitorOwned: true });
  const names = queryNamedBlockNodes(g, true).map((n) => n['node-name'] as string);
  t.equal(names.length, 4);
  t.match(names[0], /^#block\d+\d\d$/, "blkdebug's image child (opened after its parent was named)");
  t.equal(names[1], 'dbg');
  t.equal(names[2], 'fmt', 'raw is named after its file child');
  t.match(names[3], /^#block\d+\d\d$/);
  t.not(names[0], names[3]);
});

t.test('blockdev-del: checks in QEMU order, children go with their parent', async (t) => {
  const vm = blockVm({ drives: ['if=none,id=d0,driver=null-co,node-name=dn'] });
  t.teardown(() => vm.close());
  const g = vm.machine.block;
  const own = { monitorOwned: true };
  g.openNode({ driver: 'null-co', 'node-name': 'proto' }, own);
  g.openNode({ driver: 'raw', 'node-name': 'fmt', file: 'proto' }, own);
  g.openNode({ driver: 'raw', 'node-name': 'fmt2', file: { driver: 'null-co', 'node-name': 'inner' } }, own);
  g.openNode({ driver: 'null-co', 'node-name': 'att' }, own);
  const blk = g.createBackend();
  blk.insertNode(g.findNode('att')!);
  const del = (n: string) => message(() => g.deleteNode(n));
  t.equal(del('nosuch'), "Failed to find node with node-name='nosuch'");
  t.equal(del('att'), 'Node att is in use');
  g.findNode('fmt')!.opBlock('drive-del', 'block device is in use by block job: mirror');
  t.equal(del('fmt'), "Node 'fmt' is busy: block device is in use by block job: mirror");
  g.findNode('fmt')!.opUnblock('drive-del', 'block device is in use by block job: mirror');
  t.equal(del('dn'), 'Node dn is in use', '-drive root: its BB comes first');
  t.equal(del('inner'), 'Node inner is not owned by the monitor');
  t.equal(del('proto'), 'Block device proto is in use');
  t.equal(del('fmt'), 'no error');
  t.equal(del('proto'), 'no error', 'free once its parent is gone');
  t.equal(del('fmt2'), 'no error');
  t.notOk(g.findNode('inner'), 'the inline child closed with its parent');
  blk.unref();
  t.equal(del('att'), 'no error', 'free once the BlockBackend let go');
});

t.test('block_resize through a node used as a file child: the permission conflict', async (t) => {
  const vm = blockVm({ blockdevs: ['driver=null-co,node-name=proto1', 'driver=raw,node-name=fmt1,file=proto1,size=0'] });
  t.teardown(() => vm.close());
  const g = vm.machine.block;
  t.equal(
    message(() => g.resize(g.findNode('proto1')!, 1 << 20)),
    "Permission conflict on node 'proto1': permissions 'resize' are both required by an unnamed block device " +
      "(uses node 'proto1' as 'root' child) and unshared by node 'fmt1' (uses node 'proto1' as 'file' child).",
  );
  t.equal(g.backendList().length, 0, 'the temporary BlockBackend is gone');
});

t.test('two writers on one node conflict when one does not share write', async (t) => {
  const vm = blockVm({ blockdevs: ['driver=null-co,node-name=n0'] });
  t.teardown(() => vm.close());
  const g = vm.machine.block;
  const a = g.createBackend({ perm: 0x3, shared: 0x1 | 0x4 | 0x10 });
  a.insertNode(g.findNode('n0')!);
  const b = g.createBackend({ perm: 0x3, shared: 0x1f });
  t.match(message(() => b.insertNode(g.findNode('n0')!)), /^Permission conflict on node 'n0': permissions 'write' are both required by an unnamed block device/);
  t.equal(g.findNode('n0')!.parents.length, 1, 'the failed attach left no edge');
});

t.test('blockdev-create body: a file, then qcow2 on a node by name', async (t) => {
  const vm = blockVm({});
  t.teardown(() => vm.close());
  const g = vm.machine.block;
  g.createImage({ driver: 'file', filename: `${vm.dir}/new.qcow2`, size: 0 });
  g.openNode({ driver: 'file', 'node-name': 'proto', filename: `${vm.dir}/new.qcow2` }, { monitorOwned: true });
  g.createImage({ driver: 'qcow2', file: 'proto', size: 1 << 20 });
  const q = g.openNode({ driver: 'qcow2', 'node-name': 'q', file: 'proto' }, { monitorOwned: true });
  t.equal(q.bs.getLength(), 1 << 20);
  t.equal(message(() => g.createImage({ driver: 'qcow2', file: 'nosuch', size: 512 })), "Cannot find device='nosuch' nor node-name='nosuch'");
});

t.test('addNode + replaceNode: a node built elsewhere takes over the BlockBackend', async (t) => {
  const { openDriver, createOpenContext } = await import('../src/block/drivers/registry.js');
  const vm = blockVm({ drives: ['if=none,id=d0,driver=null-co,node-name=base'] });
  t.teardown(() => vm.close());
  const g = vm.machine.block;
  const base = g.findNode('base')!;
  const bs = openDriver({ driver: 'raw', file: 'base' }, createOpenContext({ resolveNode: (n) => g.findNode(n)?.bs }));
  const top = g.addNode(bs, { implicit: true });
  t.match(top.nodeName, /^#block/);
  t.equal(base.parents.length, 2, 'BB and the new node');
  g.replaceNode(base, top);
  const blk = g.backend('d0')!;
  t.equal(blk.root, top, 'the BB now sits on the new node');
  t.same(base.parents.map((p) => p.kind), ['node']);
  let ret = -1;
  blk.aioPwritev(0, Buffer.alloc(512), (r) => (ret = r));
  vm.settle();
  t.equal(ret, 0, 'I/O flows through');
  g.replaceNode(top, base);
  g.unref(top);
  t.equal(blk.root, base);
  t.ok(top.closed, 'the filter is gone with its last reference');
  t.equal(base.parents.length, 1);
});
