// What the device models need from their machine: the sim kernel (threads,
// contexts, time), the run-state model (change-state handlers, vm_stop),
// the event bus, the block graph and a log sink.

import type { SimKernel } from '../sim/kernel.js';
import type { VmRunState } from '../system/vm-runstate.js';
import type { EventBus } from '../system/qapi-event.js';
import type { HwBlockGraph } from './block/block-graph-port.js';

export interface HwEnv {
  readonly kernel: SimKernel;
  readonly vm: VmRunState;
  readonly events: EventBus;
  readonly block: HwBlockGraph;
  log(msg: string): void;
  /** softmmu/balloon.c: the one registered balloon device, if any */
  readonly balloon: { device: unknown | null };
  /** qbus automatic naming: "<base>.<n>", n counting per bus type (hw/core/bus.c) */
  autoBusName(base: string): string;
}
