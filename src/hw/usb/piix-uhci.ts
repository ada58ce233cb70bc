// piix3-usb-uhci (hw/usb/hcd-uhci.c): the USB controller libvirt gives a pc
// domain by default. qmp-sim places it on the PCI bus; no USB devices are
// modelled behind it.

import { PROP } from '../qdev/qdev-props.js';
import type { PropDef } from '../qdev/device.js';
import { PCI_DEVICE_PROPS, PciDevice } from '../pci/pci-device.js';

export const UHCI_PROPS: readonly PropDef[] = [
  ...PCI_DEVICE_PROPS,
  { name: 'masterbus', kind: PROP.STR },
  { name: 'firstport', kind: PROP.UINT32, dflt: 0 },
  { name: 'bandwidth', kind: PROP.UINT32, dflt: 1280 },
  { name: 'maxframes', kind: PROP.UINT32, dflt: 128 },
];

export class PiixUhci extends PciDevice {
  protected pciRealize(): void {}
}
