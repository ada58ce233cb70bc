// ACPI PCI hotplug of the pc machine's PIIX4 PM (hw/acpi/pcihp.c): an
// unplug request marks the slot "down" and raises a GPE; nothing more
// happens until the guest's ACPI code ejects the slot. Without a guest OS
// that never comes. A system reset executes pending removals
// (acpi_pcihp_update: "Execute any pending removes during reset").

import type { HotplugHandler } from '../qdev/bus.js';
import type { DeviceState } from '../qdev/device.js';
import type { QdevLifecycle } from '../qdev/qdev-unplug.js';
import type { PciBus } from './pci-bus.js';
import { pciSlot } from './pci-bus.js';

export interface AcpiGuestNotify {
  /** the GPE for a pending eject of `slot` reached the guest */
  pciEjectRequested(slot: number, eject: () => void): void;
}

export class AcpiPciHotplug implements HotplugHandler {
  private readonly down = new Set<number>();

  constructor(
    private readonly bus: PciBus,
    private readonly lifecycle: QdevLifecycle,
    private readonly guest: AcpiGuestNotify,
  ) {}

  /** acpi_pcihp_device_unplug_request_cb */
  unplugRequest(dev: DeviceState): void {
    const slot = pciSlot((dev as DeviceState & { devfn: number }).devfn);
    dev.pendingDeletedEvent = true;
    this.down.add(slot);
    this.guest.pciEjectRequested(slot, () => this.ejectSlot(slot));
  }

  /** acpi_pcihp_device_unplug_cb */
  unplug(dev: DeviceState): void {
    dev.unrealize();
  }

  /** acpi_pcihp_eject_slot: the guest wrote the slot to the eject register. */
  ejectSlot(slot: number): void {
    if (!this.down.delete(slot)) return;
    for (const dev of this.bus.slotDevices(slot)) {
      if (!dev.typeInfo.hotpluggable) continue;
      this.lifecycle.unparent(dev);
    }
  }

  /** acpi_pcihp_reset */
  reset(): void {
    for (const slot of [...this.down]) this.ejectSlot(slot);
  }

  pendingSlots(): number[] {
    return [...this.down];
  }
}
