// DeviceState (hw/core/qdev.c): a device of the qdev tree with its id, QOM
// path, parent bus, child buses, properties and realize/unrealize life
// cycle. Device models subclass it; their type is described by a
// DeviceTypeInfo (the DeviceClass: bus type, hotplug flags, properties).

import type { BlockDevice } from '../../block/block-backend.js';
import type { VmChangeStateHandler } from '../../system/vm-change-state.js';
import type { HwEnv } from '../hw-env.js';
import type { BusState, BusTypeName } from './bus.js';
import type { PropKind, PropValue } from './qdev-props.js';

export interface PropDef {
  readonly name: string;
  readonly kind: PropKind;
  readonly dflt?: PropValue;
  /** side effect when set (qdev property setters: drive attaches the BB) */
  readonly set?: (dev: DeviceState, value: PropValue) => void;
}

export interface DeviceTypeInfo {
  /** QOM type name */
  readonly name: string;
  /** DeviceClass bus_type (null: no bus, e.g. the board's own) */
  readonly busType: BusTypeName | null;
  readonly userCreatable: boolean;
  readonly hotpluggable: boolean;
  readonly props: readonly PropDef[];
  /** property aliases forwarded to an inner device (virtio-*-pci → its vdev) */
  readonly aliasOf?: DeviceTypeInfo;
  create(env: HwEnv): DeviceState;
}

export abstract class DeviceState implements BlockDevice {
  id: string | undefined;
  /** QOM canonical path, set when the device is parented */
  canonicalPath = '';
  parentBus: BusState | null = null;
  /** newest first (qbus_init inserts at the head) */
  readonly childBuses: BusState[] = [];
  realized = false;
  hotplugged = false;
  /** DEVICE_DELETED is due when the object goes (set by unrealize / unplug requests) */
  pendingDeletedEvent = false;
  readonly props = new Map<string, PropValue>();
  private readonly releases: (() => void)[] = [];
  private readonly vmEntries: { remove(): void }[] = [];

  constructor(
    readonly typeInfo: DeviceTypeInfo,
    readonly env: HwEnv,
  ) {
    for (const p of typeInfo.props) if (p.dflt !== undefined) this.props.set(p.name, p.dflt);
  }

  get typename(): string {
    return this.typeInfo.name;
  }

  /** blk_get_attached_dev_id: the id, else the QOM path */
  qdevId(): string {
    return this.id ?? this.canonicalPath;
  }

  /** The device whose property `name` this is (itself, or an aliased inner device). */
  propTarget(name: string): { dev: DeviceState; def: PropDef } | undefined {
    const own = this.typeInfo.props.find((p) => p.name === name);
    if (own) return { dev: this, def: own };
    const inner = this.aliasedChild();
    if (inner) return inner.propTarget(name);
    return undefined;
  }

  /** The device got its QOM path (qdev_set_id): inner objects take theirs. */
  onParented(_registerChild: (child: DeviceState, name: string) => void): void {}

  /** The inner device virtio proxies forward their aliased properties to. */
  aliasedChild(): DeviceState | undefined {
    return undefined;
  }

  str(name: string): string | undefined {
    const v = this.props.get(name);
    return typeof v === 'string' ? v : undefined;
  }

  num(name: string): number {
    const v = this.props.get(name);
    return typeof v === 'number' ? v : 0;
  }

  bool(name: string): boolean {
    return this.props.get(name) === true;
  }

  /** qdev_get_dev_tree_depth (hw/core/vm-change-state-handler.c) */
  treeDepth(): number {
    let depth = 0;
    for (let dev: DeviceState | null = this; dev; depth++) {
      if (!dev.parentBus) break;
      dev = dev.parentBus.parent;
    }
    return depth;
  }

  /** qdev_add_vm_change_state_handler: priority = tree depth; removed at unrealize. */
  addVmChangeStateHandler(cb: VmChangeStateHandler, name: string): void {
    this.vmEntries.push(this.env.vm.addChangeStateHandler(cb, this.treeDepth(), name));
  }

  /** qemu_add_vm_change_state_handler (priority 0); removed at unrealize. */
  addVmChangeStateHandlerPrio0(cb: VmChangeStateHandler, name: string): void {
    this.vmEntries.push(this.env.vm.addChangeStateHandler(cb, 0, name));
  }

  /** Something the device's properties hold, undone when it is finalized (property release). */
  onRelease(fn: () => void): void {
    this.releases.push(fn);
  }

  /** Device-specific realize; throws QmpError with QEMU's text. */
  protected abstract doRealize(): void;

  /** Device-specific unrealize. */
  protected doUnrealize(): void {}

  /** The device's reset (device_class_set_legacy_reset / resettable). */
  reset(): void {}

  /** device_set_realized(true), from qdev_realize after the bus is set. */
  realize(): void {
    this.doRealize();
    this.realized = true;
    this.pendingDeletedEvent = false;
  }

  /** device_set_realized(false): child buses' devices first. */
  unrealize(): void {
    if (!this.realized) return;
    this.realized = false;
    for (const bus of this.childBuses) for (const child of [...bus.children]) child.unrealize();
    for (const e of this.vmEntries.splice(0)) e.remove();
    this.doUnrealize();
    this.pendingDeletedEvent = true;
  }

  /** Instance finalize: release properties (drive detach) of this device and its children. */
  finalize(): void {
    for (const bus of this.childBuses) for (const child of [...bus.children]) child.finalize();
    for (const fn of this.releases.splice(0).reverse()) fn();
  }

  /** Devices on the child buses, depth first, children before their parents. */
  *subtreePostOrder(): Generator<DeviceState> {
    for (const bus of this.childBuses) for (const child of bus.children) yield* child.subtreePostOrder();
    yield this;
  }
}
