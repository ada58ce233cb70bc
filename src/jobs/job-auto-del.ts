// blockdev.c blockdev_mark_auto_del: when a device with a -drive goes away,
// every block job that holds the drive's root node is cancelled (soft: a
// READY mirror completes without pivoting; before READY it is a force cancel).

import type { BlockNode } from '../block/block-node.js';
import { BlockJob } from './block-job.js';

/** The block jobs with an edge on node (block_job_has_bdrv), oldest edge first. */
export function blockJobsOn(node: BlockNode): BlockJob[] {
  const jobs: BlockJob[] = [];
  for (const p of node.parents) {
    const job = (p as { blockJob?: unknown }).blockJob;
    if (p.kind === 'job' && job instanceof BlockJob && !jobs.includes(job)) jobs.push(job);
  }
  return jobs;
}

/** The job half of blockdev_mark_auto_del (job_cancel_locked(job, false)). */
export function cancelJobsOnAutoDel(root: BlockNode | null): void {
  if (!root) return;
  for (const job of blockJobsOn(root)) {
    if (job.status !== 'null') job.cancel(false);
  }
}
