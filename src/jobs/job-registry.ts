// One machine's job list (job.c `jobs`, newest first), query-jobs and
// query-block-jobs, and the run-state hook `cont` uses (qmp_cont resets the
// iostatus of every block job).

import type { EventBus } from '../system/qapi-event.js';
import type { SimKernel } from '../sim/kernel.js';
import type { Job, JobEnv } from './job.js';
import { BlockJob } from './block-job.js';

export class JobRegistry {
  private readonly list: Job[] = [];
  readonly env: JobEnv;

  constructor(deps: { kernel: SimKernel; events: EventBus; log: (msg: string) => void; iostatusResetHook?: { add(fn: () => void): unknown } }) {
    this.env = { kernel: deps.kernel, events: deps.events, log: deps.log, registry: this };
    deps.iostatusResetHook?.add(() => {
      for (const j of this.blockJobs()) j.iostatusResetOnCont();
    });
  }

  add(job: Job): void {
    this.list.unshift(job);
  }

  remove(job: Job): void {
    const i = this.list.indexOf(job);
    if (i >= 0) this.list.splice(i, 1);
  }

  /** job_get */
  get(id: string): Job | undefined {
    return this.list.find((j) => j.id === id);
  }

  /** block_job_get */
  blockJob(id: string): BlockJob | undefined {
    const j = this.get(id);
    return j instanceof BlockJob ? j : undefined;
  }

  all(): Job[] {
    return [...this.list];
  }

  blockJobs(): BlockJob[] {
    return this.list.filter((j): j is BlockJob => j instanceof BlockJob);
  }

  /** qmp_query_jobs */
  queryJobs(): Record<string, unknown>[] {
    return this.list.filter((j) => !j.internal).map((j) => j.jobInfo());
  }

  /** qmp_query_block_jobs */
  queryBlockJobs(): Record<string, unknown>[] {
    return this.blockJobs().filter((j) => !j.internal).map((j) => j.blockJobInfo());
  }
}
