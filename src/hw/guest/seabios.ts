// The firmware (SeaBIOS 1.16 as QEMU 7.2's pc machine runs it), reduced to
// what reaches the disks: virtio drivers come up (DRIVER_OK without WCE,
// so virtio-blk drops to writethrough), every CD-ROM with a medium has its
// boot record volume descriptor (LBA 17) read while the boot menu is
// prepared, then the boot list is tried in priority order. Only the first
// hard disk gets a boot attempt (its MBR, LBA 0); every CD-ROM gets one
// (LBA 17 again). A read error or a missing signature moves on; with
// nothing bootable the BIOS halts (no reboot-timeout by default).
// Priorities: bootindex, else QEMU's default CMOS boot order "cad"
// (hard disk 101, floppy 102, CD-ROM 103); ties by drive type, then
// controller id (SeaBIOS boot.c bootentry_add).

import type { GuestDisk, GuestIoResult } from './guest-disk.js';
import { delay, diskIo, type GuestProgram } from './vcpu-program.js';

/** Virtual time the firmware spends before and between disk accesses. */
export const SEABIOS_TIMING = {
  postNs: 20_000_000,
  driverInitNs: 1_000_000,
  bootEntryNs: 1_000_000,
} as const;

/** SeaBIOS drive types (block.h DTYPE_*): the tie-break between boot entries. */
const DRIVE_TYPE: Record<string, number> = {
  'ide:hd': 0x20,
  'ide:cd': 0x21,
  'scsi:hd': 0x60,
  'scsi:cd': 0x60,
  'virtio-blk:hd': 0x61,
};

const DEFAULT_PRIO = { hd: 101, cd: 103 } as const;
const IPL_TYPE = { hd: 0x02, cd: 0x03 } as const;
const CD_BOOT_RECORD_LBA = 17;

export interface FirmwareHooks {
  log(line: string): void;
  /** a boot sector was accepted: the OS takes over */
  booted(disk: GuestDisk): void;
  halted(): void;
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** The boot list in SeaBIOS order (bootentry_add's sorted insert). */
export function bootOrder(disks: readonly GuestDisk[]): GuestDisk[] {
  const key = (d: GuestDisk): number[] => [
    d.bootIndex() ?? DEFAULT_PRIO[d.kind],
    IPL_TYPE[d.kind],
    DRIVE_TYPE[`${d.bus}:${d.kind}`] ?? 0xff,
    ...d.probeKey(),
  ];
  return [...disks].sort((a, b) => compareKeys(key(a), key(b)));
}

/** Probe order: ATA, then virtio-blk, then virtio-scsi (SeaBIOS block_setup), by controller. */
export function probeOrder(disks: readonly GuestDisk[]): GuestDisk[] {
  const family = { ide: 0, 'virtio-blk': 1, scsi: 2 } as const;
  return [...disks].sort((a, b) => family[a.bus] - family[b.bus] || compareKeys(a.probeKey(), b.probeKey()));
}

function hasMbrSignature(r: GuestIoResult): boolean {
  const d = r.data;
  return r.ok && !!d && d.length >= 512 && d[510] === 0x55 && d[511] === 0xaa;
}

function hasElTorito(r: GuestIoResult): boolean {
  const d = r.data;
  return r.ok && !!d && d.length >= 39 && d.subarray(1, 6).toString('latin1') === 'CD001' && d.subarray(7, 30).toString('latin1') === 'EL TORITO SPECIFICATION';
}

export function* seabios(disks: () => GuestDisk[], hooks: FirmwareHooks): GuestProgram {
  yield delay(SEABIOS_TIMING.postNs);
  const found = probeOrder(disks());
  for (const d of found) {
    if (d.bus !== 'virtio-blk') continue;
    d.driverReady({ writeCache: false });
    yield delay(SEABIOS_TIMING.driverInitNs);
  }
  const cds = found.filter((d) => d.kind === 'cd');
  for (const cd of cds) {
    if (cd.mediumPresent()) yield diskIo(cd, { op: 'read', lba: CD_BOOT_RECORD_LBA, count: 1 });
  }
  let hdTried = false;
  for (const d of bootOrder(found)) {
    yield delay(SEABIOS_TIMING.bootEntryNs);
    if (d.kind === 'hd') {
      if (hdTried) continue;
      hdTried = true;
      hooks.log('Booting from Hard Disk...');
      const r = (yield diskIo(d, { op: 'read', lba: 0, count: 1 })) as GuestIoResult;
      if (!r.ok) hooks.log('Boot failed: could not read the boot disk');
      else if (!hasMbrSignature(r)) hooks.log('Boot failed: not a bootable disk');
      else return hooks.booted(d);
    } else {
      hooks.log('Booting from DVD/CD...');
      if (!d.mediumPresent()) {
        hooks.log('Boot failed: Could not read from CDROM (code 0003)');
        continue;
      }
      const r = (yield diskIo(d, { op: 'read', lba: CD_BOOT_RECORD_LBA, count: 1 })) as GuestIoResult;
      if (hasElTorito(r)) return hooks.booted(d);
      hooks.log('Boot failed: Could not read from CDROM (code 0003)');
    }
  }
  hooks.log('No bootable device.');
  hooks.halted();
}
