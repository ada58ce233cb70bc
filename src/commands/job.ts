// qapi/job.json adapters (job-qmp.c): jobs by id, verbs, query-jobs.

import { QmpError } from '../qapi/error.js';
import type { Job } from '../jobs/job.js';
import type { CommandContext, CommandDef } from './registry.js';

/** find_job: GenericError "Job not found" */
function findJob(ctx: CommandContext, id: string): Job {
  const job = ctx.machine.jobs.get(id);
  if (!job) throw QmpError.generic('Job not found');
  return job;
}

export const jobCommands: CommandDef[] = [
  { name: 'query-jobs', run: (_a, ctx) => ctx.machine.jobs.queryJobs() },
  { name: 'job-pause', run: (a: { id: string }, ctx) => (findJob(ctx, a.id).userPause(), {}) },
  { name: 'job-resume', run: (a: { id: string }, ctx) => (findJob(ctx, a.id).userResume(), {}) },
  // job-cancel is always a forced cancel
  { name: 'job-cancel', run: (a: { id: string }, ctx) => (findJob(ctx, a.id).userCancel(true), {}) },
  { name: 'job-complete', run: (a: { id: string }, ctx) => (findJob(ctx, a.id).userComplete(), {}) },
  { name: 'job-finalize', run: (a: { id: string }, ctx) => (findJob(ctx, a.id).userFinalize(), {}) },
  { name: 'job-dismiss', run: (a: { id: string }, ctx) => (findJob(ctx, a.id).userDismiss(), {}) },
];
