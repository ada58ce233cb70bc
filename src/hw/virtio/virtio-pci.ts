// VirtIOPCIProxy (hw/virtio/virtio-pci.c): the PCI function of a virtio
// device. It owns the real device ("virtio-backend", on its "virtio-bus",
// which cannot hotplug) and aliases the backend's properties, so
// `-device virtio-blk-pci,drive=x` sets virtio-blk-device.drive.

import { BusState } from '../qdev/bus.js';
import type { DeviceState, DeviceTypeInfo, PropDef } from '../qdev/device.js';
import { PROP, enumProp } from '../qdev/qdev-props.js';
import type { HwEnv } from '../hw-env.js';
import { PCI_DEVICE_PROPS, PciDevice } from '../pci/pci-device.js';
import type { VirtioDevice } from './virtio-device.js';

/** virtio_pci_properties + the virtio-blk/-scsi PCI wrappers' own. */
export const VIRTIO_PCI_PROPS: readonly PropDef[] = [
  ...PCI_DEVICE_PROPS,
  { name: 'ioeventfd', kind: PROP.BOOL, dflt: true },
  { name: 'vectors', kind: PROP.UINT32, dflt: 0xffffffff },
  { name: 'class', kind: PROP.UINT32, dflt: 0 },
  { name: 'disable-legacy', kind: enumProp(['on', 'off', 'auto']), dflt: 'auto' },
  { name: 'disable-modern', kind: PROP.BOOL, dflt: false },
  { name: 'migrate-extra', kind: PROP.BOOL, dflt: true },
  { name: 'modern-pio-notify', kind: PROP.BOOL, dflt: false },
  { name: 'x-disable-pcie', kind: PROP.BOOL, dflt: false },
  { name: 'page-per-vq', kind: PROP.BOOL, dflt: false },
  { name: 'ats', kind: PROP.BOOL, dflt: false },
];

export class VirtioPciProxy extends PciDevice {
  readonly vbus: BusState;
  readonly vdev: VirtioDevice;

  constructor(typeInfo: DeviceTypeInfo, env: HwEnv) {
    super(typeInfo, env);
    this.vbus = new BusState('virtio-bus', 'virtio-bus', this, 1); // VirtioBusClass max_dev 1
    this.childBuses.unshift(this.vbus);
    this.vdev = typeInfo.aliasOf!.create(env) as VirtioDevice;
  }

  override aliasedChild(): DeviceState {
    return this.vdev;
  }

  override onParented(registerChild: (child: DeviceState, name: string) => void): void {
    registerChild(this.vdev, 'virtio-backend');
  }

  /** The backend is our QOM child even when it never made it onto the bus. */
  override finalize(): void {
    super.finalize();
    this.vdev.finalize();
  }

  /** virtio_pci_realize → the backend realizes on our virtio-bus. */
  protected pciRealize(): void {
    this.vdev.parentBus = this.vbus;
    this.vbus.addChild(this.vdev);
    try {
      this.vdev.realize();
    } catch (e) {
      this.vbus.removeChild(this.vdev);
      this.vdev.parentBus = null;
      throw e;
    }
  }
}
