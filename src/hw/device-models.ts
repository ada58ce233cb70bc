// The device types qmp-sim models (QOM type registrations, as data), and
// qdev's alias table (softmmu/qdev-monitor.c qdev_alias_table, x86 rows).

import type { DeviceTypeInfo, PropDef } from './qdev/device.js';
import { IDE_PROPS, IdeDrive } from './ide/ide-dev.js';
import { PiixIde } from './ide/piix-ide.js';
import { PCI_DEVICE_PROPS, PciBoardFunction } from './pci/pci-device.js';
import { SCSI_DEVICE_PROPS, ScsiDisk } from './scsi/scsi-disk.js';
import { VIRTIO_SCSI_PROPS, VirtioScsi } from './scsi/virtio-scsi.js';
import { VIRTIO_BLK_PROPS, VirtioBlk } from './virtio/virtio-blk.js';
import { VIRTIO_PCI_PROPS, VirtioPciProxy } from './virtio/virtio-pci.js';
import { VIRTIO_BALLOON_PROPS, VirtioBalloon } from './virtio/virtio-balloon.js';
import { UHCI_PROPS, PiixUhci } from './usb/piix-uhci.js';

function type(t: Omit<DeviceTypeInfo, 'userCreatable' | 'hotpluggable'> & Partial<Pick<DeviceTypeInfo, 'userCreatable' | 'hotpluggable'>>): DeviceTypeInfo {
  return { userCreatable: true, hotpluggable: true, ...t };
}

const virtioBlkDevice: DeviceTypeInfo = type({
  name: 'virtio-blk-device',
  busType: 'virtio-bus',
  props: VIRTIO_BLK_PROPS,
  create: (env) => new VirtioBlk(virtioBlkDevice, env),
});

const virtioScsiDevice: DeviceTypeInfo = type({
  name: 'virtio-scsi-device',
  busType: 'virtio-bus',
  props: VIRTIO_SCSI_PROPS,
  create: (env) => new VirtioScsi(virtioScsiDevice, env),
});

const virtioBalloonDevice: DeviceTypeInfo = type({
  name: 'virtio-balloon-device',
  busType: 'virtio-bus',
  props: VIRTIO_BALLOON_PROPS,
  create: (env) => new VirtioBalloon(virtioBalloonDevice, env),
});

const piix3Uhci: DeviceTypeInfo = type({
  name: 'piix3-usb-uhci',
  busType: 'PCI',
  props: UHCI_PROPS,
  create: (env) => new PiixUhci(piix3Uhci, env),
});

function pciProxy(name: string, inner: DeviceTypeInfo, extra: PropDef[] = []): DeviceTypeInfo {
  const info: DeviceTypeInfo = type({
    name,
    busType: 'PCI',
    props: [...VIRTIO_PCI_PROPS, ...extra],
    aliasOf: inner,
    create: (env) => new VirtioPciProxy(info, env),
  });
  return info;
}

function ide(name: string, kind: 'hd' | 'cd'): DeviceTypeInfo {
  const info: DeviceTypeInfo = type({ name, busType: 'IDE', props: IDE_PROPS(kind), create: (env) => new IdeDrive(info, env, kind) });
  return info;
}

function scsi(name: string, kind: 'hd' | 'cd'): DeviceTypeInfo {
  const info: DeviceTypeInfo = type({ name, busType: 'SCSI', props: SCSI_DEVICE_PROPS(kind), create: (env) => new ScsiDisk(info, env, kind) });
  return info;
}

function boardFunction(name: string): DeviceTypeInfo {
  const info: DeviceTypeInfo = type({
    name,
    busType: 'PCI',
    userCreatable: false,
    hotpluggable: false,
    props: PCI_DEVICE_PROPS,
    create: (env) => new PciBoardFunction(info, env),
  });
  return info;
}

const piix3Ide: DeviceTypeInfo = type({
  name: 'piix3-ide',
  busType: 'PCI',
  hotpluggable: false,
  props: PCI_DEVICE_PROPS,
  create: (env) => new PiixIde(piix3Ide, env),
});

export const DEVICE_TYPES: ReadonlyMap<string, DeviceTypeInfo> = new Map(
  [
    ide('ide-hd', 'hd'),
    ide('ide-cd', 'cd'),
    scsi('scsi-hd', 'hd'),
    scsi('scsi-cd', 'cd'),
    virtioBlkDevice,
    virtioScsiDevice,
    pciProxy('virtio-blk-pci', virtioBlkDevice),
    pciProxy('virtio-scsi-pci', virtioScsiDevice),
    virtioBalloonDevice,
    pciProxy('virtio-balloon-pci', virtioBalloonDevice),
    piix3Uhci,
    piix3Ide,
    boardFunction('i440FX'),
    boardFunction('PIIX3'),
    boardFunction('PIIX4_PM'),
  ].map((t) => [t.name, t]),
);

/** qdev_alias_table rows for x86 (QEMU_ARCH_VIRTIO_PCI): alias → type. */
export const DEVICE_ALIASES: Readonly<Record<string, string>> = {
  'virtio-blk': 'virtio-blk-pci',
  'virtio-scsi': 'virtio-scsi-pci',
  'virtio-net': 'virtio-net-pci',
  'virtio-balloon': 'virtio-balloon-pci',
  'virtio-serial': 'virtio-serial-pci',
  'virtio-rng': 'virtio-rng-pci',
  'virtio-gpu': 'virtio-gpu-pci',
  'virtio-9p': 'virtio-9p-pci',
  'virtio-keyboard': 'virtio-keyboard-pci',
  'virtio-mouse': 'virtio-mouse-pci',
  'virtio-tablet': 'virtio-tablet-pci',
  'virtio-iommu': 'virtio-iommu-pci',
  'virtio-input-host': 'virtio-input-host-pci',
  e1000: 'e1000-82540em',
  ahci: 'ich9-ahci',
  lsi: 'lsi53c895a',
};
