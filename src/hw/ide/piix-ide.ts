// piix3-ide (hw/ide/piix.c, hw/ide/pci.c): the pc machine's IDE function
// at 00:01.1 with two channels, ide.0 and ide.1, each with a bus-master DMA
// engine (BMDMA) whose restart_dma makes the channel register its restart
// change-state handler. Not hotpluggable, and neither are its buses.

import { IdeBus } from './ide-bus.js';
import { PciDevice } from '../pci/pci-device.js';

export class PiixIde extends PciDevice {
  readonly channels: IdeBus[] = [];

  /** pci_piix_ide_realize: buses ide.0 then ide.1 (listed newest first). */
  protected pciRealize(): void {
    for (let i = 0; i < 2; i++) {
      const bus = new IdeBus(`ide.${i}`, this, this.env, i);
      this.channels.push(bus);
      this.childBuses.unshift(bus);
      bus.registerRestartCb();
    }
  }

  /** piix_ide_reset: both channels (ide_bus_reset, bmdma_reset). */
  override reset(): void {
    for (const bus of this.channels) bus.resetBus();
  }
}
