// The tray of a CD-ROM front end (hw/ide/core.c ide_cd_change_cb /
// ide_cd_eject_request_cb, hw/scsi/scsi-disk.c scsi_cd_change_media_cb /
// scsi_cd_eject_request_cb): the BlockDevOps that make a drive removable.
// A tray that moves emits DEVICE_TRAY_MOVED {device, tray-open, id} at once
// (block-backend.c blk_dev_change_media_cb compares before and after), so
// the event goes out before the command's reply.

import type { BlockBackend, BlockDevOps } from '../../block/block-backend.js';
import type { DeviceState } from '../qdev/device.js';

export interface CdTray {
  open: boolean;
  /** PREVENT ALLOW MEDIUM REMOVAL from the guest */
  locked: boolean;
  /** events the guest polls for (GET EVENT STATUS NOTIFICATION) */
  ejectRequest: boolean;
  newMedia: boolean;
}

export function newCdTray(): CdTray {
  return { open: false, locked: false, ejectRequest: false, newMedia: false };
}

/** DEVICE_TRAY_MOVED for the drive's BlockBackend and device. */
export function trayMoved(dev: DeviceState, blk: BlockBackend, open: boolean): void {
  dev.env.events.emit('DEVICE_TRAY_MOVED', { device: blk.name, 'tray-open': open, id: dev.qdevId() });
}

export function cdTrayOps(tray: CdTray, dev: DeviceState, blk: () => BlockBackend): BlockDevOps {
  return {
    changeMediaCb: (load) => {
      const was = tray.open;
      tray.open = !load;
      tray.newMedia = true;
      tray.ejectRequest = false;
      if (was !== tray.open) trayMoved(dev, blk(), tray.open);
    },
    ejectRequestCb: (force) => {
      tray.ejectRequest = true;
      if (force) tray.locked = false;
    },
    isTrayOpen: () => tray.open,
    isMediumLocked: () => tray.locked,
  };
}
