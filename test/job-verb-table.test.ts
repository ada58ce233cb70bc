// Every JobVerb × JobStatus cell (iotest 219 style): the table decides, the
// error text is QEMU's, and a job driven through each observable status
// only ever takes edges of the transition table.
import t from 'tap';
import { QmpError } from '../src/qapi/error.js';
import { SimKernel } from '../src/sim/kernel.js';
import { EventBus } from '../src/system/qapi-event.js';
import { Job, type JobBody, type JobType } from '../src/jobs/job.js';
import { JobRegistry } from '../src/jobs/job-registry.js';
import { JOB_STATUSES, JOB_VERBS, JOB_STATUS_TRANSITIONS, verbAllowed, verbErrorText, type JobStatus, type JobVerb } from '../src/jobs/job-status.js';
import { mirrorVm, statusTrail, type MirrorVm } from '../src/jobs/testing/mirror-vm.js';

class StubJob extends Job {
  readonly type: JobType = 'mirror';
  // eslint-disable-next-line require-yield
  protected *run(): JobBody {
    return 0;
  }
  constructor(reg: JobRegistry) {
    super(reg.env, { id: 'j' });
  }
}

function verbError(fn: () => void): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (e instanceof QmpError) return e.desc;
    throw e;
  }
}

t.test('applyVerb follows JobVerbTable in all 77 cells', async (t) => {
  const k = new SimKernel({ seed: 1 });
  const reg = new JobRegistry({ kernel: k, events: new EventBus(() => k.wallTime()), log: () => {} });
  const job = new StubJob(reg);
  let cells = 0;
  for (const s of JOB_STATUSES) {
    for (const v of JOB_VERBS) {
      job.status = s;
      const err = verbError(() => job.applyVerb(v));
      t.equal(err, verbAllowed(v, s) ? null : verbErrorText('j', s, v), `${v} in ${s}`);
      cells++;
    }
  }
  t.equal(cells, 77);
});

/** How to bring a fresh mirror into each status the monitor can observe. */
const REACH: Record<string, { args: Record<string, unknown>; go(vm: MirrorVm): boolean }> = {
  running: { args: { speed: 1, 'buf-size': 65536 }, go: (vm) => (vm.settle(), vm.job.status === 'running') },
  paused: { args: { speed: 1, 'buf-size': 65536 }, go: (vm) => (vm.settle(), vm.job.userPause(), vm.job.status === 'paused') },
  ready: { args: {}, go: (vm) => vm.until(() => vm.job.status === 'ready') },
  standby: { args: {}, go: (vm) => vm.until(() => vm.job.status === 'ready') && (vm.job.userPause(), vm.job.status === 'standby') },
  pending: {
    args: { 'auto-finalize': false },
    go: (vm) => vm.until(() => vm.job.status === 'ready') && (vm.job.userComplete(), vm.until(() => vm.job.status === 'pending')),
  },
  concluded: {
    args: { 'auto-dismiss': false },
    go: (vm) => vm.until(() => vm.job.status === 'ready') && (vm.job.userComplete(), vm.until(() => vm.job.status === 'concluded')),
  },
};

const APPLY: Record<JobVerb, (vm: MirrorVm) => void> = {
  cancel: (vm) => vm.job.userCancel(true),
  pause: (vm) => vm.job.userPause(),
  resume: (vm) => vm.job.userResume(),
  'set-speed': (vm) => vm.job.setSpeed(0),
  complete: (vm) => vm.job.userComplete(),
  finalize: (vm) => vm.job.userFinalize(),
  dismiss: (vm) => vm.job.userDismiss(),
};

function legalTrail(trail: string[]): string | null {
  let prev: JobStatus = 'undefined';
  for (const s of trail as JobStatus[]) {
    if (!JOB_STATUS_TRANSITIONS[prev].includes(s)) return `${prev} -> ${s}`;
    prev = s;
  }
  return null;
}

for (const [status, how] of Object.entries(REACH)) {
  t.test(`a mirror in '${status}': every verb`, async (t) => {
    for (const verb of JOB_VERBS) {
      const vm = mirrorVm(how.args);
      try {
        t.ok(how.go(vm), `reached ${status}`);
        t.equal(vm.job.status, status);
        const userPaused = vm.job.userPaused && vm.job.pauseCount > 0;
        const wasUserPaused = vm.job.userPaused;
        const err = verbError(() => APPLY[verb](vm));
        if (verb === 'resume' && !userPaused) t.equal(err, "Can't resume a job that was not paused", `${verb}: checked before the table`);
        else if (!verbAllowed(verb, status as JobStatus)) t.equal(err, verbErrorText('job0', status as JobStatus, verb), `${verb} refused`);
        else if (verb === 'pause' && wasUserPaused) t.equal(err, 'Job is already paused', `${verb}: already paused`);
        else t.equal(err, null, `${verb} accepted`);
        // whatever happens next keeps to the transition table
        vm.until(() => vm.machine.jobs.get('job0') === undefined || ['ready', 'standby', 'paused', 'running', 'pending', 'concluded'].includes(vm.job.status));
        vm.settle();
        t.equal(legalTrail(statusTrail(vm.events)), null, `${verb}: only table edges`);
        t.same(vm.logs, [], 'no internal errors');
      } finally {
        vm.close();
      }
    }
  });
}
