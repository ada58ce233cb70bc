// A SCSI bus (hw/scsi/scsi-bus.c): target/LUN addressing with QEMU's checks
// (scsi_bus_check_address, then the automatic id/lun choice of
// scsi_qdev_realize) and hot-unplug through the HBA.

import { QmpError } from '../../qapi/error.js';
import { BusState } from '../qdev/bus.js';
import type { DeviceState } from '../qdev/device.js';

/** SCSIBusInfo limits (virtio-scsi: VIRTIO_SCSI_MAX_CHANNEL/TARGET/LUN). */
export interface ScsiBusInfo {
  maxChannel: number;
  maxTarget: number;
  maxLun: number;
}

/** What the bus needs to know about a SCSI device's address. */
export interface ScsiAddressed extends DeviceState {
  channel: number;
  /** -1: choose at realize */
  target: number;
  lun: number;
}

const UNSET = 0xffffffff;

export function scsiAddr(dev: DeviceState): { channel: number; target: number; lun: number } {
  const t = dev.num('scsi-id');
  const l = dev.num('lun');
  return { channel: dev.num('channel'), target: t === UNSET ? -1 : t, lun: l === UNSET ? -1 : l };
}

export class ScsiBus extends BusState {
  constructor(
    name: string,
    parent: DeviceState,
    readonly info: ScsiBusInfo,
  ) {
    super(name, 'SCSI', parent);
  }

  private occupant(channel: number, target: number, lun: number, except?: DeviceState): ScsiAddressed | undefined {
    return (this.children as ScsiAddressed[]).find((d) => d !== except && d.realized && d.channel === channel && d.target === target && d.lun === lun);
  }

  /** scsi_bus_check_address */
  override checkAddress(dev: DeviceState): void {
    const a = scsiAddr(dev);
    if (a.channel > this.info.maxChannel) throw QmpError.generic(`bad scsi channel id: ${a.channel}`);
    if (a.target !== -1 && a.target > this.info.maxTarget) throw QmpError.generic(`bad scsi device id: ${a.target}`);
    if (a.lun !== -1 && a.lun > this.info.maxLun) throw QmpError.generic(`bad scsi device lun: ${a.lun}`);
    if (a.target !== -1 && a.lun !== -1) {
      const d = this.occupant(a.channel, a.target, a.lun, dev);
      if (d) throw QmpError.generic(`lun already used by '${d.id ?? '(null)'}'`);
    }
  }

  /** scsi_qdev_realize: pick a free target (lun 0) or a free lun. */
  assignAddress(dev: ScsiAddressed): void {
    const a = scsiAddr(dev);
    dev.channel = a.channel;
    if (a.target === -1) {
      const lun = a.lun === -1 ? 0 : a.lun;
      let id = -1;
      let free = false;
      do {
        id++;
        free = !this.occupant(a.channel, id, lun, dev);
      } while (!free && id < this.info.maxTarget);
      if (!free) throw QmpError.generic('no free target');
      dev.target = id;
      dev.lun = lun;
    } else if (a.lun === -1) {
      let lun = -1;
      let free = false;
      do {
        lun++;
        free = !this.occupant(a.channel, a.target, lun, dev);
      } while (!free && lun < this.info.maxLun);
      if (!free) throw QmpError.generic('no free lun');
      dev.target = a.target;
      dev.lun = lun;
    } else {
      dev.target = a.target;
      dev.lun = a.lun;
    }
    dev.props.set('scsi-id', dev.target);
    dev.props.set('lun', dev.lun);
  }
}
