import t from 'tap';
import { SimKernel } from '../src/sim/kernel.js';

t.test('a BH runs later in its context, never inside the scheduling call', async (t) => {
  const k = new SimKernel();
  const ctx = k.mainContext;
  const out: string[] = [];
  const bh = ctx.bhNew(() => out.push('bh'));
  bh.schedule();
  t.same(out, [], 'not run by schedule()');
  t.equal(ctx.notified, true, 'scheduling notifies the context');
  t.ok(ctx.poll(false));
  t.same(out, ['bh']);
  t.notOk(ctx.poll(false), 'nothing left: no progress');
});

t.test('schedule is idempotent while pending', async (t) => {
  const ctx = new SimKernel().mainContext;
  let n = 0;
  const bh = ctx.bhNew(() => n++);
  bh.schedule();
  bh.schedule();
  bh.schedule();
  ctx.poll(false);
  t.equal(n, 1);
  bh.schedule();
  ctx.poll(false);
  t.equal(n, 2, 'schedulable again once it ran');
});

t.test('7.2 pops newest-first within a batch; BHs scheduled meanwhile wait for the next batch', async (t) => {
  const ctx = new SimKernel().mainContext;
  const out: string[] = [];
  const late = ctx.bhNew(() => out.push('late'));
  for (const name of ['a', 'b', 'c']) {
    ctx.bhScheduleOneshot(() => {
      out.push(name);
      if (name === 'c') late.schedule();
    });
  }
  ctx.bhPoll();
  t.same(out, ['c', 'b', 'a']);
  ctx.bhPoll();
  t.same(out, ['c', 'b', 'a', 'late']);
});

t.test('the batch order becomes a seeded choice with aio.bh.batch-order on', async (t) => {
  const order = (seed: number) => {
    const ctx = new SimKernel({ seed, faults: { points: { 'aio.bh.batch-order': 1 } } }).mainContext;
    const out: number[] = [];
    for (let i = 0; i < 6; i++) ctx.bhScheduleOneshot(() => out.push(i));
    ctx.bhPoll();
    return out.join();
  };
  t.equal(order(4), order(4), 'deterministic per seed');
  t.ok(new Set([1, 2, 3, 4, 5, 6, 7, 8].map(order)).size > 1, 'varies across seeds');
});

t.test('cancel, delete, idle', async (t) => {
  const ctx = new SimKernel().mainContext;
  const out: string[] = [];
  const a = ctx.bhNew(() => out.push('a'));
  a.schedule();
  a.cancel();
  t.notOk(a.scheduled);
  ctx.poll(false);
  t.same(out, []);
  const d = ctx.bhNew(() => out.push('d'));
  d.schedule();
  d.delete();
  ctx.poll(false);
  d.schedule();
  ctx.poll(false);
  t.same(out, [], 'a deleted BH never runs');
  const idle = ctx.bhNew(() => out.push('idle'));
  idle.scheduleIdle();
  t.equal(ctx.computeTimeoutNs(), 10_000_000, 'idle BHs are polled every 10ms');
  t.notOk(ctx.bhPoll(), 'an idle BH is no progress');
  t.same(out, ['idle']);
});
