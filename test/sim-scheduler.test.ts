import t from 'tap';
import { SimHangError, SimLivelockError } from '../src/sim/errors.js';
import { EventNotifier } from '../src/sim/event-notifier.js';
import { RealClock } from '../src/sim/clock.js';
import { Scheduler } from '../src/sim/scheduler.js';

function interleaving(seed: number, order?: 'seeded' | 'fifo'): string[] {
  const s = new Scheduler({ seed, order });
  const out: string[] = [];
  for (const name of ['a', 'b', 'c']) {
    const th = s.createThread(name, 'client');
    for (let i = 0; i < 4; i++) th.post(() => out.push(`${name}${i}`));
  }
  s.runUntilIdle();
  return out;
}

t.test('steps of one thread run in order; threads interleave by seed', async (t) => {
  const run = interleaving(1);
  for (const name of ['a', 'b', 'c']) t.same(run.filter((x) => x[0] === name), [0, 1, 2, 3].map((i) => `${name}${i}`));
  t.same(interleaving(1), run, 'same seed, same order');
  const orders = new Set(Array.from({ length: 20 }, (_, i) => interleaving(i).join()));
  t.ok(orders.size > 1, 'different seeds explore different interleavings');
  t.same(interleaving(3, 'fifo'), ['a0', 'a1', 'a2', 'a3', 'b0', 'b1', 'b2', 'b3', 'c0', 'c1', 'c2', 'c3'], 'fifo order = posting order');
});

t.test('currentThread is the running step\'s thread, null outside', async (t) => {
  const s = new Scheduler();
  const th = s.createThread('x', 'iothread');
  let seen: unknown;
  th.post(() => (seen = s.currentThread()));
  t.equal(s.currentThread(), null);
  s.runUntilIdle();
  t.equal(seen, th);
  t.ok(th.threadId >= 1000);
});

t.test('timers fire in deadline order when virtual time reaches them', async (t) => {
  const s = new Scheduler();
  const out: string[] = [];
  s.addTimer(300, () => out.push(`c@${s.clock.nowNs()}`));
  s.addTimer(100, () => out.push(`a@${s.clock.nowNs()}`));
  const cancelled = s.addTimer(200, () => out.push('never'));
  s.addTimer(100, () => out.push(`b@${s.clock.nowNs()}`));
  cancelled.cancel();
  s.runUntilIdle();
  t.same(out, [], 'runUntilIdle does not move time');
  s.advance(150);
  t.same(out, ['a@100', 'b@100']);
  t.equal(s.clock.nowNs(), 150);
  s.advance(1000);
  t.same(out, ['a@100', 'b@100', 'c@300']);
  t.equal(s.clock.nowNs(), 1150);
  t.notOk(cancelled.pending);
  t.throws(() => new Scheduler({ clock: new RealClock() }).advance(1), /virtual clock/);
});

t.test('runUntil jumps time; reports quiescence with the condition unmet', async (t) => {
  const s = new Scheduler();
  let hits = 0;
  s.addTimer(5000, () => hits++);
  t.equal(s.runUntil(() => hits === 1), true);
  t.equal(s.clock.nowNs(), 5000);
  t.equal(s.runUntil(() => hits === 2), false, 'nothing left: a hang for the caller');
  s.addTimer(1e9, () => hits++);
  t.equal(s.runUntil(() => hits === 2, { maxNs: 1000 }), false, 'maxNs bounds virtual time');
});

t.test('the watchdog turns a livelock into an error', async (t) => {
  const s = new Scheduler();
  const th = s.createThread('spin', 'client');
  const spin = () => th.post(spin);
  spin();
  t.throws(() => s.runUntilIdle({ maxSteps: 100 }), SimLivelockError);
});

t.test('a nested wait runs other threads; nothing left to run is a hang', async (t) => {
  const s = new Scheduler();
  const a = s.createThread('a', 'main');
  const b = s.createThread('b', 'iothread');
  let flag = false;
  const order: string[] = [];
  a.post(() => {
    b.post(() => {
      order.push('b runs while a waits');
      flag = true;
    });
    s.waitUntil(() => flag, 'a waits for b');
    order.push('a resumes');
  });
  s.runUntilIdle();
  t.same(order, ['b runs while a waits', 'a resumes']);
  a.post(() => s.waitUntil(() => false, 'forever'));
  t.throws(() => s.runUntilIdle(), SimHangError);
  t.throws(() => {
    a.post(() => s.runUntilIdle());
    s.runUntilIdle();
  }, /inside a step/);
});

t.test('a parked thread costs nothing and wakes on its notifier or deadline', async (t) => {
  const s = new Scheduler();
  const th = s.createThread('waiter', 'iothread');
  const n = new EventNotifier('n');
  const out: string[] = [];
  th.post(() => th.park([n], undefined, () => out.push('woken'), 'test wait'));
  s.runUntilIdle();
  t.ok(s.isQuiescent(), 'no step, no timer while parked');
  t.match(s.parkedThreads(), [/waiter: test wait \[n\]/]);
  n.set();
  s.runUntilIdle();
  t.same(out, ['woken']);
  t.same(s.parkedThreads(), []);
  th.post(() => th.park([n], undefined, () => out.push('at once'), 'already set'));
  th.post(() => th.park([new EventNotifier()], 700, () => out.push(`deadline@${s.clock.nowNs()}`), 'timed'));
  s.advance(1000);
  t.same(out, ['woken', 'at once', 'deadline@700']);
});
