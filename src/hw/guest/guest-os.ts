// The simulated guest OS: what an operating system does that the host can
// observe. Its drivers bring virtio-blk up with a write cache (Linux
// negotiates VIRTIO_BLK_F_FLUSH), it issues the disk I/O it is asked to
// (IDE through bus-master DMA), its ACPI code acknowledges PCI unplug
// requests by ejecting the slot, and the power button shuts it down.

import type { GuestDisk, GuestIo, GuestIoResult } from './guest-disk.js';
import { delay, type GuestProgram } from './vcpu-program.js';

/** Time the guest's ACPI code takes to eject a slot after the GPE. */
export const ACPI_EJECT_NS = 5_000_000;
/** Time from the ACPI power button to the guest's S5 (its shutdown sequence). */
export const ACPI_POWEROFF_NS = 50_000_000;

export type OsJob =
  | { kind: 'io'; disk: GuestDisk; io: GuestIo; done: (r: GuestIoResult) => void }
  | { kind: 'acpi'; afterNs: number; act: () => void };

export interface GuestOsState {
  readonly jobs: OsJob[];
  disks(): GuestDisk[];
}

export function* guestOs(os: GuestOsState): GuestProgram {
  for (const d of os.disks()) if (d.bus === 'virtio-blk') d.driverReady({ writeCache: true });
  for (;;) {
    const job = os.jobs.shift();
    if (!job) {
      yield { kind: 'work' };
      continue;
    }
    if (job.kind === 'acpi') {
      yield delay(job.afterNs);
      job.act();
      continue;
    }
    const io: GuestIo = job.disk.bus === 'ide' && job.io.mode === undefined ? { ...job.io, mode: 'dma' } : job.io;
    job.disk.submit(io, job.done);
  }
}
