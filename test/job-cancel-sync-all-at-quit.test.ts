// qemu_cleanup's job_cancel_sync_all: at quit every job is force-cancelled
// (a READY mirror too), and a concluded job left by auto-dismiss=false is
// dismissed, all before the main loop has exited.
import t from 'tap';
import { mirrorVm, statusTrail } from '../src/jobs/testing/mirror-vm.js';

for (const [name, args, expect] of [
  ['running', { speed: 1, 'buf-size': 65536 }, ['created', 'running', 'paused', 'running', 'aborting', 'concluded', 'null']],
  ['ready, auto-dismiss off', { 'auto-dismiss': false }, ['created', 'running', 'ready', 'standby', 'ready', 'aborting', 'concluded', 'null']],
] as const) {
  t.test(`quit with a ${name} mirror`, async (t) => {
    const vm = mirrorVm(args);
    try {
      if (name.startsWith('ready')) t.ok(vm.until(() => vm.job.status === 'ready'));
      else vm.settle();
      let exited = false;
      vm.machine.onExit(() => (exited = true));
      vm.machine.qmpQuit();
      t.ok(vm.until(() => exited));
      t.same(statusTrail(vm.events), expect);
      t.same(vm.events.filter((e) => e.event.startsWith('BLOCK_JOB_')).map((e) => e.event).slice(-1), ['BLOCK_JOB_CANCELLED']);
      t.same(vm.machine.jobs.all(), []);
      t.same(vm.logs, []);
    } finally {
      vm.close();
    }
  });
}
