// scsi-hd and scsi-cd (hw/scsi/scsi-disk.c, hw/scsi/scsi-bus.c). Requests
// live on the device's request list. A data request is accounted when the
// block layer answers (failed on any error, whatever the policy), then
// scsi_handle_rw_error decides: report → CHECK CONDITION, ignore → carry
// on, stop → the request stays on the list with `retry` set. The VM
// change-state handler (priority = qdev depth) only schedules a BH in the
// drive's AioContext; the BH continues every request marked retry
// (scsi_dma_restart_cb / scsi_dma_restart_bh).

import type { BlockAcctCookie } from '../../block/block-acct.js';
import type { BlockBackend } from '../../block/block-backend.js';
import { QmpError } from '../../qapi/error.js';
import type { QEMUBH } from '../../sim/bottom-half.js';
import { BlockConf, blockConfProps } from '../block/block-conf.js';
import { cdTrayOps, newCdTray, type CdTray } from '../block/cd-tray.js';
import type { GuestDisk, GuestIo, GuestIoResult } from '../guest/guest-disk.js';
import type { HwEnv } from '../hw-env.js';
import { DeviceState, type DeviceTypeInfo, type PropDef } from '../qdev/device.js';
import { PROP } from '../qdev/qdev-props.js';
import { ScsiBus, type ScsiAddressed } from './scsi-bus.js';

export type ScsiKind = 'hd' | 'cd';

export interface ScsiHba {
  /** run `fn` where the HBA processes guest requests (its AioContext's thread) */
  kick(fn: () => void): void;
  /** PCI devfn of the HBA (firmware probe order) */
  readonly devfn: number;
}

/** SCSIRequest with the scsi-disk parts that matter here. */
interface ScsiRequest {
  readonly op: 'read' | 'write' | 'flush';
  readonly lba: number;
  readonly count: number;
  readonly data?: Buffer;
  retry: boolean;
  acct?: BlockAcctCookie;
  done: ((r: GuestIoResult) => void) | null;
}

export const SCSI_DEVICE_PROPS = (kind: ScsiKind): PropDef[] => [
  { name: 'channel', kind: PROP.UINT32, dflt: 0 },
  { name: 'scsi-id', kind: PROP.UINT32, dflt: 0xffffffff },
  { name: 'lun', kind: PROP.UINT32, dflt: 0xffffffff },
  { name: 'ver', kind: PROP.STR },
  { name: 'vendor', kind: PROP.STR },
  { name: 'product', kind: PROP.STR },
  { name: 'device_id', kind: PROP.STR },
  { name: 'wwn', kind: PROP.UINT64, dflt: 0 },
  { name: 'port_wwn', kind: PROP.UINT64, dflt: 0 },
  { name: 'port_index', kind: PROP.UINT16, dflt: 0 },
  { name: 'max_unmap_size', kind: PROP.UINT64, dflt: 1 << 30 },
  { name: 'max_io_size', kind: PROP.UINT64, dflt: 0x7fffffff },
  { name: 'scsi_version', kind: PROP.INT32, dflt: 5 },
  ...(kind === 'hd'
    ? [
        { name: 'removable', kind: PROP.BOOL, dflt: false },
        { name: 'dpofua', kind: PROP.BOOL, dflt: false },
        { name: 'rotation_rate', kind: PROP.UINT16, dflt: 0 },
      ]
    : []),
  ...blockConfProps((d) => (d as ScsiDisk).conf, { chs: kind === 'hd' }),
];

export class ScsiDisk extends DeviceState implements ScsiAddressed, GuestDisk {
  readonly conf = new BlockConf(this);
  readonly bus = 'scsi' as const;
  readonly tray: CdTray = newCdTray();
  channel = 0;
  target = -1;
  lun = -1;
  /** dev->requests */
  private readonly requests: ScsiRequest[] = [];
  private bh: QEMUBH | null = null;

  constructor(
    typeInfo: DeviceTypeInfo,
    env: HwEnv,
    readonly kind: ScsiKind,
  ) {
    super(typeInfo, env);
  }

  get dev(): DeviceState {
    return this;
  }

  get blockSize(): number {
    return this.kind === 'cd' ? 2048 : 512;
  }

  get blk(): BlockBackend {
    return this.conf.blk!;
  }

  get scsiBus(): ScsiBus {
    return this.parentBus as ScsiBus;
  }

  private get hba(): ScsiHba {
    return this.scsiBus.parent as unknown as ScsiHba;
  }

  /** scsi_qdev_realize → scsi_hd_realize / scsi_cd_realize → scsi_realize */
  protected doRealize(): void {
    this.scsiBus.assignAddress(this);
    if (this.kind === 'cd' && !this.conf.blk) this.conf.attachEmpty();
    const conf = this.conf;
    if (!conf.blk) throw QmpError.generic('drive property not set');
    const removable = this.kind === 'cd' || this.bool('removable');
    if (!removable && !this.blk.isInserted()) throw QmpError.generic('Device needs media, but drive is empty');
    if (this.kind === 'hd') conf.geometry(65535, 255, 255);
    const readOnly = this.kind === 'cd' || this.blk.isReadOnly();
    conf.applyBackendOptions(readOnly, this.kind === 'hd');
    this.blk.setDevOps(removable ? cdTrayOps(this.tray, this, () => this.blk) : {});
    this.blk.iostatusEnable();
    this.addVmChangeStateHandler((running) => this.dmaRestartCb(running), `${this.qdevId()}.scsi_dma_restart`);
  }

  /** scsi_qdev_unrealize: purge requests; a -drive BB goes with the device. */
  protected override doUnrealize(): void {
    this.purgeRequests();
    if (this.conf.blk) this.env.block.markAutoDel(this.conf.blk);
  }

  override reset(): void {
    this.purgeRequests();
  }

  /** scsi_device_purge_requests: the guest hears nothing more of them; then blk_drain. */
  private purgeRequests(): void {
    for (const r of this.requests.splice(0)) r.done = null;
    if (this.conf.blk) this.blk.drain();
  }

  // ---- GuestDisk ----------------------------------------------------------

  bootIndex(): number | undefined {
    return this.conf.bootIndex;
  }

  probeKey(): number[] {
    return [this.hba.devfn, this.target, this.lun];
  }

  mediumPresent(): boolean {
    return this.blk.isAvailable();
  }

  driverReady(): void {}

  /** The guest queues a command on the HBA; the HBA hands it to us in its context. */
  submit(io: GuestIo, done: (r: GuestIoResult) => void): void {
    const req: ScsiRequest = { op: io.op, lba: io.lba, count: io.count, data: io.data, retry: false, done };
    this.hba.kick(() => {
      if (!this.realized) return done({ ok: false });
      this.requests.push(req);
      this.execute(req);
    });
  }

  private complete(req: ScsiRequest, r: GuestIoResult): void {
    const i = this.requests.indexOf(req);
    if (i < 0) return; // purged
    this.requests.splice(i, 1);
    const done = req.done;
    req.done = null;
    done?.(r);
  }

  /** scsi_disk_emulate / scsi_disk_dma_command */
  private execute(req: ScsiRequest): void {
    const blk = this.blk;
    if (req.op === 'flush') {
      req.acct = blk.acctStart(0, 'flush');
      blk.aioFlush((ret) => this.flushComplete(req, ret));
      return;
    }
    if (!blk.isAvailable()) return this.complete(req, { ok: false }); // NOT READY
    const bs = this.blockSize;
    const len = blk.getLength();
    if (req.lba < 0 || (req.lba + req.count) * bs > len) {
      blk.acctInvalid(req.op);
      return this.complete(req, { ok: false }); // LBA OUT OF RANGE
    }
    const bytes = req.count * bs;
    req.acct = blk.acctStart(bytes, req.op);
    if (req.op === 'read') {
      blk.aioPreadv(req.lba * bs, bytes, (ret, data) => this.dmaComplete(req, ret, data));
    } else {
      const src = req.data ?? Buffer.alloc(0);
      const buf = src.length >= bytes ? Buffer.from(src.subarray(0, bytes)) : Buffer.concat([src, Buffer.alloc(bytes - src.length)]);
      blk.aioPwritev(req.lba * bs, buf, (ret) => this.dmaComplete(req, ret));
    }
  }

  /** scsi_dma_complete: accounted first, then the policy. */
  private dmaComplete(req: ScsiRequest, ret: number, data?: Buffer): void {
    if (!this.requests.includes(req)) return;
    if (ret < 0) this.blk.acctFailed(req.acct!);
    else this.blk.acctDone(req.acct!);
    if (ret < 0 && this.handleRwError(req, -ret, false)) return;
    this.complete(req, { ok: true, ...(data ? { data } : {}) });
  }

  /** scsi_aio_complete (SYNCHRONIZE CACHE) */
  private flushComplete(req: ScsiRequest, ret: number): void {
    if (!this.requests.includes(req)) return;
    if (ret < 0 && this.handleRwError(req, -ret, true)) return;
    this.blk.acctDone(req.acct!);
    this.complete(req, { ok: true });
  }

  /** scsi_handle_rw_error: true when the request must not go on. */
  private handleRwError(req: ScsiRequest, errno: number, acctFailed: boolean): boolean {
    const isRead = req.op === 'read';
    const blk = this.blk;
    const action = blk.getErrorAction(isRead, errno);
    blk.errorAction(action, isRead, errno);
    switch (action) {
      case 'report':
        if (acctFailed) blk.acctFailed(req.acct!);
        this.complete(req, { ok: false });
        return true;
      case 'ignore':
        return false;
      case 'stop':
        req.retry = true; // scsi_req_retry
        return true;
    }
  }

  /** scsi_dma_restart_cb */
  private dmaRestartCb(running: boolean): void {
    if (!running) return;
    if (this.env.kernel.bugs.restartInChangeStateHandler) {
      this.dmaRestartBh();
      return;
    }
    if (!this.bh) {
      this.bh = this.blk.aioContext.bhNew(() => this.dmaRestartBh(), `${this.qdevId()}.scsi_dma_restart_bh`);
      this.bh.schedule();
    }
  }

  /** scsi_dma_restart_bh: continue every request marked retry. */
  private dmaRestartBh(): void {
    this.bh?.delete();
    this.bh = null;
    for (const req of [...this.requests]) {
      if (!req.retry) continue;
      req.retry = false;
      this.execute(req);
    }
  }
}
