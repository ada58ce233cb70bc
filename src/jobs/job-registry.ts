// One machine's job list (job.c `jobs`, newest first), query-jobs and
// query-block-jobs, and the run-state hook `cont` uses (qmp_cont resets the
// iostatus of every block job).

import type { EventBus } from '../system/qapi-event.js';
import type { SimKernel } from '../sim/kernel.js';
import type { Job, JobEnv } from './job.js';
import { BlockJob } from './block-job.js';

export interface ExitHook {
  add(fn: (status: number) => void): unknown;
}

export class JobRegistry {
  private readonly list: Job[] = [];
  readonly env: JobEnv;

  private exitBound = false;

  constructor(deps: {
    kernel: SimKernel;
    events: EventBus;
    log: (msg: string) => void;
    iostatusResetHook?: { add(fn: () => void): unknown };
    /** the run state's exit hook (qemu_cleanup), for job_cancel_sync_all */
    exitHook?: ExitHook;
  }) {
    this.env = { kernel: deps.kernel, events: deps.events, log: deps.log, registry: this };
    deps.iostatusResetHook?.add(() => {
      for (const j of this.blockJobs()) j.iostatusResetOnCont();
    });
    if (deps.exitHook) this.bindExit(deps.exitHook);
  }

  /** Cancel every job when the main loop exits (idempotent; job creators call it too). */
  bindExit(hook: ExitHook): void {
    if (this.exitBound) return;
    this.exitBound = true;
    hook.add(() => this.cancelSyncAll());
  }

  /** job_cancel_sync_all (qemu_cleanup): force-cancel until the list is empty */
  cancelSyncAll(): void {
    for (let guard = 0; this.list.length > 0 && guard < 10_000; guard++) {
      const job = this.list[0];
      try {
        job.cancelSync(true);
      } catch (e) {
        this.env.log(`job '${job.id}': cancel at exit: ${(e as Error)?.stack ?? String(e)}`);
        this.remove(job);
      }
    }
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
