// drive-mirror and blockdev-mirror (blockdev.c): validated arguments in, the
// mirror starter (src/jobs/mirror/mirror-start.ts) does the work.

import { blockdevMirror, driveMirror, type BlockdevMirrorArgs, type DriveMirrorArgs } from '../jobs/mirror/mirror-start.js';
import type { CommandDef } from './registry.js';

export const mirrorCommands: CommandDef[] = [
  { name: 'drive-mirror', run: (a: DriveMirrorArgs, ctx) => (driveMirror(ctx.machine.block, ctx.machine.jobs, a), {}) },
  { name: 'blockdev-mirror', run: (a: BlockdevMirrorArgs, ctx) => (blockdevMirror(ctx.machine.block, ctx.machine.jobs, a), {}) },
];
