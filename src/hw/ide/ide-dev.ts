// ide-hd and ide-cd (hw/ide/qdev.c, hw/ide/core.c, hw/ide/atapi.c): a unit
// on an IDE channel. Commands come from the guest's vCPU thread; block
// requests complete in the main AioContext. A failed request goes through
// ide_handle_rw_error: stop parks it in the bus's retry record (no
// accounting), report fails it (accounted as failed), ignore carries on as
// if it worked (accounted as done). ATAPI PIO reads have no policy at all
// (cd_read_sector_cb reports straight to the guest); ATAPI DMA consults
// werror, since its retry flags carry no READ bit.

import type { BlockAcctType } from '../../block/block-acct.js';
import type { BlockBackend } from '../../block/block-backend.js';
import { QmpError } from '../../qapi/error.js';
import { BlockConf, blockConfProps } from '../block/block-conf.js';
import type { GuestDisk, GuestIo, GuestIoResult } from '../guest/guest-disk.js';
import type { HwEnv } from '../hw-env.js';
import { DeviceState, type DeviceTypeInfo, type PropDef } from '../qdev/device.js';
import { PROP } from '../qdev/qdev-props.js';
import { IDE_RETRY, IdeBus, type IdeUnit } from './ide-bus.js';
import { retryFlags, type IdeCommand } from './ide-cmd.js';
import { cdTrayOps, newCdTray, type CdTray } from '../block/cd-tray.js';

export type IdeKind = 'hd' | 'cd';

const SECTOR = 512;
const CD_SECTOR = 2048;

export const IDE_PROPS = (kind: IdeKind): PropDef[] => [
  { name: 'unit', kind: PROP.UINT32, dflt: 0xffffffff },
  { name: 'ver', kind: PROP.STR },
  { name: 'wwn', kind: PROP.UINT64, dflt: 0 },
  { name: 'model', kind: PROP.STR },
  ...(kind === 'hd' ? [{ name: 'rotation_rate', kind: PROP.UINT16, dflt: 0 }, { name: 'bios-chs-trans', kind: PROP.STR }] : []),
  ...blockConfProps((d) => (d as IdeDrive).conf, { chs: kind === 'hd' }),
];

export class IdeDrive extends DeviceState implements IdeUnit, GuestDisk {
  readonly conf = new BlockConf(this);
  readonly bus = 'ide' as const;
  unit = -1;
  readonly tray: CdTray = newCdTray();
  /** the command owning the channel for this unit */
  private cur: IdeCommand | null = null;

  constructor(
    typeInfo: DeviceTypeInfo,
    env: HwEnv,
    readonly kind: IdeKind,
  ) {
    super(typeInfo, env);
  }

  get dev(): DeviceState {
    return this;
  }

  get blockSize(): number {
    return this.kind === 'cd' ? CD_SECTOR : SECTOR;
  }

  get ideBus(): IdeBus {
    return this.parentBus as IdeBus;
  }

  get blk(): BlockBackend {
    return this.conf.blk!;
  }

  // ---- realize ----------------------------------------------------------

  /** ide_qdev_realize + ide_dev_initfn + ide_init_drive */
  protected doRealize(): void {
    const bus = this.ideBus;
    let unit = this.num('unit');
    if (unit === 0xffffffff) unit = bus.master ? 1 : 0;
    if (unit >= bus.maxUnits) throw QmpError.generic(`Can't create IDE unit ${unit}, bus supports only ${bus.maxUnits} units`);
    if (bus.unitDev(unit)) throw QmpError.generic(`IDE unit ${unit} is in use`);
    this.unit = unit;
    this.props.set('unit', unit);
    if (unit === 0) bus.master = this;
    else bus.slave = this;
    try {
      this.initDrive();
    } catch (e) {
      if (unit === 0) bus.master = null;
      else bus.slave = null;
      throw e;
    }
  }

  private initDrive(): void {
    const conf = this.conf;
    if (!conf.blk) {
      if (this.kind !== 'cd') throw QmpError.generic('No drive specified');
      conf.attachEmpty();
    }
    const dg = this.num('discard_granularity');
    if (dg !== 0xffffffff && dg !== 0 && dg !== 512) throw QmpError.generic('discard_granularity must be 512 for ide');
    const lbs = this.num('logical_block_size');
    if (lbs !== 0 && lbs !== 512) throw QmpError.generic('logical_block_size must be 512 for IDE');
    if (this.kind !== 'cd') conf.geometry(65535, 16, 255);
    conf.applyBackendOptions(this.kind === 'cd', this.kind !== 'cd');
    const blk = this.blk;
    if (this.kind === 'cd') {
      blk.setDevOps(cdTrayOps(this.tray, this, () => this.blk));
    } else {
      if (!blk.isInserted()) throw QmpError.generic('Device needs media, but drive is empty');
      if (blk.isReadOnly()) throw QmpError.generic("Can't use a read-only drive");
      blk.setDevOps({ resizeCb: () => {} });
    }
    blk.iostatusEnable();
  }

  // ---- GuestDisk --------------------------------------------------------

  bootIndex(): number | undefined {
    return this.conf.bootIndex;
  }

  probeKey(): number[] {
    return [this.ideBus.busIndex, this.unit];
  }

  mediumPresent(): boolean {
    return this.blk.isAvailable();
  }

  driverReady(): void {}

  /** The guest writes the command register (ide_exec_cmd), in its vCPU thread. */
  submit(io: GuestIo, done: (r: GuestIoResult) => void): void {
    const cmd: IdeCommand = {
      op: io.op,
      mode: io.mode ?? 'pio',
      atapi: this.kind === 'cd',
      sector: io.lba,
      nsector: io.count,
      data: io.data,
      out: [],
      done,
    };
    this.ideBus.startCommand(() => this.start(cmd));
  }

  private start(cmd: IdeCommand): void {
    this.cur = cmd;
    const bus = this.ideBus;
    // ide_set_retry
    bus.retryUnit = this.unit;
    bus.retrySector = cmd.sector;
    bus.retryNsector = cmd.nsector;
    if (cmd.atapi && cmd.op !== 'read') return this.finish(cmd, false);
    if (cmd.atapi && !this.blk.isAvailable()) return this.finish(cmd, false); // NOT READY
    if (cmd.op === 'flush') return this.flushCache(cmd);
    if (cmd.mode === 'dma') return this.dmaStart(cmd);
    if (cmd.op === 'read') return this.sectorRead(cmd);
    return this.sectorWrite(cmd);
  }

  private finish(cmd: IdeCommand, ok: boolean): void {
    if (this.cur !== cmd) return;
    this.cur = null;
    const done = cmd.done;
    cmd.done = null;
    this.ideBus.commandDone();
    done?.({ ok, ...(cmd.op === 'read' ? { data: Buffer.concat(cmd.out) } : {}) });
  }

  private unitBytes(cmd: IdeCommand): number {
    return cmd.atapi ? CD_SECTOR : SECTOR;
  }

  /** ide_sect_range_ok / the ATAPI LBA check */
  private rangeOk(cmd: IdeCommand, n: number): boolean {
    const len = this.blk.getLength();
    return len >= 0 && cmd.sector >= 0 && (cmd.sector + n) * this.unitBytes(cmd) <= len;
  }

  private invalid(cmd: IdeCommand, type: BlockAcctType): void {
    this.blk.acctInvalid(type);
    this.finish(cmd, false);
  }

  // ---- PIO ----------------------------------------------------------------

  /** ide_sector_read / cd_read_sector: one sector (block) per request. */
  private sectorRead(cmd: IdeCommand): void {
    if (cmd.nsector === 0) return this.finish(cmd, true);
    if (!this.rangeOk(cmd, 1)) return this.invalid(cmd, 'read');
    const bytes = this.unitBytes(cmd);
    cmd.acct = this.blk.acctStart(bytes, 'read');
    this.blk.aioPreadv(cmd.sector * bytes, bytes, (ret, data) => this.sectorReadCb(cmd, ret, data));
  }

  private sectorReadCb(cmd: IdeCommand, ret: number, data: Buffer): void {
    if (this.cur !== cmd) return; // the unit was reset
    if (ret < 0) {
      if (cmd.atapi) {
        // cd_read_sector_cb: no error policy for ATAPI PIO
        this.blk.acctFailed(cmd.acct!);
        return this.finish(cmd, false);
      }
      if (this.handleRwError(cmd, -ret)) return;
    }
    this.blk.acctDone(cmd.acct!);
    cmd.out.push(data);
    cmd.sector++;
    cmd.nsector--;
    this.sectorRead(cmd); // the guest drains the data register; the next sector follows
  }

  /** ide_sector_write */
  private sectorWrite(cmd: IdeCommand): void {
    if (cmd.nsector === 0) return this.finish(cmd, true);
    if (!this.rangeOk(cmd, 1)) return this.invalid(cmd, 'write');
    const chunk = Buffer.from((cmd.data ?? Buffer.alloc(0)).subarray(0, SECTOR));
    const buf = chunk.length === SECTOR ? chunk : Buffer.concat([chunk, Buffer.alloc(SECTOR - chunk.length)]);
    cmd.acct = this.blk.acctStart(SECTOR, 'write');
    this.blk.aioPwritev(cmd.sector * SECTOR, buf, (ret) => this.sectorWriteCb(cmd, ret));
  }

  private sectorWriteCb(cmd: IdeCommand, ret: number): void {
    if (this.cur !== cmd) return;
    if (ret < 0 && this.handleRwError(cmd, -ret)) return;
    this.blk.acctDone(cmd.acct!);
    cmd.data = cmd.data?.subarray(SECTOR);
    cmd.sector++;
    cmd.nsector--;
    this.sectorWrite(cmd);
  }

  // ---- bus-master DMA (hw/ide/pci.c bmdma, ide_dma_cb) ---------------------

  private dmaStart(cmd: IdeCommand): void {
    if (cmd.nsector === 0) return this.finish(cmd, true);
    const type: BlockAcctType = cmd.op === 'read' ? 'read' : 'write';
    if (!this.rangeOk(cmd, cmd.nsector)) return this.invalid(cmd, type);
    const bytes = cmd.nsector * this.unitBytes(cmd);
    const offset = cmd.sector * this.unitBytes(cmd);
    cmd.acct = this.blk.acctStart(bytes, type);
    if (cmd.op === 'read') {
      this.blk.aioPreadv(offset, bytes, (ret, data) => this.dmaCb(cmd, ret, data));
    } else {
      const src = cmd.data ?? Buffer.alloc(0);
      const buf = src.length >= bytes ? Buffer.from(src.subarray(0, bytes)) : Buffer.concat([src, Buffer.alloc(bytes - src.length)]);
      this.blk.aioPwritev(offset, buf, (ret) => this.dmaCb(cmd, ret));
    }
  }

  private dmaCb(cmd: IdeCommand, ret: number, data?: Buffer): void {
    if (this.cur !== cmd) return;
    if (ret < 0 && this.handleRwError(cmd, -ret)) return;
    this.blk.acctDone(cmd.acct!);
    if (data) cmd.out.push(data);
    cmd.sector += cmd.nsector;
    cmd.nsector = 0;
    this.finish(cmd, true);
  }

  // ---- FLUSH CACHE ----------------------------------------------------------

  private flushCache(cmd: IdeCommand): void {
    cmd.acct = this.blk.acctStart(0, 'flush');
    this.blk.aioFlush((ret) => {
      if (this.cur !== cmd) return;
      if (ret < 0 && this.handleRwError(cmd, -ret)) return;
      this.blk.acctDone(cmd.acct!);
      this.finish(cmd, true);
    });
  }

  // ---- errors and restart -------------------------------------------------

  /** ide_handle_rw_error: true when the command must not continue. */
  private handleRwError(cmd: IdeCommand, errno: number): boolean {
    const op = retryFlags(cmd);
    const isRead = (op & IDE_RETRY.READ) !== 0;
    const blk = this.blk;
    const action = blk.getErrorAction(isRead, errno);
    if (action === 'stop') {
      this.ideBus.errorStatus = op;
      this.ideBus.retryUnit = this.unit;
    } else if (action === 'report') {
      blk.acctFailed(cmd.acct!);
      this.finish(cmd, false);
    }
    blk.errorAction(action, isRead, errno);
    return action !== 'ignore';
  }

  /** The bus's restart BH (ide_restart_bh) hands back the parked command's flags. */
  restart(status: number): void {
    const cmd = this.cur;
    if (!cmd) return; // reset since: the registers say nothing is left to do
    if (status & IDE_RETRY.FLUSH) return this.flushCache(cmd);
    if (status & (IDE_RETRY.DMA | IDE_RETRY.ATAPI)) {
      // ide_restart_dma: from the retry record
      cmd.sector = this.ideBus.retrySector;
      cmd.nsector = this.ideBus.retryNsector;
      return this.dmaStart(cmd);
    }
    if (status & IDE_RETRY.PIO) {
      if (status & IDE_RETRY.READ) this.sectorRead(cmd);
      else this.sectorWrite(cmd);
    }
  }

  /** ide_reset: the command in progress is dropped; ATAPI tray closed and unlocked. */
  resetUnit(): void {
    const cmd = this.cur;
    this.cur = null;
    if (cmd) cmd.done = null;
    if (this.kind === 'cd') {
      this.tray.open = false;
      this.tray.locked = false;
    }
  }
}
