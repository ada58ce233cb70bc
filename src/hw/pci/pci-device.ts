// PCIDevice (hw/pci/pci.c): a device on a PCI bus at a devfn (addr=).

import { QmpError } from '../../qapi/error.js';
import { DeviceState, type PropDef } from '../qdev/device.js';
import { PROP } from '../qdev/qdev-props.js';
import { PciBus } from './pci-bus.js';

/** DEFINE_PROP_PCI_DEVFN("addr") and friends every PCI device has. */
export const PCI_DEVICE_PROPS: readonly PropDef[] = [
  { name: 'addr', kind: { kind: 'pci-devfn' }, dflt: -1 },
  { name: 'multifunction', kind: PROP.BOOL, dflt: false },
  { name: 'romfile', kind: PROP.STR },
  { name: 'rombar', kind: PROP.UINT32, dflt: 1 },
  { name: 'x-pcie-lnksta-dllla', kind: PROP.BOOL, dflt: true },
  { name: 'failover_pair_id', kind: PROP.STR },
  { name: 'acpi-index', kind: PROP.UINT32, dflt: 0 },
];

export abstract class PciDevice extends DeviceState {
  devfn = -1;

  get pciBus(): PciBus {
    const bus = this.parentBus;
    if (!(bus instanceof PciBus)) throw QmpError.generic(`${this.typename}: not on a PCI bus`);
    return bus;
  }

  /** pci_qdev_realize: take the devfn first, then the device's own realize. */
  protected doRealize(): void {
    const bus = this.pciBus;
    this.devfn = bus.register(this, this.num('addr'));
    try {
      this.pciRealize();
    } catch (e) {
      bus.unregister(this);
      throw e;
    }
  }

  protected abstract pciRealize(): void;

  protected override doUnrealize(): void {
    this.pciUnrealize();
    this.pciBus.unregister(this);
  }

  protected pciUnrealize(): void {}
}

/** A board PCI function qmp-sim only places on the bus (i440FX, PIIX3, PIIX4_PM). */
export class PciBoardFunction extends PciDevice {
  protected pciRealize(): void {}
}
