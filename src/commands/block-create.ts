// blockdev-create (qapi/block-core.json, block/create.c): a job of type
// 'create' runs the driver's create; src/jobs/create/ does the work.

import { blockdevCreate } from '../jobs/create-job.js';
import type { OptionBag } from '../block/drivers/options.js';
import type { CommandDef } from './registry.js';

export const blockCreateCommands: CommandDef[] = [
  {
    name: 'blockdev-create',
    run: (a: { 'job-id': string; options: OptionBag }, ctx) => (blockdevCreate(ctx.machine.block, ctx.machine.jobs, a['job-id'], a.options), {}),
  },
];
