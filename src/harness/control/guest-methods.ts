// Control-channel methods that drive the simulated guest's disk I/O
// (src/hw/guest): the OS-level driver issues a read, write or flush through
// the device model, as a vCPU step. The call answers when the device
// completes the request, which for a request parked by an error policy is
// after the VM is continued.

import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Machine } from '../../machine/machine.js';
import type { GuestDisk, GuestIo, GuestIoResult } from '../../hw/guest/guest-disk.js';

export const guestIoParams = z
  .object({
    vm: z.union([z.string(), z.number().int()]).optional(),
    device: z.string(),
    offset: z.number().int().nonnegative(),
    length: z.number().int().positive().optional(),
    /** write: the byte every written byte holds (default 0xab) */
    pattern: z.number().int().min(0).max(255).optional(),
    /** read: also return the data, base64 */
    bytes: z.boolean().optional(),
  })
  .strict();

export type GuestIoParams = z.infer<typeof guestIoParams>;

function diskOf(m: Machine, device: string): GuestDisk {
  const d = m.devices.disk(device);
  if (!d) throw new Error(`no disk device '${device}'`);
  return d;
}

function submit(m: Machine, disk: GuestDisk, io: GuestIo): Promise<GuestIoResult> {
  const guest = m.devices.guest;
  // A VM started without a boot disk the firmware accepts has no OS yet: the
  // control channel stands in for one.
  if (guest.phase !== 'os') guest.startOs();
  return new Promise((resolve) => guest.io(disk, io, resolve));
}

function blocks(disk: GuestDisk, p: GuestIoParams): { lba: number; count: number } {
  const bs = disk.blockSize;
  const length = p.length ?? bs;
  if (p.offset % bs || length % bs) throw new Error(`offset and length must be multiples of the block size (${bs})`);
  return { lba: p.offset / bs, count: length / bs };
}

export async function guestWrite(m: Machine, p: GuestIoParams): Promise<unknown> {
  const disk = diskOf(m, p.device);
  const { lba, count } = blocks(disk, p);
  const data = Buffer.alloc(count * disk.blockSize, p.pattern ?? 0xab);
  const r = await submit(m, disk, { op: 'write', lba, count, data, mode: 'dma' });
  return { ok: r.ok };
}

export async function guestRead(m: Machine, p: GuestIoParams): Promise<unknown> {
  const disk = diskOf(m, p.device);
  const { lba, count } = blocks(disk, p);
  const r = await submit(m, disk, { op: 'read', lba, count, mode: 'dma' });
  const out: Record<string, unknown> = { ok: r.ok };
  if (r.data) {
    out.sha256 = createHash('sha256').update(r.data).digest('hex');
    if (p.bytes) out.base64 = r.data.toString('base64');
  }
  return out;
}

export async function guestFlush(m: Machine, p: { device: string }): Promise<unknown> {
  const disk = diskOf(m, p.device);
  const r = await submit(m, disk, { op: 'flush', lba: 0, count: 0 });
  return { ok: r.ok };
}
