// Taking a device out (hw/core/qdev.c device_unparent / device_finalize,
// softmmu/qdev-monitor.c qdev_unplug): unrealize now, drop it from the tree
// now (its id is free again), and finalize after an RCU grace period:
// properties release (the drive detaches, a -drive BlockBackend marked
// auto-del goes away) and DEVICE_DELETED goes out for every device of the
// subtree that was realized, inner devices first. So the event follows the
// command's reply.

import type { HwEnv } from '../hw-env.js';
import type { DeviceState } from './device.js';
import type { QdevTree } from './qdev-tree.js';

/** call_rcu's batching delay (util/rcu.c sleeps 10 ms between rounds). */
export const RCU_DELAY_NS = 10_000_000;

export class QdevLifecycle {
  constructor(
    private readonly env: HwEnv,
    private readonly tree: QdevTree,
  ) {}

  /** object_unparent: unrealize, leave the tree, finalize later. */
  unparent(dev: DeviceState): void {
    dev.unrealize();
    this.tree.unparent(dev);
    this.callRcu(() => this.finalize(dev), `finalize ${dev.qdevId()}`);
  }

  /** object_unparent of a device that never realized (failed device_add): at once, no event. */
  discard(dev: DeviceState): void {
    this.tree.unparent(dev);
    dev.finalize();
  }

  private finalize(dev: DeviceState): void {
    const deleted = [...dev.subtreePostOrder()].filter((d) => d.pendingDeletedEvent);
    dev.finalize();
    for (const d of deleted) {
      d.pendingDeletedEvent = false;
      this.env.events.emit('DEVICE_DELETED', { ...(d.id !== undefined ? { device: d.id } : {}), path: d.canonicalPath });
    }
  }

  /** call_rcu: run fn on the main loop after a grace period. */
  callRcu(fn: () => void, name: string): void {
    const t = this.env.kernel.mainContext.timerNew(() => {
      t.del();
      fn();
    }, `call_rcu ${name}`);
    t.modIn(RCU_DELAY_NS);
  }
}
