// fault.inject / fault.clear / fault.list and guest.workload on the control
// channel's method table, in process: a fault fails requests as blkdebug
// would (same BLOCK_IO_ERROR / iostatus / STOP path), a workload stopped on
// io-error answers with what is parked, and after fault.clear + cont the
// rest completes and the image holds what the guest wrote.
import t from 'tap';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { controlMethods } from '../src/harness/control/methods.js';
import type { Machine } from '../src/machine/machine.js';
import { blockVm, scratchDir, type BlockVm } from './lib/block-machine.js';

function caller(vm: BlockVm) {
  const ctx = { vms: (): Machine[] => [vm.machine] };
  return async (name: string, params: unknown): Promise<any> => {
    const m = controlMethods.find((x) => x.name === name)!;
    const parsed = m.params.safeParse(params);
    if (!parsed.success) throw new Error(`invalid params: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    let out: { v?: unknown; e?: unknown } | undefined;
    Promise.resolve()
      .then(() => m.run(parsed.data, ctx))
      .then(
        (v) => (out = { v }),
        (e) => (out = { e }),
      );
    for (let i = 0; i < 1000 && !out; i++) {
      await new Promise((r) => setImmediate(r));
      vm.until(() => out !== undefined);
    }
    if (!out) throw new Error(`${name} did not answer`);
    if ('e' in out) throw out.e;
    return out.v;
  };
}

function names(vm: BlockVm, from = 0): string[] {
  return vm.events.slice(from).map((e) => e.event);
}

t.test('fault.inject validates its target and arguments', async (t) => {
  const vm = blockVm({ drives: ['if=none,id=d0,format=raw,file.driver=null-co,file.size=1048576'], devices: ['virtio-blk-pci,drive=d0,id=vd0'] });
  t.teardown(() => vm.close());
  const call = caller(vm);
  await t.rejects(call('fault.inject', { errno: 'EIO', op: 'read', mode: 'once' }), /exactly one of "node" and "device"/);
  await t.rejects(call('fault.inject', { device: 'vd0', errno: 'EWHAT', op: 'read', mode: 'once' }), /errno must be one of/);
  await t.rejects(call('fault.inject', { device: 'nope', errno: 'EIO', op: 'read', mode: 'once' }), /no device or drive 'nope'/);
  await t.rejects(call('fault.inject', { node: 'nope', errno: 'EIO', op: 'read', mode: 'once' }), /no block node 'nope'/);
  const a = await call('fault.inject', { device: 'vd0', errno: 'EIO', op: 'write', sector: 8, sectors: 8, mode: 'sticky' });
  const b = await call('fault.inject', { device: 'd0', errno: 'ENOSPC', op: 'any', mode: 'once' });
  const root = vm.machine.block.backend('d0')!.nodeName;
  t.same([a.node, b.node], [root, root], 'a qdev id and a drive name resolve to the root node');
  t.same((await call('fault.list', {})).map((f: any) => [f.id, f.op, f.sector ?? null]), [[a.id, 'write', 8], [b.id, 'any', null]]);
  t.same(await call('fault.clear', { id: a.id }), { cleared: 1 });
  t.same(await call('fault.clear', {}), { cleared: 1 });
  t.same(await call('fault.list', {}), []);
});

t.test('a write fault under werror=stop: workload parks, clear + cont completes it', async (t) => {
  const dir = scratchDir({ 'a.img': 1 << 20 });
  const vm = blockVm({ drives: [`if=none,id=d0,format=raw,file=${join(dir, 'a.img')},werror=stop`], devices: ['ide-hd,drive=d0,bus=ide.0,id=disk'] }, { dir });
  t.teardown(() => {
    vm.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const m = vm.machine;
  const call = caller(vm);
  const f = await call('fault.inject', { device: 'disk', errno: 'ENOSPC', op: 'write', mode: 'sticky' });
  const mark = vm.events.length;
  const first = await call('guest.workload', { device: 'disk', seed: 3, ops: 20, mix: { read: 0, write: 1, flush: 0 }, maxLength: 4096 });
  t.equal(first.status, 'io-error', 'answered when the VM stopped');
  t.equal(first.finished, false);
  t.ok(first.inFlight >= 1, `parked: ${first.inFlight}`);
  t.same(names(vm, mark), ['BLOCK_IO_ERROR', 'STOP']);
  t.match(vm.events[mark].data, { device: 'd0', operation: 'write', action: 'stop', nospace: true, reason: 'No space left on device' });
  t.equal(m.block.backend('d0')!.iostatus, 'nospace', 'iostatus set, as for blkdebug');
  t.equal((await call('fault.list', {}))[0].hits, 1);
  await call('fault.clear', { id: f.id });
  m.qmpCont();
  const done = await call('guest.workload.wait', { id: first.id });
  t.equal(done.finished, true);
  t.equal(done.completed, 20, 'every write completed');
  t.equal(done.failed, 0);
  t.match(done.digest, /^[0-9a-f]{64}$/);
  await t.rejects(call('guest.workload.wait', { id: first.id }), /no unfinished workload/);
  const img = readFileSync(join(vm.dir, 'a.img'));
  t.ok(img.some((b) => b !== 0), 'the writes reached the image');
  t.same(vm.logs, []);
});

t.test('a once read fault under rerror=report fails one read to the guest and is gone', async (t) => {
  const dir = scratchDir({ 'a.img': 1 << 20 });
  const vm = blockVm({ drives: [`if=none,id=d0,format=raw,file=${join(dir, 'a.img')}`], devices: ['virtio-blk-pci,drive=d0,id=vd0'] }, { dir });
  t.teardown(() => {
    vm.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const call = caller(vm);
  await call('fault.inject', { device: 'vd0', errno: 'EIO', op: 'read', mode: 'once' });
  const mark = vm.events.length;
  const r = await call('guest.workload', { device: 'vd0', seed: 1, ops: 10, mix: { read: 1, write: 0, flush: 0 } });
  t.match(r, { finished: true, completed: 9, failed: 1, status: 'running' });
  t.same(names(vm, mark), ['BLOCK_IO_ERROR']);
  t.match(vm.events[mark].data, { action: 'report', operation: 'read' });
  t.same(await call('fault.list', {}), [], 'a once fault goes after its hit');
  const again = await call('guest.workload', { device: 'vd0', seed: 1, ops: 10, mix: { read: 1, write: 0, flush: 0 } });
  t.equal(again.failed, 0);
  t.equal(again.digest, r.digest, 'same seed, same (empty) write digest');
});

t.test('guest.workload refuses bad arguments', async (t) => {
  const vm = blockVm({ drives: ['if=none,id=d0,format=raw,file.driver=null-co,file.size=1048576'], devices: ['virtio-blk-pci,drive=d0,id=vd0'] });
  t.teardown(() => vm.close());
  const call = caller(vm);
  await t.rejects(call('guest.workload', { device: 'x', seed: 1, ops: 1 }), /no disk device 'x'/);
  await t.rejects(call('guest.workload', { device: 'vd0', seed: 1, ops: 1, maxLength: 100 }), /maxLength must be a positive multiple/);
  await t.rejects(call('guest.workload', { device: 'vd0', seed: 1, ops: 1, region: { offset: 0, length: 4 << 20 } }), /region must lie within the disk/);
  await t.rejects(call('guest.workload', { device: 'vd0', seed: 1, ops: 1, mix: { read: 0, write: 0, flush: 0 } }), /mix weights/);
});

t.test('a workload parked in io-error is dropped by system_reset', async (t) => {
  const dir = scratchDir({ 'a.img': 1 << 20 });
  const vm = blockVm({ drives: [`if=none,id=d0,format=raw,file=${join(dir, 'a.img')},werror=stop`], devices: ['virtio-blk-pci,drive=d0,id=vd0'] }, { dir });
  t.teardown(() => {
    vm.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const call = caller(vm);
  await call('fault.inject', { device: 'vd0', errno: 'EIO', op: 'write', mode: 'sticky' });
  const first = await call('guest.workload', { device: 'vd0', seed: 5, ops: 12, mix: { read: 0, write: 1, flush: 0 }, queueDepth: 3 });
  t.equal(first.status, 'io-error');
  vm.machine.qmpSystemReset();
  vm.settle();
  const after = await call('guest.workload.wait', { id: first.id });
  t.equal(after.finished, true, 'the reset ends the workload');
  t.ok(after.dropped >= 1, `dropped: ${after.dropped}`);
  t.equal(after.completed + after.failed + after.dropped, after.issued, 'every issued op is accounted for once');
});
