// virtio-balloon (hw/virtio/virtio-balloon.c, softmmu/balloon.c): the
// machine's one balloon. With no guest driver (qmp-sim's guest runs no OS)
// the guest never inflates it: `actual` stays the RAM size and no
// BALLOON_CHANGE is sent; `balloon` only records the target.

import { QmpError } from '../../qapi/error.js';
import { PROP } from '../qdev/qdev-props.js';
import type { PropDef } from '../qdev/device.js';
import { VirtioDevice } from './virtio-device.js';

export const VIRTIO_BALLOON_PROPS: readonly PropDef[] = [
  { name: 'deflate-on-oom', kind: PROP.BOOL, dflt: false },
  { name: 'free-page-hint', kind: PROP.BOOL, dflt: false },
  { name: 'free-page-reporting', kind: PROP.BOOL, dflt: false },
  { name: 'guest-stats-polling-interval', kind: PROP.INT32 },
  { name: 'qemu-4-0-config-size', kind: PROP.BOOL, dflt: false },
  { name: 'iothread', kind: PROP.STR },
];

export class VirtioBalloon extends VirtioDevice {
  /** the last target (bytes) `balloon` asked for; null before any */
  target: number | null = null;

  /** qemu_add_balloon_handler: one balloon per machine */
  protected virtioRealize(): void {
    if (this.env.balloon.device && this.env.balloon.device !== this) throw QmpError.generic('Only one balloon device is supported');
    this.env.balloon.device = this;
  }

  protected override doUnrealize(): void {
    super.doUnrealize();
    if (this.env.balloon.device === this) this.env.balloon.device = null;
  }

  protected startIoeventfd(): void {}
  protected stopIoeventfd(): void {}
  protected deviceReset(): void {}
}
