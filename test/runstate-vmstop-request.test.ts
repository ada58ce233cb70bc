// vm_stop versus the vmstop request; blk_error_action's order (reference §3, §4).
import t from 'tap';
import { SimThreadError } from '../src/sim/errors.js';
import { SimKernel } from '../src/sim/kernel.js';
import { blkErrorAction } from '../src/system/block-error-action.js';
import { EventBus } from '../src/system/qapi-event.js';
import { RecordingMonitor } from '../src/system/testing/recording-monitor.js';
import { VmRunState } from '../src/system/vm-runstate.js';

function boot(opts: { bugs?: { syncVmStopOnIoError?: boolean } } = {}) {
  const kernel = new SimKernel({ bugs: opts.bugs });
  const events = new EventBus(() => kernel.wallTime());
  const vm = new VmRunState(kernel, events, {});
  const mon = new RecordingMonitor(kernel, events);
  vm.machineInitDone();
  kernel.runUntilIdle();
  mon.take();
  return { kernel, vm, mon };
}

const IOERR = { device: 'disk0', 'node-name': '#block123', operation: 'read' as const, nospace: false, reason: 'Input/output error' };

t.test('blk_error_action stop: iostatus, BLOCK_IO_ERROR, then STOP on the next iteration', async (t) => {
  const { kernel, vm, mon } = boot();
  const io = kernel.addIothread('io0');
  let iostatus = 'ok';
  const seen: string[] = [];
  vm.events.subscribe((ev) => seen.push(`${ev.event} iostatus=${iostatus} state=${vm.state}`));
  io.ctx.bhScheduleOneshot(() => blkErrorAction(vm, 'stop', { setIostatus: () => (iostatus = 'failed'), data: IOERR }));
  kernel.runUntilIdle();
  t.same(seen, ['BLOCK_IO_ERROR iostatus=failed state=running', 'STOP iostatus=failed state=io-error']);
  t.same(mon.take()[0], 'BLOCK_IO_ERROR {"device":"disk0","node-name":"#block123","operation":"read","nospace":false,"reason":"Input/output error","action":"stop"}');
  t.same(vm.queryStatus(), { status: 'io-error', singlestep: false, running: false });
});

t.test('report / ignore: only the event', async (t) => {
  const { kernel, vm, mon } = boot();
  let set = 0;
  blkErrorAction(vm, 'report', { setIostatus: () => set++, data: IOERR });
  blkErrorAction(vm, 'ignore', { setIostatus: () => set++, data: IOERR });
  kernel.runUntilIdle();
  t.match(mon.take(), [/"action":"report"/, /"action":"ignore"/]);
  t.equal(set, 0);
  t.equal(vm.state, 'running');
});

t.test('a request serviced while the VM is not running does nothing', async (t) => {
  const { kernel, vm, mon } = boot();
  vm.qmpStop();
  blkErrorAction(vm, 'stop', { setIostatus: () => {}, data: IOERR });
  kernel.runUntilIdle();
  t.same(mon.take(), ['STOP', `BLOCK_IO_ERROR ${JSON.stringify({ ...IOERR, action: 'stop' })}`]);
  t.equal(vm.state, 'paused');
});

t.test('cont racing a pending request: STOP + RESUME, the VM keeps running', async (t) => {
  const { kernel, vm, mon } = boot();
  const handlerCalls: boolean[] = [];
  vm.addChangeStateHandler((r) => handlerCalls.push(r));
  mon.execute('cont', () => {
    blkErrorAction(vm, 'stop', { setIostatus: () => {}, data: IOERR });
    vm.qmpCont();
  });
  t.same(mon.take().filter((l) => !l.startsWith('BLOCK_IO_ERROR')), ['STOP', 'RESUME', 'cont -> {}']);
  t.equal(vm.state, 'running');
  t.same(handlerCalls, [], 'the VM never actually stopped');
  t.equal(vm.vmstop.peek(), undefined, 'the request was consumed');
  kernel.runUntilIdle();
  t.equal(vm.state, 'running');
});

t.test('after a serviced io-error stop, cont restarts; a stale request is dropped by cont', async (t) => {
  const { kernel, vm, mon } = boot();
  vm.qmpStop();
  blkErrorAction(vm, 'stop', { setIostatus: () => {}, data: IOERR });
  vm.qmpCont();
  kernel.runUntilIdle();
  t.same(mon.take().filter((l) => !l.startsWith('BLOCK_IO_ERROR')), ['STOP', 'RESUME']);
  t.equal(vm.state, 'running');
});

t.test('thread rules: vm_stop from an iothread throws; from a vCPU it becomes a request', async (t) => {
  const { kernel, vm, mon } = boot();
  const io = kernel.addIothread('io0');
  let err: unknown;
  io.ctx.bhScheduleOneshot(() => {
    try {
      vm.vmStop('paused');
    } catch (e) {
      err = e;
    }
  });
  kernel.runUntilIdle();
  t.type(err, SimThreadError);
  t.equal(vm.state, 'running');
  let during = '';
  kernel.vcpu(0).post(() => {
    vm.vmStop('paused');
    during = vm.state;
  });
  kernel.runUntilIdle();
  t.equal(during, 'running', 'not stopped inside the vCPU call');
  t.equal(vm.state, 'paused', 'stopped by the main loop');
  t.same(mon.take(), ['STOP']);
});

t.test('vmstop mutex: request without prepare and nested prepare are bugs', async (t) => {
  const { vm } = boot();
  t.throws(() => vm.vmstop.request('paused'), SimThreadError);
  vm.vmstop.prepare();
  t.throws(() => vm.vmstop.prepare(), SimThreadError);
  vm.vmstop.request('paused');
  t.equal(vm.vmstop.peek(), 'paused');
});

t.test('with the 2014 bug switch the old order comes back (event before iostatus)', async (t) => {
  const { vm } = boot({ bugs: { syncVmStopOnIoError: true } });
  let iostatus = 'ok';
  const seen: string[] = [];
  vm.events.subscribe((ev) => seen.push(`${ev.event} iostatus=${iostatus}`));
  blkErrorAction(vm, 'stop', { setIostatus: () => (iostatus = 'failed'), data: IOERR });
  t.same(seen, ['BLOCK_IO_ERROR iostatus=ok', 'STOP iostatus=ok']);
});
