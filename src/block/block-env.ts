// What the block layer needs from its machine: the sim kernel (contexts,
// host I/O, waits), the run-state model (error actions stop the VM), the
// event bus, the image directory policy and a log sink.

import type { SimKernel } from '../sim/kernel.js';
import type { VmRunState } from '../system/vm-runstate.js';
import type { EventBus } from '../system/qapi-event.js';
import type { ImageDirPolicy } from './image-dir.js';

export interface BlockEnv {
  readonly kernel: SimKernel;
  readonly vm: VmRunState;
  readonly events: EventBus;
  readonly policy: ImageDirPolicy;
  log(msg: string): void;
  /** warn_report() lines (QEMU prints them on stderr) */
  warn(msg: string): void;
}
