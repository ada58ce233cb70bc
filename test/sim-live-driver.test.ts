// The live driver: steps and timers run from Node's event loop, with nothing
// armed while idle. (Only completion is awaited; no timing is asserted.)
import t from 'tap';
import { SimKernel } from '../src/sim/kernel.js';

t.test('real clock: posted steps run promptly, timers at their deadline', async (t) => {
  const k = new SimKernel({ clock: 'real', live: true });
  const th = k.createThread('client', 'client');
  const order: string[] = [];
  await new Promise<void>((resolve) => {
    k.sched.addTimer(k.nowNs() + 2_000_000, () => th.post(() => {
      order.push('timer');
      resolve();
    }));
    th.post(() => order.push('step'));
  });
  t.same(order, ['step', 'timer']);
  t.ok(k.nowNs() >= 2_000_000, 'the timer did not fire before its deadline');
  k.dispose();
});

t.test('real clock: the main loop and an iothread serve work posted from outside', async (t) => {
  const k = new SimKernel({ clock: 'real', live: true });
  k.mainLoop.start();
  const io = k.addIothread('io0');
  const got = await new Promise<string>((resolve) => {
    io.ctx.bhScheduleOneshot(() => k.mainLoop.runInMainLoop(() => resolve(k.currentThread().name)));
  });
  t.equal(got, 'main');
  k.dispose();
});

t.test('virtual clock: runnable steps run to quiescence at once; timers wait for advance()', async (t) => {
  const k = new SimKernel({ clock: 'virtual', live: true });
  const th = k.createThread('client', 'client');
  let steps = 0;
  let fired = false;
  k.sched.addTimer(1000, () => (fired = true));
  await new Promise<void>((resolve) => {
    const chain = (n: number) => th.post(() => (++steps, n > 0 ? chain(n - 1) : resolve()));
    chain(50);
  });
  t.equal(steps, 51);
  await new Promise((r) => setImmediate(r));
  t.notOk(fired, 'virtual timers do not fire on their own');
  k.advance(1000);
  t.ok(fired);
  k.dispose();
});

t.test('a step that throws in live mode is logged, and the kernel goes on', async (t) => {
  const lines: string[] = [];
  const k = new SimKernel({ clock: 'real', live: true, log: (l) => lines.push(l) });
  const th = k.createThread('client', 'client');
  await new Promise<void>((resolve) => {
    th.post(() => {
      throw new Error('model bug');
    }, 'bad step');
    th.post(() => resolve());
  });
  t.match(lines.join('\n'), /step 'client: bad step' failed: Error: model bug/);
  k.dispose();
});
