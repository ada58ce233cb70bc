// What a disk front end looks like from inside the simulated guest: the
// commands its driver can send (a sector read or write, a cache flush) and
// their completion (an interrupt with a status). The device models
// implement it; the guest (firmware, OS) uses it from its vCPU thread.

import type { DeviceState } from '../qdev/device.js';

export type GuestDiskKind = 'hd' | 'cd';
/** How the firmware finds the disk (SeaBIOS probes ATA, then virtio-blk, then virtio-scsi). */
export type GuestDiskBus = 'ide' | 'virtio-blk' | 'scsi';

export interface GuestIo {
  op: 'read' | 'write' | 'flush';
  /** first logical block and block count (the device's block size) */
  lba: number;
  count: number;
  /** write payload (count * blockSize bytes) */
  data?: Buffer;
  /** IDE: PIO (firmware) or bus-master DMA (an OS driver); default pio */
  mode?: 'pio' | 'dma';
}

export interface GuestIoResult {
  ok: boolean;
  /** read data (also on a failure the policy ignored) */
  data?: Buffer;
}

export interface GuestDisk {
  readonly dev: DeviceState;
  readonly kind: GuestDiskKind;
  readonly bus: GuestDiskBus;
  /** logical block size as the guest sees it (CD: 2048) */
  readonly blockSize: number;
  /** bootindex property (undefined when not set) */
  bootIndex(): number | undefined;
  /** firmware probe order within its bus family (ATA channel/unit, PCI devfn, SCSI target/lun) */
  probeKey(): number[];
  /** a medium is present and readable (ATAPI TEST UNIT READY) */
  mediumPresent(): boolean;
  /** the guest driver brings the device up (virtio: features negotiated, DRIVER_OK) */
  driverReady(features: { writeCache: boolean }): void;
  /**
   * Hand a command to the device from the guest's vCPU thread. `done` runs
   * exactly once, in whichever thread completes the command (the device's
   * AioContext), unless the device is reset first.
   */
  submit(io: GuestIo, done: (r: GuestIoResult) => void): void;
}
