// The i440FX/PIIX board of -machine pc (hw/i386/pc_piix.c) as far as the
// disks need it: the host bridge on main-system-bus with pci.0, the
// functions at 00.0 (i440FX), 01.0 (PIIX3), 01.1 (piix3-ide: ide.0, ide.1)
// and 01.3 (PIIX4_PM, whose ACPI PCI hotplug serves pci.0).

import { DEVICE_TYPES } from '../device-models.js';
import type { HwEnv } from '../hw-env.js';
import type { PiixIde } from '../ide/piix-ide.js';
import { AcpiPciHotplug, type AcpiGuestNotify } from '../pci/acpi-pcihp.js';
import { PciBus } from '../pci/pci-bus.js';
import { DeviceState, type DeviceTypeInfo } from '../qdev/device.js';
import type { QdevTree } from '../qdev/qdev-tree.js';
import type { QdevLifecycle } from '../qdev/qdev-unplug.js';

class HostBridge extends DeviceState {
  protected doRealize(): void {}
}

const HOST_BRIDGE: DeviceTypeInfo = {
  name: 'i440FX-pcihost',
  busType: 'System',
  userCreatable: false,
  hotpluggable: false,
  props: [],
  create: (env) => new HostBridge(HOST_BRIDGE, env),
};

/** QOM objects QEMU's pc_init creates under /machine/unattached before the first -drive if=ide device. */
export const UNATTACHED_BEFORE_IDE_DRIVES = { nodefaults: 18, defaults: 23 } as const;

export interface PcBoard {
  pci: PciBus;
  ide: PiixIde;
  pcihp: AcpiPciHotplug;
}

function realizeOn(tree: QdevTree, dev: DeviceState, bus: PciBus | QdevTree['sysbus'], addr?: number): void {
  if (addr !== undefined) dev.props.set('addr', addr);
  dev.parentBus = bus;
  bus.addChild(dev);
  dev.realize();
  if (!dev.canonicalPath) tree.setUnattached(dev);
}

export function createPcBoard(env: HwEnv, tree: QdevTree, lifecycle: QdevLifecycle, guest: AcpiGuestNotify): PcBoard {
  const host = HOST_BRIDGE.create(env);
  tree.setPath(host, '/machine/i440fx');
  const pci = new PciBus('pci.0', host);
  host.childBuses.unshift(pci);
  realizeOn(tree, host, tree.sysbus);
  const fn = (name: string, addr: number, path?: string): DeviceState => {
    const dev = DEVICE_TYPES.get(name)!.create(env);
    if (path) tree.setPath(dev, path);
    realizeOn(tree, dev, pci, addr);
    return dev;
  };
  fn('i440FX', 0x00, '/machine/i440fx/pci.0/i440FX');
  fn('PIIX3', 0x08, '/machine/i440fx/pci.0/PIIX3');
  fn('PIIX4_PM', 0x0b);
  const ide = fn('piix3-ide', 0x09) as PiixIde;
  const pcihp = new AcpiPciHotplug(pci, lifecycle, guest);
  pci.hotplugHandler = pcihp;
  return { pci, ide, pcihp };
}
