// virtio-blk-device (hw/block/virtio-blk.c, hw/block/dataplane/virtio-blk.c).
// Guest requests are kicked to the dataplane AioContext (iothread= or the
// main loop) and complete in the drive's context. A failed request goes
// through virtio_blk_handle_rw_error: stop chains it on s->rq (newest
// first, no accounting), report completes it with IOERR (accounted as
// failed), ignore completes it as OK. With an iothread the completion runs
// there, so a stop takes the vmstop request path. Parked requests are
// re-submitted when the dataplane starts again (cont → virtio_vmstate_change);
// with ioeventfd=off by the restart BH of virtio_blk_dma_restart_cb.
// SeaBIOS negotiates neither WCE nor CONFIG_WCE: its DRIVER_OK turns the
// drive's write cache off (virtio_blk_set_status) until a reset restores it.

import type { BlockAcctCookie } from '../../block/block-acct.js';
import type { BlockBackend } from '../../block/block-backend.js';
import { QmpError } from '../../qapi/error.js';
import type { AioContext } from '../../sim/aio-context.js';
import type { QEMUBH } from '../../sim/bottom-half.js';
import type { IOThread } from '../../sim/iothread.js';
import { BlockConf, blockConfProps } from '../block/block-conf.js';
import type { GuestDisk, GuestIo, GuestIoResult } from '../guest/guest-disk.js';
import type { DeviceState, PropDef } from '../qdev/device.js';
import { PROP } from '../qdev/qdev-props.js';
import { VIRTIO_CONFIG_S_ACKNOWLEDGE, VIRTIO_CONFIG_S_DRIVER, VIRTIO_CONFIG_S_DRIVER_OK, VirtioDevice } from './virtio-device.js';
import type { VirtioPciProxy } from './virtio-pci.js';

interface VirtioBlkReq {
  readonly op: 'read' | 'write' | 'flush';
  readonly lba: number;
  readonly count: number;
  readonly data?: Buffer;
  acct?: BlockAcctCookie;
  done: ((r: GuestIoResult) => void) | null;
}

export const VIRTIO_BLK_PROPS: PropDef[] = [
  ...blockConfProps((d) => (d as VirtioBlk).conf),
  {
    name: 'iothread',
    kind: PROP.STR,
    set: (d, v) => {
      const t = d.env.kernel.iothread(String(v));
      if (!t) throw new QmpError('DeviceNotFound', `Device '${String(v)}' not found`);
      (d as VirtioBlk).iothread = t;
    },
  },
  { name: 'num-queues', kind: PROP.UINT16, dflt: 0xffff },
  { name: 'queue-size', kind: PROP.UINT16, dflt: 256 },
  { name: 'config-wce', kind: PROP.BOOL, dflt: true },
  { name: 'scsi', kind: PROP.BOOL, dflt: false },
  { name: 'request-merging', kind: PROP.BOOL, dflt: true },
  { name: 'seg-max-adjust', kind: PROP.BOOL, dflt: true },
  { name: 'discard', kind: PROP.BOOL, dflt: true },
  { name: 'write-zeroes', kind: PROP.BOOL, dflt: true },
  { name: 'max-discard-sectors', kind: PROP.UINT32, dflt: 4194303 },
  { name: 'max-write-zeroes-sectors', kind: PROP.UINT32, dflt: 4194303 },
  { name: 'x-enable-wce-if-config-wce', kind: PROP.BOOL, dflt: true },
];

export class VirtioBlk extends VirtioDevice implements GuestDisk {
  readonly conf = new BlockConf(this);
  readonly bus = 'virtio-blk' as const;
  readonly kind = 'hd' as const;
  readonly blockSize = 512;
  iothread: IOThread | undefined;
  /** the virtqueue: kicked, not yet taken by the device */
  private readonly vq: VirtioBlkReq[] = [];
  /** s->rq: parked by action stop, newest first */
  private rq: VirtioBlkReq[] = [];
  private readonly inflight = new Set<VirtioBlkReq>();
  private originalWce = true;
  private guestWce = false;
  private restartBh: QEMUBH | null = null;

  get dev(): DeviceState {
    return this;
  }

  get blk(): BlockBackend {
    return this.conf.blk!;
  }

  private get proxy(): VirtioPciProxy {
    return this.parentBus!.parent as VirtioPciProxy;
  }

  /** virtio_bus_ioeventfd_enabled */
  private get ioeventfdEnabled(): boolean {
    return this.proxy.bool('ioeventfd');
  }

  /** the dataplane's AioContext */
  private get dpCtx(): AioContext {
    return this.iothread?.ctx ?? this.env.kernel.mainContext;
  }

  /** virtio_blk_device_realize */
  protected virtioRealize(): void {
    const conf = this.conf;
    if (!conf.blk) throw QmpError.generic('drive property not set');
    if (!this.blk.isInserted()) throw QmpError.generic('Device needs media, but drive is empty');
    if (this.num('num-queues') === 0) throw QmpError.generic('num-queues property must be larger than 0');
    const qs = this.num('queue-size');
    if (qs <= 2) throw QmpError.generic(`invalid queue-size property (${qs}), must be > 2`);
    if ((qs & (qs - 1)) !== 0 || qs > 1024) throw QmpError.generic(`invalid queue-size property (${qs}), must be a power of 2 (max 1024)`);
    conf.applyBackendOptions(this.blk.isReadOnly(), true);
    this.originalWce = this.blk.enableWriteCache;
    conf.geometry(65535, 255, 255);
    if (this.iothread && !this.ioeventfdEnabled) throw QmpError.generic('ioeventfd is required for iothread');
    this.addVmChangeStateHandlerPrio0((running) => this.dmaRestartCb(running), `${this.canonicalPath}.virtio_blk_dma_restart`);
    this.blk.setDevOps({ resizeCb: () => {} });
    this.blk.iostatusEnable();
  }

  /** virtio_blk_device_unrealize: a -drive BB goes with the device. */
  protected override doUnrealize(): void {
    super.doUnrealize();
    if (this.conf.blk) this.env.block.markAutoDel(this.conf.blk);
  }

  // ---- GuestDisk --------------------------------------------------------

  bootIndex(): number | undefined {
    return this.conf.bootIndex;
  }

  probeKey(): number[] {
    return [this.proxy.devfn];
  }

  mediumPresent(): boolean {
    return this.blk.isAvailable();
  }

  /** The guest driver: features, then ACKNOWLEDGE | DRIVER | DRIVER_OK. */
  driverReady(features: { writeCache: boolean }): void {
    this.guestWce = features.writeCache;
    this.setStatus(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK);
  }

  /** virtio_blk_set_status: without CONFIG_WCE the negotiated WCE bit decides. */
  protected override statusChanged(): void {
    if (this.driverOk) this.blk.enableWriteCache = this.guestWce;
  }

  /** The guest fills the ring and notifies (vCPU thread). */
  submit(io: GuestIo, done: (r: GuestIoResult) => void): void {
    this.vq.push({ op: io.op, lba: io.lba, count: io.count, data: io.data, done });
    if (!this.ioeventfdEnabled) {
      this.handleVq(); // virtio_blk_handle_output in the vCPU thread
      return;
    }
    if (!this.ioeventfdStarted) {
      this.startNotifiers(); // kicked before DRIVER_OK: start the dataplane here
      return;
    }
    this.dpCtx.bhScheduleOneshot(() => this.handleVq(), `${this.qdevId()} vq notify`);
  }

  /** virtio_blk_handle_vq */
  private handleVq(): void {
    for (const req of this.vq.splice(0)) this.handleRequest(req);
  }

  /** virtio_blk_handle_request / submit_requests */
  private handleRequest(req: VirtioBlkReq): void {
    const blk = this.blk;
    this.inflight.add(req);
    if (req.op === 'flush') {
      req.acct = blk.acctStart(0, 'flush');
      blk.aioFlush((ret) => this.complete(req, ret));
      return;
    }
    const len = blk.getLength();
    if (req.lba < 0 || (req.lba + req.count) * 512 > len) {
      blk.acctInvalid(req.op);
      return this.reply(req, false);
    }
    const bytes = req.count * 512;
    req.acct = blk.acctStart(bytes, req.op);
    if (req.op === 'read') {
      blk.aioPreadv(req.lba * 512, bytes, (ret, data) => this.complete(req, ret, data));
    } else {
      const src = req.data ?? Buffer.alloc(0);
      const buf = src.length >= bytes ? Buffer.from(src.subarray(0, bytes)) : Buffer.concat([src, Buffer.alloc(bytes - src.length)]);
      blk.aioPwritev(req.lba * 512, buf, (ret) => this.complete(req, ret));
    }
  }

  /** virtio_blk_rw_complete / virtio_blk_flush_complete */
  private complete(req: VirtioBlkReq, ret: number, data?: Buffer): void {
    if (!this.inflight.has(req)) return; // reset meanwhile
    if (ret < 0 && this.handleRwError(req, -ret)) return;
    this.blk.acctDone(req.acct!);
    this.reply(req, true, data);
  }

  /** virtio_blk_req_complete: used ring + interrupt */
  private reply(req: VirtioBlkReq, ok: boolean, data?: Buffer): void {
    this.inflight.delete(req);
    const done = req.done;
    req.done = null;
    done?.({ ok, ...(data ? { data } : {}) });
  }

  /** virtio_blk_handle_rw_error: true when the request is not completed OK now. */
  private handleRwError(req: VirtioBlkReq, errno: number): boolean {
    const isRead = req.op === 'read';
    const blk = this.blk;
    const action = blk.getErrorAction(isRead, errno);
    if (action === 'stop') {
      this.inflight.delete(req);
      this.rq.unshift(req);
    } else if (action === 'report') {
      this.reply(req, false);
      blk.acctFailed(req.acct!);
    }
    blk.errorAction(action, isRead, errno);
    return action !== 'ignore';
  }

  /** virtio_blk_process_queued_requests */
  private processQueuedRequests(): void {
    const list = this.rq;
    this.rq = [];
    for (const req of list) this.handleRequest(req);
  }

  /** virtio_blk_dma_restart_cb: only without ioeventfd (else dataplane start does it). */
  private dmaRestartCb(running: boolean): void {
    if (!running || this.ioeventfdEnabled) return;
    if (this.env.kernel.bugs.restartInChangeStateHandler) {
      this.processQueuedRequests();
      return;
    }
    if (!this.restartBh) {
      this.restartBh = this.blk.aioContext.bhNew(() => {
        this.restartBh?.delete();
        this.restartBh = null;
        this.processQueuedRequests();
      }, `${this.qdevId()}.virtio_blk_dma_restart_bh`);
      this.restartBh.schedule();
    }
  }

  /** virtio_blk_data_plane_start: move to the dataplane context, queued requests first, then the ring. */
  protected startIoeventfd(): void {
    if (this.iothread) this.blk.setAioContext(this.iothread.ctx);
    this.processQueuedRequests();
    if (this.vq.length) this.dpCtx.bhScheduleOneshot(() => this.handleVq(), `${this.qdevId()} vq kick`);
  }

  /** virtio_blk_data_plane_stop: drain, back to the main loop. */
  protected stopIoeventfd(): void {
    if (!this.iothread) return;
    this.blk.drain();
    this.blk.setAioContext(this.env.kernel.mainContext);
  }

  /** virtio_blk_reset: drain, drop queued requests, restore the write cache. */
  protected deviceReset(): void {
    const blk = this.conf.blk;
    if (!blk) return;
    blk.drain();
    for (const r of [...this.rq, ...this.vq, ...this.inflight]) r.done = null;
    this.rq = [];
    this.vq.length = 0;
    this.inflight.clear();
    blk.enableWriteCache = this.originalWce;
  }
}
