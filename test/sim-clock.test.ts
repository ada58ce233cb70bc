import t from 'tap';
import { RealClock, VIRTUAL_EPOCH_SECONDS, VirtualClock } from '../src/sim/clock.js';
import { SimKernel } from '../src/sim/kernel.js';

t.test('the virtual clock moves only when advanced, and never back', async (t) => {
  const c = new VirtualClock();
  t.equal(c.nowNs(), 0);
  t.same(c.wallTime(), { seconds: VIRTUAL_EPOCH_SECONDS, microseconds: 0 });
  c.advanceTo(1_500_002_999);
  t.equal(c.nowNs(), 1_500_002_999);
  t.same(c.wallTime(), { seconds: VIRTUAL_EPOCH_SECONDS + 1, microseconds: 500_002 });
  c.advanceTo(10);
  t.equal(c.nowNs(), 1_500_002_999, 'going back is ignored');
  t.throws(() => c.advanceTo(NaN));
});

t.test('virtual wall time = epoch + virtual time, so a seed gives identical timestamps', async (t) => {
  const stamps = (seed: number) => {
    const k = new SimKernel({ seed });
    const out: unknown[] = [];
    k.sched.addTimer(12_345_678, () => out.push(k.wallTime()));
    k.advance(1e9);
    out.push(k.wallTime());
    return out;
  };
  t.same(stamps(5), stamps(5));
  t.same(stamps(5)[0], { seconds: VIRTUAL_EPOCH_SECONDS, microseconds: 12_345 });
  t.same(new VirtualClock(100).wallTime(), { seconds: 100, microseconds: 0 }, 'epoch is configurable');
});

t.test('the real clock is monotonic and gives a plausible wall time', async (t) => {
  const c = new RealClock();
  let last = c.nowNs();
  let backwards = 0;
  for (let i = 0; i < 1000; i++) {
    const n = c.nowNs();
    if (n < last) backwards++;
    last = n;
  }
  t.equal(backwards, 0);
  const w = c.wallTime();
  t.ok(w.seconds > 1_600_000_000 && w.microseconds >= 0 && w.microseconds < 1e6);
  t.equal(new SimKernel({ clock: 'real' }).clock.kind, 'real');
  t.equal(new SimKernel().clock.kind, 'virtual', 'virtual is the default');
});
