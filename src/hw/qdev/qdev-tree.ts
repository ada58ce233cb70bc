// The machine's qdev tree and the QOM paths of its devices (hw/core/qdev.c,
// qom/object.c, softmmu/qdev-monitor.c): /machine/peripheral/<id> for
// devices with an id, /machine/peripheral-anon/device[N] for the others
// added by the user, /machine/unattached/device[N] for the board's own.
// Bus lookup by path (qbus_find) and by type (qbus_find_recursive).

import { QmpError } from '../../qapi/error.js';
import { BusState, type BusTypeName } from './bus.js';
import type { DeviceState } from './device.js';

const CONTAINERS = ['/machine', '/machine/peripheral', '/machine/peripheral-anon', '/machine/unattached'];

export class QdevTree {
  /** main-system-bus */
  readonly sysbus = new BusState('main-system-bus', 'System', null);
  /** devices by id (/machine/peripheral) */
  readonly peripheral = new Map<string, DeviceState>();
  /** every parented device by QOM path */
  private readonly byPath = new Map<string, DeviceState>();
  private anonCount = 0;

  constructor(private unattachedCount = 0) {}

  /** qdev_set_id: register under /machine/peripheral or /machine/peripheral-anon. */
  setId(dev: DeviceState, id: string | undefined): void {
    if (id !== undefined) {
      if (this.peripheral.has(id)) throw QmpError.generic(`Duplicate device ID '${id}'`);
      dev.id = id;
      this.peripheral.set(id, dev);
      this.register(dev, `/machine/peripheral/${id}`);
    } else {
      this.register(dev, `/machine/peripheral-anon/device[${this.anonCount++}]`);
    }
  }

  /** A board device (qdev_new without a parent): /machine/unattached/device[N]. */
  setUnattached(dev: DeviceState): void {
    this.register(dev, `/machine/unattached/device[${this.unattachedCount++}]`);
  }

  /** Continue /machine/unattached numbering at n (board objects qmp-sim does not model). */
  setUnattachedCount(n: number): void {
    this.unattachedCount = n;
  }

  /** A named board object (/machine/i440fx...). */
  setPath(dev: DeviceState, path: string): void {
    this.register(dev, path);
  }

  /** An inner device (child<> property of its parent object, e.g. virtio-backend). */
  registerChild(parent: DeviceState, dev: DeviceState, name: string): void {
    this.register(dev, `${parent.canonicalPath}/${name}`);
  }

  private register(dev: DeviceState, path: string): void {
    dev.canonicalPath = path;
    this.byPath.set(path, dev);
  }

  /** object_unparent: forget the device (and its id). */
  unparent(dev: DeviceState): void {
    for (const d of dev.subtreePostOrder()) {
      if (this.byPath.get(d.canonicalPath) === d) this.byPath.delete(d.canonicalPath);
      if (d.id !== undefined && this.peripheral.get(d.id) === d) this.peripheral.delete(d.id);
    }
    dev.parentBus?.removeChild(dev);
  }

  /**
   * object_resolve_path_at(/machine/peripheral, path): a device, 'object'
   * for a container that is not a device, or undefined.
   */
  resolve(path: string): DeviceState | 'object' | undefined {
    const abs = path.startsWith('/') ? path : `/machine/peripheral/${path}`;
    const norm = '/' + abs.split('/').filter((p) => p !== '').join('/');
    const dev = this.byPath.get(norm);
    if (dev) return dev;
    if (norm === '/' || CONTAINERS.includes(norm)) return 'object';
    return undefined;
  }

  /** All realized devices, parents before children (qtree order). */
  *devices(bus: BusState = this.sysbus): Generator<DeviceState> {
    for (const dev of bus.children) {
      yield dev;
      for (const child of dev.childBuses) yield* this.devices(child);
    }
  }

  /** qbus_find_recursive: by name, or by bus type; prefers a bus that is not full. */
  findBusRecursive(bus: BusState, name: string | undefined, type: BusTypeName | undefined): BusState | undefined {
    const match = name !== undefined ? bus.name === name : bus.type === type;
    if (match && !bus.isFull()) return bus;
    let pick = match ? bus : undefined;
    for (const dev of bus.children) {
      for (const child of dev.childBuses) {
        const ret = this.findBusRecursive(child, name, type);
        if (ret && !ret.isFull()) return ret;
        if (ret && !pick) pick = ret;
      }
    }
    return pick;
  }

  /** qbus_find: "bus", "bus/dev/bus...", or an absolute "/dev/bus..." path. */
  findBus(path: string): BusState {
    const parts = path.split('/');
    let bus: BusState;
    let i: number;
    if (path.startsWith('/')) {
      bus = this.sysbus;
      i = 1;
    } else {
      const found = this.findBusRecursive(this.sysbus, parts[0], undefined);
      if (!found) throw QmpError.generic(`Bus '${parts[0]}' not found`);
      bus = found;
      i = 1;
    }
    for (;;) {
      while (i < parts.length && parts[i] === '') i++;
      if (i >= parts.length) break;
      const elem = parts[i++];
      const dev = findDev(bus, elem);
      if (!dev) throw new QmpError('DeviceNotFound', `Device '${elem}' not found`);
      while (i < parts.length && parts[i] === '') i++;
      if (i >= parts.length) {
        if (dev.childBuses.length === 1) {
          bus = dev.childBuses[0];
          break;
        }
        if (dev.childBuses.length > 1) throw QmpError.generic(`Device '${elem}' has multiple child buses`);
        throw QmpError.generic(`Device '${elem}' has no child bus`);
      }
      const busName = parts[i++];
      const child = dev.childBuses.find((b) => b.name === busName);
      if (!child) throw QmpError.generic(`Bus '${busName}' not found`);
      bus = child;
    }
    if (bus.isFull()) throw QmpError.generic(`Bus '${path}' is full`);
    return bus;
  }
}

/** qbus_find_dev: by id, then by type name. */
function findDev(bus: BusState, elem: string): DeviceState | undefined {
  return bus.children.find((d) => d.id === elem) ?? bus.children.find((d) => d.typename === elem);
}
