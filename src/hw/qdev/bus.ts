// qdev buses (hw/core/bus.c, include/hw/qdev-core.h BusState). Children
// are kept newest first (bus_add_child inserts at the head), which is the
// order qbus_find_recursive and `info qtree` walk them.

import type { DeviceState } from './device.js';

/** QOM bus type names as QEMU reports them ("Device 'x' can't go on PCI bus"). */
export type BusTypeName = 'System' | 'PCI' | 'IDE' | 'SCSI' | 'virtio-bus';

/** HotplugHandler (hw/core/hotplug.c). No unplugRequest: unplug is synchronous. */
export interface HotplugHandler {
  /** hotplug_handler_unplug_request: ask the guest; completes later */
  unplugRequest?(dev: DeviceState): void;
  /** hotplug_handler_unplug: detach the device now (it is unparented after) */
  unplug(dev: DeviceState): void;
}

export class BusState {
  /** newest first */
  readonly children: DeviceState[] = [];
  hotplugHandler: HotplugHandler | null = null;

  constructor(
    readonly name: string,
    readonly type: BusTypeName,
    readonly parent: DeviceState | null,
    /** BusClass max_dev (0: unlimited) */
    readonly maxDev = 0,
  ) {}

  /** qbus_is_hotpluggable */
  get hotpluggable(): boolean {
    return this.hotplugHandler !== null;
  }

  /** qbus_is_full */
  isFull(): boolean {
    return this.maxDev > 0 && this.children.length >= this.maxDev;
  }

  /** BusClass check_address, run before the device realizes (qdev_set_parent_bus). */
  checkAddress(_dev: DeviceState): void {}

  addChild(dev: DeviceState): void {
    this.children.unshift(dev);
  }

  removeChild(dev: DeviceState): void {
    const i = this.children.indexOf(dev);
    if (i >= 0) this.children.splice(i, 1);
  }
}
