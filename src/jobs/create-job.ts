// blockdev-create as a job (block/create.c): the body is the driver's
// create function; progress goes 0/1 → 1/1 whatever the outcome; the job is
// created with manual dismiss (JOB_MANUAL_DISMISS), so it stays concluded
// until job-dismiss.

import { QmpError } from '../qapi/error.js';
import type { BlockGraph } from '../block/block-graph.js';
import type { OptionBag } from '../block/drivers/options.js';
import { Job, type JobBody, type JobEnv, type JobType } from './job.js';
import type { JobRegistry } from './job-registry.js';
import { createDriverSupport } from './create-drivers.js';

const EIO = 5;
/** Host time of the create's first thread-pool request (the truncate / header write). */
const CREATE_HOST_LATENCY_NS = 50_000;

export class CreateJob extends Job {
  readonly type: JobType = 'create';

  constructor(
    env: JobEnv,
    private readonly graph: BlockGraph,
    id: string,
    private readonly options: OptionBag,
  ) {
    super(env, { id, autoFinalize: true, autoDismiss: false });
  }

  /** job_exit when the body finished inside job_start (no yield) */
  private exitAtOnce: (() => void) | null = null;
  private launching = false;

  /** job_create's registration, then job_start */
  launch(): void {
    this.register();
    this.launching = true;
    try {
      this.start();
    } finally {
      this.launching = false;
    }
    // QEMU 7.2 runs the job_exit BH of a job that never yielded before the
    // command's reply goes out (the command itself runs from a main-loop BH)
    const exit = this.exitAtOnce;
    this.exitAtOnce = null;
    exit?.();
  }

  protected override scheduleExit(exit: () => void): void {
    if (this.launching) this.exitAtOnce = exit;
    else super.scheduleExit(exit);
  }

  /** blockdev_create_run */
  protected *run(): JobBody {
    this.progressSetRemaining(1);
    let ret = 0;
    try {
      this.graph.createImage(this.options);
    } catch (e) {
      // a failure before any host I/O: the coroutine never yields
      this.err = e instanceof Error ? e.message : String(e);
      ret = -EIO;
    }
    if (ret === 0) {
      // a successful create waits for the host (file-posix's thread pool)
      const k = this.env.kernel;
      yield (wake: (v: unknown) => void) => k.hostIo.submit(k.mainContext, CREATE_HOST_LATENCY_NS, () => wake(undefined), `create ${this.id}`);
    }
    this.progressUpdate(1);
    return ret;
  }
}

/** qmp_blockdev_create: the driver checks, job_create's checks, job_start. */
export function blockdevCreate(graph: BlockGraph, jobs: JobRegistry, jobId: string, options: OptionBag): CreateJob {
  const driver = String(options.driver);
  switch (createDriverSupport(driver)) {
    case 'none':
      throw QmpError.generic('Driver does not support blockdev-create');
    case 'unmodelled':
      throw QmpError.generic(`qmp-sim: blockdev-create is not modelled for driver '${driver}' (file and qcow2 are)`);
    case 'modelled':
      break;
  }
  Job.checkId(jobs.env, jobId);
  jobs.bindExit(graph.env.vm.hooks.exit);
  const job = new CreateJob(jobs.env, graph, jobId, options);
  job.launch();
  return job;
}
