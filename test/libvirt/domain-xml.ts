// The tier's domains: type qemu, machine pc, 128 MiB, raw disks with
// error_policy='stop' on virtio-blk, IDE and scsi-hd behind virtio-scsi.

import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TierDisk {
  target: string; // vda, hda, sda
  bus: 'virtio' | 'ide' | 'scsi';
  file: string;
}

export const DISK_SIZE = 64 << 20;

/** Creates the images (sparse, 64 MiB) and returns the disks of a domain. */
export function makeDisks(imgDir: string, prefix: string, targets: TierDisk['target'][] = ['vda', 'hda', 'sda']): TierDisk[] {
  const bus: Record<string, TierDisk['bus']> = { v: 'virtio', h: 'ide', s: 'scsi' };
  return targets.map((target) => {
    const file = join(imgDir, `${prefix}-${target}.raw`);
    writeFileSync(file, '');
    truncateSync(file, DISK_SIZE);
    return { target, bus: bus[target[0]], file };
  });
}

export function domainXml(name: string, emulator: string, disks: TierDisk[]): string {
  const diskXml = disks
    .map(
      (d) => `    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' error_policy='stop'/>
      <source file='${d.file}'/>
      <target dev='${d.target}' bus='${d.bus}'/>
    </disk>`,
    )
    .join('\n');
  const scsi = disks.some((d) => d.bus === 'scsi') ? "\n    <controller type='scsi' model='virtio-scsi'/>" : '';
  // libvirt's defaults stay in: a piix3-usb-uhci controller and a virtio memballoon.
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <features><acpi/></features>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>${emulator}</emulator>
${diskXml}${scsi}
  </devices>
</domain>
`;
}
