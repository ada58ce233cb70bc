// virtio-scsi-device (hw/scsi/virtio-scsi.c, virtio-scsi-dataplane.c): the
// HBA behind virtio-scsi-pci. Its SCSI bus is "<proxy id>.0" (else an
// automatic "scsi.N"); requests run in its dataplane context (iothread= or
// the main loop); disks plugged while an iothread is set move there.
// Unplug is synchronous (no unplug_request): the disk goes at once.

import { QmpError } from '../../qapi/error.js';
import type { IOThread } from '../../sim/iothread.js';
import type { AioContext } from '../../sim/aio-context.js';
import type { HotplugHandler } from '../qdev/bus.js';
import type { DeviceState, PropDef } from '../qdev/device.js';
import { PROP } from '../qdev/qdev-props.js';
import { VirtioDevice } from '../virtio/virtio-device.js';
import type { VirtioPciProxy } from '../virtio/virtio-pci.js';
import { ScsiBus } from './scsi-bus.js';
import type { ScsiDisk, ScsiHba } from './scsi-disk.js';

/** VIRTIO_SCSI_MAX_CHANNEL / _TARGET / _LUN */
export const VIRTIO_SCSI_BUS_INFO = { maxChannel: 0, maxTarget: 255, maxLun: 16383 };

export const VIRTIO_SCSI_PROPS: PropDef[] = [
  { name: 'num_queues', kind: PROP.UINT32, dflt: 0xffffffff },
  { name: 'virtqueue_size', kind: PROP.UINT32, dflt: 256 },
  { name: 'seg_max_adjust', kind: PROP.BOOL, dflt: true },
  { name: 'max_sectors', kind: PROP.UINT32, dflt: 0xffff },
  { name: 'cmd_per_lun', kind: PROP.UINT32, dflt: 128 },
  { name: 'hotplug', kind: PROP.BOOL, dflt: true },
  { name: 'param_change', kind: PROP.BOOL, dflt: true },
  {
    name: 'iothread',
    kind: PROP.STR,
    set: (d, v) => {
      const t = d.env.kernel.iothread(String(v));
      if (!t) throw new QmpError('DeviceNotFound', `Device '${String(v)}' not found`);
      (d as VirtioScsi).iothread = t;
    },
  },
];

export class VirtioScsi extends VirtioDevice implements ScsiHba, HotplugHandler {
  iothread: IOThread | undefined;
  scsiBus: ScsiBus | null = null;

  private get proxy(): VirtioPciProxy {
    return this.parentBus!.parent as VirtioPciProxy;
  }

  get devfn(): number {
    return this.proxy.devfn;
  }

  get ctx(): AioContext {
    return this.iothread?.ctx ?? this.env.kernel.mainContext;
  }

  /** virtio_scsi_common_realize: the bus is named after the proxy's id. */
  protected virtioRealize(): void {
    if (this.num('num_queues') === 0) throw QmpError.generic('Invalid number of queues (= 0), must be a positive integer less than 1017.');
    const pid = this.proxy.id;
    const name = pid !== undefined ? `${pid}.0` : this.env.autoBusName('scsi');
    const bus = new ScsiBus(name, this, VIRTIO_SCSI_BUS_INFO);
    bus.hotplugHandler = this;
    this.scsiBus = bus;
    this.childBuses.unshift(bus);
  }

  /** The guest's request reaches the HBA (virtio_scsi_handle_cmd in the dataplane context). */
  kick(fn: () => void): void {
    this.ctx.bhScheduleOneshot(fn, `${this.canonicalPath} vq notify`);
  }

  /** virtio_scsi_hotplug: with an iothread the disk's BB moves there. */
  plugged(dev: DeviceState): void {
    const blk = (dev as ScsiDisk).conf?.blk;
    if (this.iothread && blk) blk.setAioContext(this.iothread.ctx);
  }

  /** virtio_scsi_hotunplug → qdev_simple_device_unplug_cb */
  unplug(dev: DeviceState): void {
    const blk = (dev as ScsiDisk).conf?.blk;
    dev.unrealize();
    if (this.iothread && blk) blk.setAioContext(this.env.kernel.mainContext);
  }

  protected startIoeventfd(): void {}

  protected stopIoeventfd(): void {}

  protected deviceReset(): void {}
}
