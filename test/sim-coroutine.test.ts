import t from 'tap';
import { Coroutine, coSleepNs, coYield } from '../src/sim/coroutine.js';
import { SimKernel } from '../src/sim/kernel.js';

t.test('a coroutine runs until its first yield, inside enter()', async (t) => {
  const k = new SimKernel();
  const out: string[] = [];
  const co = new Coroutine(k.mainContext, function* () {
    out.push('start');
    yield coYield();
    out.push('resumed');
  });
  co.enter();
  t.same(out, ['start']);
  t.equal(co.state, 'scheduled', 'coYield reschedules it through a BH');
  const self: Coroutine = new Coroutine(k.mainContext, function* () {
    self.enter();
  });
  t.throws(() => self.enter(), /re-entered/, 'a running coroutine cannot be entered again');
  k.mainLoop.start();
  k.runUntilIdle();
  t.same(out, ['start', 'resumed']);
});

t.test('sleeping, completing, waking early', async (t) => {
  const k = new SimKernel();
  const ctx = k.mainContext;
  const out: string[] = [];
  let wakeIo: ((n: number) => void) | undefined;
  const co = new Coroutine(ctx, function* () {
    yield coSleepNs(ctx, 1000);
    out.push(`slept until ${k.nowNs()}`);
    const n: number = yield (wake: (n: number) => void) => {
      wakeIo = wake;
    };
    out.push(`io ${n}`);
    yield coSleepNs(ctx, 1e9);
    out.push(`woken early at ${k.nowNs()}`);
  }, 'job');
  let doneErr: unknown = 'not yet';
  co.onDone((e) => (doneErr = e));
  k.mainLoop.start();
  co.enter();
  k.advance(5000);
  t.same(out, ['slept until 1000']);
  wakeIo!(42);
  t.same(out, ['slept until 1000'], 'wake never re-enters inside the waker');
  k.runUntilIdle();
  t.same(out, ['slept until 1000', 'io 42']);
  co.wake();
  k.runUntilIdle();
  t.same(out, ['slept until 1000', 'io 42', 'woken early at 5000']);
  t.equal(doneErr, undefined);
  t.ok(co.done);
  k.advance(2e9);
  t.equal(out.length, 3, 'the cancelled sleep does not fire');
});

t.test('an exception in the body reaches onDone', async (t) => {
  const k = new SimKernel();
  const co = new Coroutine(k.mainContext, function* () {
    yield coYield();
    throw new Error('boom');
  });
  let err: unknown;
  co.onDone((e) => (err = e));
  k.mainLoop.start();
  co.enter();
  k.runUntilIdle();
  t.match(err, { message: 'boom' });
});
