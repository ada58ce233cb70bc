import t from 'tap';
import { SimThreadError } from '../src/sim/errors.js';
import { EventNotifier } from '../src/sim/event-notifier.js';
import { SimKernel } from '../src/sim/kernel.js';

t.test('aio_notify sets the event notifier only while a poller announced a wait', async (t) => {
  const ctx = new SimKernel().addIothread('x').ctx;
  ctx.notifyAccept();
  ctx.notify();
  t.equal(ctx.notified, true);
  t.equal(ctx.notifier.isSet(), false, 'notify_me is 0: no eventfd write');
  ctx.notifyMe = 2;
  ctx.notify();
  t.equal(ctx.notifier.isSet(), true);
});

t.test('blocking aio_poll only in the home thread; a foreign non-blocking poll never accepts', async (t) => {
  const k = new SimKernel();
  const io = k.addIothread('io0');
  k.runUntilIdle();
  t.throws(() => io.ctx.poll(true), SimThreadError, 'main thread may not block in an iothread context');
  io.ctx.notify();
  io.ctx.poll(false);
  t.equal(io.ctx.notified, true, 'the notification stays for the home thread');
  io.thread.post(() => {
    k.mainContext.notify();
    t.throws(() => k.mainContext.poll(true), SimThreadError, 'and an iothread may not block in the main context');
  });
  k.runUntilIdle();
  t.equal(io.ctx.notified, false, 'the iothread accepted it in its own blocking poll');
});

t.test('an idle iothread is parked: a BH from the main thread wakes it and runs in its thread', async (t) => {
  const k = new SimKernel();
  const io = k.addIothread('io0');
  k.runUntilIdle();
  t.ok(k.sched.isQuiescent(), 'idle costs nothing');
  t.match(k.sched.parkedThreads().join(), /IO io0: aio_poll\(iothread:io0\)/);
  let ranIn = '';
  io.ctx.bhScheduleOneshot(() => (ranIn = k.currentThread().name));
  k.runUntilIdle();
  t.equal(ranIn, 'IO io0');
  t.equal(io.threadId, io.thread.threadId);
  t.same(io.props, { pollMaxNs: 32768, pollGrow: 0, pollShrink: 0, aioMaxBatch: 0 });
});

t.test('context timers: fire in the home thread; arming an earlier one wakes the poller', async (t) => {
  const k = new SimKernel();
  const io = k.addIothread('io0');
  const out: string[] = [];
  const late = io.ctx.timerNew(() => out.push(`late@${k.nowNs()}`));
  late.modNs(1_000_000);
  k.runUntilIdle();
  io.ctx.timerNew(() => out.push(`early@${k.nowNs()} in ${k.currentThread().name}`)).modNs(1000);
  k.advance(2_000_000);
  t.same(out, ['early@1000 in IO io0', 'late@1000000']);
  const t2 = io.ctx.timerNew(() => out.push('deleted'));
  t2.modIn(10);
  t2.del();
  k.advance(100);
  t.equal(out.length, 2);
});

t.test('external handlers are skipped while disabled; enabling kicks the loop', async (t) => {
  const k = new SimKernel();
  const io = k.addIothread('io0');
  const kick = new EventNotifier('vq');
  let served = 0;
  io.ctx.setEventNotifier(kick, () => {
    kick.testAndClear();
    served++;
  }, { external: true });
  k.runUntilIdle();
  io.ctx.disableExternal();
  kick.set();
  k.runUntilIdle();
  t.equal(served, 0);
  io.ctx.enableExternal();
  k.runUntilIdle();
  t.equal(served, 1);
  t.throws(() => io.ctx.enableExternal(), /without disable/);
});

t.test('a nested blocking poll waits for another thread (host I/O) to deliver', async (t) => {
  const k = new SimKernel();
  let done = false;
  k.mainThread.post(() => {
    k.hostIo.submit(k.mainContext, 5000, () => (done = true));
    k.aioWait.waitWhile(k.mainContext, () => !done);
  });
  k.runUntilIdle();
  t.ok(done);
  t.equal(k.nowNs(), 5000, 'virtual time jumped to the completion');
});
