// Walk every cell of QEMU's runstate transition table (softmmu/runstate.c).
import t from 'tap';
import { RUNSTATE_TRANSITIONS, RUN_STATES, RunStateMachine, RunStateTransitionError, isRunState } from '../src/system/runstate.js';

// The table as QEMU 7.2 lists it, pair by pair (reference §2), kept apart
// from the implementation's table so a typo in either shows up.
const EXPECTED = `
prelaunch: inmigrate running finish-migrate
debug: running finish-migrate prelaunch suspended
inmigrate: internal-error io-error paused running shutdown suspended watchdog guest-panicked finish-migrate prelaunch postmigrate colo
internal-error: paused finish-migrate prelaunch
io-error: running finish-migrate prelaunch
paused: running finish-migrate postmigrate prelaunch colo
postmigrate: running finish-migrate prelaunch
finish-migrate: running paused postmigrate prelaunch colo
restore-vm: running prelaunch
colo: running prelaunch shutdown
running: debug internal-error io-error paused finish-migrate restore-vm save-vm shutdown watchdog guest-panicked colo suspended
save-vm: running
shutdown: paused finish-migrate prelaunch colo
suspended: running finish-migrate prelaunch colo
watchdog: running finish-migrate prelaunch colo
guest-panicked: running finish-migrate prelaunch`;

const allowed = new Set(
  EXPECTED.trim()
    .split('\n')
    .flatMap((line) => {
      const [from, rest] = line.split(': ');
      return rest.split(' ').map((to) => `${from}>${to}`);
    }),
);

t.equal(RUN_STATES.length, 16);
t.same(Object.keys(RUNSTATE_TRANSITIONS).sort(), [...RUN_STATES].sort(), 'one row per state');
t.ok(isRunState('io-error') && !isRunState('stopped'));

let cells = 0;
for (const from of RUN_STATES) {
  for (const to of RUN_STATES) {
    cells++;
    const m = new RunStateMachine(from);
    if (from === to) {
      m.set(to);
      t.equal(m.current, from, `${from} -> ${from}: silent no-op`);
    } else if (allowed.has(`${from}>${to}`)) {
      m.set(to);
      t.equal(m.current, to, `${from} -> ${to}: allowed`);
    } else {
      t.throws(() => m.set(to), new RunStateTransitionError(from, to), `${from} -> ${to}: refused`);
      t.equal(m.current, from, `${from} -> ${to}: state unchanged`);
    }
  }
}
t.equal(cells, 256, 'every cell walked');
t.equal(new RunStateTransitionError('paused', 'save-vm').message, "invalid runstate transition: 'paused' -> 'save-vm'");
