// qapi/block-core.json block-job-* adapters (blockdev.c): block jobs by id
// (DeviceNotActive when absent), verbs, set-speed, query-block-jobs.

import { QmpError } from '../qapi/error.js';
import type { BlockJob } from '../jobs/block-job.js';
import type { CommandContext, CommandDef } from './registry.js';

/** find_block_job */
function findBlockJob(ctx: CommandContext, id: string): BlockJob {
  const job = ctx.machine.jobs.blockJob(id);
  if (!job) throw new QmpError('DeviceNotActive', `Block job '${id}' not found`);
  return job;
}

export const blockJobCommands: CommandDef[] = [
  { name: 'query-block-jobs', run: (_a, ctx) => ctx.machine.jobs.queryBlockJobs() },
  { name: 'block-job-set-speed', run: (a: { device: string; speed: number }, ctx) => (findBlockJob(ctx, a.device).setSpeed(a.speed), {}) },
  {
    name: 'block-job-cancel',
    run: (a: { device: string; force?: boolean }, ctx) => {
      const job = findBlockJob(ctx, a.device);
      const force = a.force ?? false;
      if (job.userPaused && !force) throw QmpError.generic(`The block job for device '${a.device}' is currently paused`);
      job.userCancel(force);
      return {};
    },
  },
  { name: 'block-job-pause', run: (a: { device: string }, ctx) => (findBlockJob(ctx, a.device).userPause(), {}) },
  { name: 'block-job-resume', run: (a: { device: string }, ctx) => (findBlockJob(ctx, a.device).userResume(), {}) },
  { name: 'block-job-complete', run: (a: { device: string }, ctx) => (findBlockJob(ctx, a.device).userComplete(), {}) },
  { name: 'block-job-finalize', run: (a: { id: string }, ctx) => (findBlockJob(ctx, a.id).userFinalize(), {}) },
  { name: 'block-job-dismiss', run: (a: { id: string }, ctx) => (findBlockJob(ctx, a.id).userDismiss(), {}) },
];
