// Every auto-finalize × auto-dismiss combination, on the success path
// (complete after READY) and the abort path (cancel before READY): which
// statuses and BLOCK_JOB_* events appear, where the job stops, and what the
// verb that releases it does.
import t from 'tap';
import { mirrorVm, statusTrail } from '../src/jobs/testing/mirror-vm.js';

const blockEvents = (vm: ReturnType<typeof mirrorVm>) =>
  vm.events.filter((e) => e.event.startsWith('BLOCK_JOB_')).map((e) => e.event);

for (const af of [true, false]) {
  for (const ad of [true, false]) {
    t.test(`auto-finalize=${af} auto-dismiss=${ad}: complete`, async (t) => {
      const vm = mirrorVm({ 'auto-finalize': af, 'auto-dismiss': ad });
      try {
        t.ok(vm.until(() => vm.job.status === 'ready'));
        vm.job.userComplete();
        const stop = af ? (ad ? 'null' : 'concluded') : 'pending';
        t.ok(vm.until(() => vm.job.status === stop), `stops in ${stop}`);
        vm.settle();
        t.equal(vm.job.status, stop);
        const head = ['created', 'running', 'ready', 'waiting', 'pending'];
        if (!af) {
          t.same(statusTrail(vm.events), head);
          t.same(blockEvents(vm), ['BLOCK_JOB_READY', 'BLOCK_JOB_PENDING']);
          t.equal(vm.job.pauseCount > 0, true, 'the source stays drained until finalize');
          vm.job.userFinalize();
        }
        const tail = ad ? ['concluded', 'null'] : ['concluded'];
        t.same(statusTrail(vm.events), [...head, ...tail]);
        t.same(blockEvents(vm), af ? ['BLOCK_JOB_READY', 'BLOCK_JOB_COMPLETED'] : ['BLOCK_JOB_READY', 'BLOCK_JOB_PENDING', 'BLOCK_JOB_COMPLETED']);
        t.equal(vm.machine.jobs.get('job0') === undefined, ad, ad ? 'gone' : 'still listed');
        if (!ad) {
          t.same(vm.machine.jobs.queryJobs(), [{ 'current-progress': 1 << 20, status: 'concluded', 'total-progress': 1 << 20, type: 'mirror', id: 'job0' }]);
          vm.job.userDismiss();
          t.same(statusTrail(vm.events).slice(-1), ['null']);
          t.same(vm.machine.jobs.queryJobs(), []);
        }
        t.equal(vm.machine.block.findNode('src')!.quiesceCounter, 0, 'no drain left behind');
        t.same(vm.logs, []);
      } finally {
        vm.close();
      }
    });

    t.test(`auto-finalize=${af} auto-dismiss=${ad}: cancel before READY`, async (t) => {
      const vm = mirrorVm({ 'auto-finalize': af, 'auto-dismiss': ad, speed: 1, 'buf-size': 65536 });
      try {
        vm.settle();
        t.equal(vm.job.status, 'running');
        vm.job.userCancel(false);
        const stop = ad ? 'null' : 'concluded';
        t.ok(vm.until(() => vm.job.status === stop));
        t.same(statusTrail(vm.events), ['created', 'running', 'aborting', 'concluded', ...(ad ? ['null'] : [])], 'aborting ignores auto-finalize');
        t.same(blockEvents(vm), ['BLOCK_JOB_CANCELLED']);
        if (!ad) {
          t.match(vm.machine.jobs.queryBlockJobs()[0], { status: 'concluded', error: 'Operation canceled' });
          vm.job.userDismiss();
        }
        t.equal(vm.machine.jobs.get('job0'), undefined);
        t.same(vm.logs, []);
      } finally {
        vm.close();
      }
    });
  }
}
