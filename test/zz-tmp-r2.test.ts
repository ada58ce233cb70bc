import { runIothreadErrorRace } from '../src/system/testing/race-iothread-error.js';
for (let s = 1; s <= 1000; s++) {
  for (const bug of [false, true]) {
  const t0 = Date.now();
  console.error('start', s, bug);
  const r = runIothreadErrorRace(s, { bug });
  const ms = Date.now() - t0;
  if (ms > 100 || (!bug && (r.violations.length || r.hang))) console.log(s, bug, r.steps, ms, r.violations.slice(0,2), r.hang);
  }
}
