// A transactional group of jobs (job.c JobTxn): they finalize together, and
// one failure aborts them all. A job started alone gets a txn of its own.

import type { Job } from './job.js';

export class JobTxn {
  /** being cancelled (job_completed_txn_abort is running) */
  aborting = false;
  /** member jobs, newest first (QLIST_INSERT_HEAD) */
  readonly jobs: Job[] = [];

  add(job: Job): void {
    if (job.txn) throw new Error(`job '${job.id}' is already in a transaction`);
    job.txn = this;
    this.jobs.unshift(job);
  }

  remove(job: Job): void {
    if (job.txn !== this) return;
    const i = this.jobs.indexOf(job);
    if (i >= 0) this.jobs.splice(i, 1);
    job.txn = null;
  }
}
