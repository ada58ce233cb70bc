import { runRestartRace } from '../src/system/testing/race-restart-bh.js';
import { runIothreadErrorRace } from '../src/system/testing/race-iothread-error.js';
import { runNotifyAcceptRace } from '../src/system/testing/race-notify-accept.js';
for (const [name, fn] of [['2009', runRestartRace], ['2014', runIothreadErrorRace], ['2018', runNotifyAcceptRace]] as const) {
  let fails = 0, bugFails = 0, steps = 0;
  const t0 = Date.now();
  for (let s = 1; s <= 1000; s++) {
    const r = fn(s);
    steps += r.steps;
    if (r.violations.length || r.hang) { fails++; if (fails < 3) console.log(name, 'FIXED FAIL', s, r.violations.slice(0,3), r.hang); }
    const b = fn(s, { bug: true });
    if (b.violations.length || b.hang) { bugFails++; if (bugFails < 2) console.log(name, 'BUG FAIL', s, b.violations.slice(0,2), b.hang); }
  }
  console.log(name, { fails, bugFails, steps, ms: Date.now() - t0 });
}
