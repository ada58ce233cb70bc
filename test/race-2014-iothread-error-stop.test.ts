// Race invariant 2 (2014): an error in an iothread sets the iostatus before
// BLOCK_IO_ERROR, BLOCK_IO_ERROR precedes STOP, and query-status / iostatus
// agree with the events sent at every moment, while cont/stop race it.
import t from 'tap';
import { raceSeeds } from '../src/sim/testing/seeds.js';
import { raceFailed } from '../src/system/testing/race-result.js';
import { runIothreadErrorRace } from '../src/system/testing/race-iothread-error.js';

const seeds = raceSeeds();

t.test(`iostatus, BLOCK_IO_ERROR, STOP and query-status agree, over ${seeds.length} seeds`, async (t) => {
  const failed: string[] = [];
  const coverage: Record<string, number> = {};
  for (const seed of seeds) {
    const r = runIothreadErrorRace(seed);
    for (const [k, v] of Object.entries(r.coverage)) coverage[k] = (coverage[k] ?? 0) + v;
    if (raceFailed(r)) failed.push(`seed ${seed}: ${[...r.violations, r.hang ?? ''].join('; ')}`);
  }
  t.same(failed.slice(0, 5), [], 'no seed breaks the invariant');
  t.ok((coverage['error while running'] ?? 0) > 0, 'errors hit a running VM');
  t.ok((coverage['STOP+RESUME pair (cont raced the stop request)'] ?? 0) > 0, 'a cont raced a pending stop request');
});

t.test('with the pre-2014 synchronous vm_stop from the iothread the check fails', async (t) => {
  const hit = seeds.find((seed) => raceFailed(runIothreadErrorRace(seed, { bug: true })));
  t.ok(hit !== undefined, 'some seed exposes the bug');
  const r = runIothreadErrorRace(hit!, { bug: true });
  t.match(r.violations.join('\n'), /BLOCK_IO_ERROR sent while the iostatus is still ok/);
  t.match(r.violations.join('\n'), /change-state handler .* ran in thread IO io0/);
});

t.test('one seed replays the same run', async (t) => {
  t.same(runIothreadErrorRace(11), runIothreadErrorRace(11));
});
