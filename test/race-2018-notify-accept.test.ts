// Race invariant 3 (2018, RHBZ 1562750): a notification raised while another
// thread polls the context is never lost — the iothread always wakes.
import t from 'tap';
import { raceSeedCount, raceSeeds } from '../src/sim/testing/seeds.js';
import { raceFailed } from '../src/system/testing/race-result.js';
import { runNotifyAcceptRace } from '../src/system/testing/race-notify-accept.js';

const seeds = raceSeeds();

t.test(`no lost wakeup, over ${seeds.length} seeds`, async (t) => {
  const failed: string[] = [];
  const coverage: Record<string, number> = {};
  for (const seed of seeds) {
    const r = runNotifyAcceptRace(seed);
    for (const [k, v] of Object.entries(r.coverage)) coverage[k] = (coverage[k] ?? 0) + v;
    if (raceFailed(r)) failed.push(`seed ${seed}: ${[...r.violations, r.hang ?? ''].join('; ')}`);
  }
  t.same(failed.slice(0, 5), [], 'no seed hangs');
  t.ok((coverage['foreign poll while the iothread is about to block'] ?? 0) > 0, 'the main thread polled inside the 2018 window');
});

t.test('with aio_notify_accept in every poll the watchdog reports the hang', async (t) => {
  const hit = seeds.find((seed) => raceFailed(runNotifyAcceptRace(seed, { bug: true })));
  t.ok(hit !== undefined, 'some seed exposes the bug');
  const r = runNotifyAcceptRace(hit!, { bug: true });
  t.match(r.hang ?? '', /hang: guest \d+\/\d+.*parked: .*IO io0: aio_poll/, 'the iothread sleeps while the guest waits');
});

t.test('one seed replays the same run', async (t) => {
  t.same(runNotifyAcceptRace(3), runNotifyAcceptRace(3));
});

t.test('QMP_SIM_SEEDS shrinks the sweep, never below 100', async (t) => {
  t.equal(raceSeedCount({}), 1000);
  t.equal(raceSeedCount({ QMP_SIM_SEEDS: '250' }), 250);
  t.equal(raceSeedCount({ QMP_SIM_SEEDS: '5' }), 100);
  t.equal(raceSeedCount({ QMP_SIM_SEEDS: 'lots' }), 1000);
});
