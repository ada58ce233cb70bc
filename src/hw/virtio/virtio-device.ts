// VirtIODevice (hw/virtio/virtio.c, hw/virtio/virtio-bus.c): the device
// status the guest driver writes, and the host notifiers (ioeventfd). With
// ioeventfd on (the default for virtio-pci, TCG included) virtio-blk and
// virtio-scsi run their queues in a "dataplane" AioContext: an iothread's
// when iothread= is set, else the main loop's. The notifiers start when the
// driver sets DRIVER_OK and stop/start with the VM (virtio_vmstate_change,
// a qdev change-state handler: priority = tree depth).

import { DeviceState } from '../qdev/device.js';

export const VIRTIO_CONFIG_S_ACKNOWLEDGE = 1;
export const VIRTIO_CONFIG_S_DRIVER = 2;
export const VIRTIO_CONFIG_S_DRIVER_OK = 4;

export abstract class VirtioDevice extends DeviceState {
  /** the status byte the guest driver wrote */
  status = 0;
  /** virtio_bus ioeventfd_started (dataplane running) */
  ioeventfdStarted = false;

  protected doRealize(): void {
    this.virtioRealize();
    this.addVmChangeStateHandler((running) => this.vmstateChange(running), `${this.canonicalPath}.virtio_vmstate_change`);
  }

  protected abstract virtioRealize(): void;

  /** start_ioeventfd (virtio-blk/-scsi: dataplane start) */
  protected abstract startIoeventfd(): void;

  /** stop_ioeventfd (dataplane stop) */
  protected abstract stopIoeventfd(): void;

  /** The device's reset (virtio_blk_reset...). */
  protected abstract deviceReset(): void;

  get driverOk(): boolean {
    return (this.status & VIRTIO_CONFIG_S_DRIVER_OK) !== 0;
  }

  /** The guest writes the status register (virtio_pci_common_write). */
  setStatus(status: number): void {
    if (!(status & VIRTIO_CONFIG_S_DRIVER_OK)) this.stopNotifiers();
    this.status = status;
    this.statusChanged();
    if (status & VIRTIO_CONFIG_S_DRIVER_OK) this.startNotifiers();
  }

  /** VirtioDeviceClass set_status */
  protected statusChanged(): void {}

  /** virtio_vmstate_change */
  private vmstateChange(running: boolean): void {
    const backendRun = running && this.driverOk;
    if (backendRun) this.startNotifiers();
    else this.stopNotifiers();
  }

  protected startNotifiers(): void {
    if (this.ioeventfdStarted) return;
    this.ioeventfdStarted = true;
    this.startIoeventfd();
  }

  protected stopNotifiers(): void {
    if (!this.ioeventfdStarted) return;
    this.ioeventfdStarted = false;
    this.stopIoeventfd();
  }

  /** virtio_reset: notifiers off, status 0, the device's own reset. */
  override reset(): void {
    this.stopNotifiers();
    this.status = 0;
    this.deviceReset();
  }

  protected override doUnrealize(): void {
    this.stopNotifiers();
  }
}
