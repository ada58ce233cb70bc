// The devices of one machine (machine.devices): the pc board, the qdev tree
// with -drive front ends and -device in QEMU's order (pc_init creates the
// if=ide devices, then every -device, then the if=virtio ones drive_new
// queued), device_add / device_del, device reset, and the simulated guest.

import type { DriveInfo } from '../block/block-backend.js';
import { QmpError } from '../qapi/error.js';
import type { GuestDisk } from './guest/guest-disk.js';
import { SimGuest } from './guest/sim-guest.js';
import type { HwEnv } from './hw-env.js';
import { DEVICE_ALIASES, DEVICE_TYPES } from './device-models.js';
import { createPcBoard, UNATTACHED_BEFORE_IDE_DRIVES, type PcBoard } from './pc/pc-board.js';
import type { DeviceState } from './qdev/device.js';
import { deviceOptsFromCli, deviceOptsFromQmp, type DeviceOpts } from './qdev/device-opts.js';
import { QdevMonitor } from './qdev/qdev-monitor.js';
import { QdevTree } from './qdev/qdev-tree.js';
import { QdevLifecycle } from './qdev/qdev-unplug.js';
import { VirtioScsi } from './scsi/virtio-scsi.js';

const PROG = 'qemu-system-x86_64';

export interface MachineHwOptions {
  nodefaults: boolean;
  /** the board has ACPI (else system_powerdown reaches no guest) */
  acpi?: boolean;
}

function isGuestDisk(d: DeviceState): d is DeviceState & GuestDisk {
  return typeof (d as Partial<GuestDisk>).submit === 'function' && typeof (d as Partial<GuestDisk>).probeKey === 'function';
}

export class MachineHw {
  readonly tree = new QdevTree();
  readonly lifecycle: QdevLifecycle;
  readonly guest: SimGuest;
  readonly board: PcBoard;
  private readonly qdev: QdevMonitor;
  readonly env: HwEnv;
  private ready = false;
  private readonly busIds = new Map<string, number>();

  constructor(
    env: Omit<HwEnv, 'autoBusName' | 'balloon'>,
    private readonly opts: MachineHwOptions,
  ) {
    this.env = {
      ...env,
      balloon: { device: null },
      autoBusName: (base) => {
        const n = this.busIds.get(base) ?? 0;
        this.busIds.set(base, n + 1);
        return `${base}.${n}`;
      },
    };
    this.lifecycle = new QdevLifecycle(this.env, this.tree);
    this.guest = new SimGuest({ kernel: env.kernel, vm: env.vm, disks: () => this.disks(), log: (m) => env.log(m), acpi: opts.acpi ?? true });
    this.board = createPcBoard(this.env, this.tree, this.lifecycle, this.guest);
    this.qdev = new QdevMonitor({
      env: this.env,
      tree: this.tree,
      lifecycle: this.lifecycle,
      types: DEVICE_TYPES,
      aliases: DEVICE_ALIASES,
      machineReady: () => this.ready,
      plugged: (dev) => this.plugged(dev),
    });
    env.vm.hooks.devicesReset.add(() => this.resetDevices());
  }

  /**
   * Machine creation: if=ide front ends, every -device, then the if=virtio
   * devices, then drive_check_orphaned. Throws "qemu-system-x86_64: -device TEXT: desc".
   */
  createCmdlineDevices(devices: readonly string[]): void {
    const drives = this.env.block.drives;
    this.tree.setUnattachedCount(this.opts.nodefaults ? UNATTACHED_BEFORE_IDE_DRIVES.nodefaults : UNATTACHED_BEFORE_IDE_DRIVES.defaults);
    for (const d of [...drives].filter((x) => x.type === 'ide').sort((a, b) => a.bus * 2 + a.unit - (b.bus * 2 + b.unit))) {
      this.ideDriveDevice(d);
    }
    for (const text of devices) {
      try {
        this.qdev.deviceAdd(deviceOptsFromCli(text));
      } catch (e) {
        if (e instanceof QmpError) throw new Error(`${PROG}: -device ${text}: ${e.desc}`);
        throw e;
      }
    }
    for (const d of drives.filter((x) => x.type === 'virtio')) {
      const opts: DeviceOpts = {
        driver: 'virtio-blk-pci',
        props: [['drive', { json: false, text: d.blk.name }], ...Object.entries(d.deviceOpts).map(([k, v]) => [k, { json: false, text: v }] as [string, { json: false; text: string }])],
      };
      try {
        this.qdev.deviceAdd(opts);
      } catch (e) {
        if (e instanceof QmpError) throw new Error(`${PROG}: -drive ${d.text}: ${e.desc}`);
        throw e;
      }
    }
    for (const d of drives) {
      if (d.type === 'none' || d.type === 'floppy' || d.type === 'sd' || d.blk.dev) continue;
      throw new Error(`${PROG}: -drive ${d.text}: machine type does not support if=${d.type},bus=${d.bus},unit=${d.unit}`);
    }
    this.ready = true;
  }

  /** pc_init → ide_create_drive: an unattached ide-hd / ide-cd on ide.<bus>. */
  private ideDriveDevice(d: DriveInfo): void {
    const info = DEVICE_TYPES.get(d.mediaCd ? 'ide-cd' : 'ide-hd')!;
    const bus = this.board.ide.channels[d.bus];
    const dev = info.create(this.env);
    this.tree.setUnattached(dev);
    try {
      if (!bus) throw QmpError.generic(`machine type does not support if=ide,bus=${d.bus},unit=${d.unit}`);
      dev.props.set('unit', d.unit);
      dev.propTarget('drive')!.def.set!(dev, d.blk.name);
      dev.parentBus = bus;
      bus.addChild(dev);
      dev.realize();
    } catch (e) {
      this.lifecycle.discard(dev);
      if (e instanceof QmpError) throw new Error(`${PROG}: -drive ${d.text}: ${e.desc}`);
      throw e;
    }
  }

  /** device_add's arguments (unchecked: 'gen': false). */
  deviceAdd(args: Record<string, unknown>): DeviceState {
    return this.qdev.deviceAdd(deviceOptsFromQmp(args));
  }

  deviceDel(id: string): void {
    this.qdev.deviceDel(id);
  }

  /** find_device_state: id under /machine/peripheral, or a QOM path. */
  findDevice(id: string): DeviceState | undefined {
    const d = this.tree.resolve(id);
    return d === 'object' ? undefined : d;
  }

  /** The guest's view of device `id` (a virtio proxy's backend for virtio-*-pci). */
  disk(id: string): GuestDisk | undefined {
    const dev = this.findDevice(id);
    const target = dev?.aliasedChild() ?? dev;
    return target && isGuestDisk(target) ? target : undefined;
  }

  devices(): DeviceState[] {
    return [...this.tree.devices()];
  }

  /** Every realized disk front end, for the guest. */
  disks(): GuestDisk[] {
    return this.devices().filter((d) => d.realized && isGuestDisk(d)) as unknown as GuestDisk[];
  }

  private plugged(dev: DeviceState): void {
    const hba = dev.parentBus?.parent;
    if (hba instanceof VirtioScsi) hba.plugged(dev);
  }

  /** qemu_devices_reset: every device, then the ACPI hotplug controller's pending ejects. */
  private resetDevices(): void {
    for (const dev of this.devices()) dev.reset();
    this.board.pcihp.reset();
  }
}
