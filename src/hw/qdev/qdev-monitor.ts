// device_add / -device and device_del (softmmu/qdev-monitor.c
// qdev_device_add_from_qdict, qmp_device_del, qdev_unplug; hw/core/qdev.c
// qdev_realize). Checks run in QEMU's order, with QEMU's texts: driver,
// bus, hotplug, id, properties (QDict order), bus address, realize.

import { QmpError } from '../../qapi/error.js';
import type { HwEnv } from '../hw-env.js';
import type { BusState } from './bus.js';
import type { DeviceState, DeviceTypeInfo } from './device.js';
import type { DeviceOpts } from './device-opts.js';
import { parsePropValue } from './qdev-props.js';
import type { QdevTree } from './qdev-tree.js';
import type { QdevLifecycle } from './qdev-unplug.js';

export interface QdevMonitorDeps {
  env: HwEnv;
  tree: QdevTree;
  lifecycle: QdevLifecycle;
  types: ReadonlyMap<string, DeviceTypeInfo>;
  aliases: Readonly<Record<string, string>>;
  /** PHASE_MACHINE_READY: -device processing is over, hotplug rules apply */
  machineReady(): boolean;
  /** hotplug_handler_plug (virtio-scsi moves a disk to its iothread) */
  plugged(dev: DeviceState): void;
}

export class QdevMonitor {
  constructor(private readonly d: QdevMonitorDeps) {}

  /** qdev_get_device_class */
  private deviceClass(driver: string): DeviceTypeInfo {
    const { types, aliases } = this.d;
    let info = types.get(driver);
    if (!info) {
      const alias = aliases[driver];
      if (alias !== undefined) {
        info = types.get(alias);
        if (!info) throw QmpError.generic(`'${driver}' (alias '${alias}') is not a valid device model name`);
      }
    }
    if (!info) throw QmpError.generic(`'${driver}' is not a valid device model name`);
    if (!info.userCreatable || (this.d.machineReady() && !info.hotpluggable)) {
      throw QmpError.generic("Parameter 'driver' expects a pluggable device type");
    }
    return info;
  }

  private findBus(info: DeviceTypeInfo, opts: DeviceOpts, driver: string): BusState | null {
    const { tree } = this.d;
    if (opts.bus !== undefined) {
      const bus = tree.findBus(opts.bus);
      if (bus.type !== info.busType) throw QmpError.generic(`Device '${driver}' can't go on ${bus.type} bus`);
      return bus;
    }
    if (info.busType === null) return null;
    const bus = tree.findBusRecursive(tree.sysbus, undefined, info.busType);
    if (!bus || bus.isFull()) throw QmpError.generic(`No '${info.busType}' bus found for device '${driver}'`);
    return bus;
  }

  /** qdev_device_add_from_qdict: the realized device, or a QmpError. */
  deviceAdd(opts: DeviceOpts): DeviceState {
    const { tree, lifecycle, env } = this.d;
    if (opts.driver === undefined) throw QmpError.generic("Parameter 'driver' is missing");
    const info = this.deviceClass(opts.driver);
    const driver = info.name;
    const bus = this.findBus(info, opts, driver);
    const ready = this.d.machineReady();
    if (ready && bus && !bus.hotpluggable) throw QmpError.generic(`Bus '${bus.name}' does not support hotplugging`);

    const dev = info.create(env);
    tree.setId(dev, opts.id);
    dev.onParented((child, name) => tree.registerChild(dev, child, name));
    try {
      for (const [key, input] of opts.props) {
        const target = dev.propTarget(key);
        if (!target) throw QmpError.generic(`Property '${dev.typename}.${key}' not found`);
        const value = parsePropValue(target.dev.typename, key, target.def.kind, input);
        target.dev.props.set(key, value);
        target.def.set?.(target.dev, value);
      }
      if (bus) {
        bus.checkAddress(dev);
        dev.parentBus = bus;
        bus.addChild(dev);
      }
      dev.hotplugged = ready;
      dev.realize();
    } catch (e) {
      lifecycle.discard(dev);
      throw e;
    }
    if (ready) for (const d of dev.subtreePostOrder()) d.reset();
    this.d.plugged(dev);
    return dev;
  }

  /** qmp_device_del */
  deviceDel(id: string): void {
    const { tree, lifecycle } = this.d;
    const dev = tree.resolve(id);
    if (dev === undefined) throw new QmpError('DeviceNotFound', `Device '${id}' not found`);
    if (dev === 'object') throw QmpError.generic(`${id} is not a hotpluggable device`);
    if (dev.pendingDeletedEvent) throw QmpError.generic(`Device ${id} is already in the process of unplug`);
    // qdev_unplug
    const bus = dev.parentBus;
    if (bus && !bus.hotpluggable) throw QmpError.generic(`Bus '${bus.name}' does not support hotplugging`);
    if (!dev.typeInfo.hotpluggable) throw QmpError.generic(`Device '${dev.typename}' does not support hotplugging`);
    const handler = bus?.hotplugHandler;
    if (!handler) throw QmpError.generic(`Device '${dev.typename}' does not support hotplugging`);
    if (handler.unplugRequest) {
      handler.unplugRequest(dev);
      return;
    }
    handler.unplug(dev);
    lifecycle.unparent(dev);
  }
}
