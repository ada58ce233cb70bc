// A PCI bus (hw/pci/pci.c do_pci_register_device): 32 slots × 8 functions
// by devfn. A device without addr= takes the first free slot (function 0).

import { QmpError } from '../../qapi/error.js';
import { BusState } from '../qdev/bus.js';
import type { DeviceState } from '../qdev/device.js';

export const PCI_DEVFN_MAX = 256;
export const PCI_FUNC_MAX = 8;

export function pciSlot(devfn: number): number {
  return devfn >> 3;
}

export function pciFunc(devfn: number): number {
  return devfn & 7;
}

export class PciBus extends BusState {
  private readonly devices: (DeviceState | null)[] = new Array(PCI_DEVFN_MAX).fill(null);

  constructor(name: string, parent: DeviceState | null) {
    super(name, 'PCI', parent);
  }

  /** do_pci_register_device's devfn choice; returns the devfn taken. */
  register(dev: DeviceState, devfn: number): number {
    if (devfn < 0) {
      for (let d = 0; d < PCI_DEVFN_MAX; d += PCI_FUNC_MAX) {
        if (!this.devices[d]) {
          this.devices[d] = dev;
          return d;
        }
      }
      throw QmpError.generic(`PCI: no slot/function available for ${dev.typename}, all in use or reserved`);
    }
    const cur = this.devices[devfn];
    if (cur) {
      throw QmpError.generic(
        `PCI: slot ${pciSlot(devfn)} function ${pciFunc(devfn)} not available for ${dev.typename}, in use by ${cur.typename},id=${cur.id ?? '(null)'}`,
      );
    }
    this.devices[devfn] = dev;
    return devfn;
  }

  unregister(dev: DeviceState): void {
    const i = this.devices.indexOf(dev);
    if (i >= 0) this.devices[i] = null;
  }

  /** Devices in one slot, function order. */
  slotDevices(slot: number): DeviceState[] {
    const out: DeviceState[] = [];
    for (let f = 0; f < PCI_FUNC_MAX; f++) {
      const d = this.devices[slot * PCI_FUNC_MAX + f];
      if (d) out.push(d);
    }
    return out;
  }
}
