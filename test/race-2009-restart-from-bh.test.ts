// Race invariant 1 (2009): a parked request that fails again during `cont`
// never lets a change-state handler see "running" after "stopped".
import t from 'tap';
import { raceSeeds } from '../src/sim/testing/seeds.js';
import { raceFailed } from '../src/system/testing/race-result.js';
import { runRestartRace } from '../src/system/testing/race-restart-bh.js';

const seeds = raceSeeds();

t.test(`every handler sees start/stop in order, over ${seeds.length} seeds`, async (t) => {
  const failed: string[] = [];
  const coverage: Record<string, number> = {};
  for (const seed of seeds) {
    const r = runRestartRace(seed);
    for (const [k, v] of Object.entries(r.coverage)) coverage[k] = (coverage[k] ?? 0) + v;
    if (raceFailed(r)) failed.push(`seed ${seed}: ${[...r.violations, r.hang ?? ''].join('; ')}`);
  }
  t.same(failed.slice(0, 5), [], 'no seed breaks the invariant');
  t.ok((coverage['retry fail-sync'] ?? 0) > 0, 'some retries failed inside their (re)submission');
  t.ok((coverage['cont from io-error'] ?? 0) > 0, 'cont restarted parked requests');
});

t.test('with the 2009 bug (restart inside the handler) the check fails', async (t) => {
  const hit = seeds.find((seed) => raceFailed(runRestartRace(seed, { bug: true })));
  t.ok(hit !== undefined, 'some seed exposes the bug');
  const r = runRestartRace(hit!, { bug: true });
  t.match(r.violations.join('\n'), /told running=(true while the VM is io-error|false twice in a row)/, 'as a handler seeing stop then start out of order');
});

t.test('one seed replays the same run', async (t) => {
  t.same(runRestartRace(7), runRestartRace(7));
  t.same(runRestartRace(7, { bug: true }), runRestartRace(7, { bug: true }));
});
