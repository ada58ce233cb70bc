import t from 'tap';
import { FaultPoints } from '../src/sim/fault-points.js';

const fires = (f: FaultPoints, name: string, n = 200) => Array.from({ length: n }, () => f.fires(name));

t.test('points are off unless a run switches them on', async (t) => {
  const f = new FaultPoints(1);
  t.notOk(fires(f, 'x').some(Boolean));
  t.same(f.stats().x, { on: false, evaluated: 200, fired: 0 });
});

t.test('an explicit point fires with its probability, reproducibly', async (t) => {
  const a = new FaultPoints(9, { points: { x: 0.5 } });
  const b = new FaultPoints(9, { points: { x: 0.5 } });
  const ra = fires(a, 'x');
  t.same(ra, fires(b, 'x'), 'same seed, same firings');
  const hits = ra.filter(Boolean).length;
  t.ok(hits > 50 && hits < 150, `about half fire (${hits}/200)`);
  t.ok(fires(new FaultPoints(9, { points: { x: 1 } }), 'x').every(Boolean));
  t.notOk(fires(new FaultPoints(9, { points: { x: 0 } }), 'x').some(Boolean));
});

t.test('each point has its own stream: other points never shift it', async (t) => {
  const a = new FaultPoints(3, { points: { x: 0.3, y: 0.3 } });
  const b = new FaultPoints(3, { points: { x: 0.3, y: 0.3 } });
  const seqA: boolean[] = [];
  for (let i = 0; i < 100; i++) {
    seqA.push(a.fires('x'));
    a.fires('y');
    a.fires('y');
  }
  t.same(seqA, fires(b, 'x', 100));
});

t.test('swarm: the seed draws which points are on', async (t) => {
  const names = Array.from({ length: 40 }, (_, i) => `p${i}`);
  const onSet = (seed: number) => names.filter((n) => new FaultPoints(seed, { swarm: true }).isOn(n)).join();
  t.equal(onSet(5), onSet(5));
  t.not(onSet(5), onSet(6));
  const on = names.filter((n) => new FaultPoints(5, { swarm: true, activation: 0.5 }).isOn(n)).length;
  t.ok(on > 5 && on < 35, `some but not all on (${on}/40)`);
  const f = new FaultPoints(5, { swarm: true });
  f.set('forced', 1);
  t.ok(f.fires('forced'));
});
