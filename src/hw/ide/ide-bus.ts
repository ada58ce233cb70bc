// An IDE channel (include/hw/ide/internal.h IDEBus, hw/ide/core.c): two
// units, one command at a time, and the error_status retry record a failed
// request leaves when the policy says stop. The VM change-state handler
// only schedules a bottom half; the BH re-issues the parked command
// (ide_restart_cb / ide_restart_bh: the 2009 fix). BugSwitches
// .restartInChangeStateHandler re-creates the old synchronous restart.

import type { QEMUBH } from '../../sim/bottom-half.js';
import { BusState } from '../qdev/bus.js';
import type { DeviceState } from '../qdev/device.js';
import type { HwEnv } from '../hw-env.js';

/** Retry flags of error_status (include/hw/ide/internal.h), as data. */
export const IDE_RETRY = {
  DMA: 0x08,
  PIO: 0x10,
  ATAPI: 0x20,
  READ: 0x40,
  FLUSH: 0x80,
  TRIM: 0x100,
  HBA: 0x200,
} as const;

/** A unit of the channel as the bus sees it (hw/ide/ide-dev.ts implements it). */
export interface IdeUnit {
  readonly dev: DeviceState;
  readonly unit: number;
  /** re-issue the parked command described by the bus's retry record */
  restart(status: number): void;
  /** ide_reset: drop the current command */
  resetUnit(): void;
}

export class IdeBus extends BusState {
  readonly maxUnits = 2;
  master: IdeUnit | null = null;
  slave: IdeUnit | null = null;
  /** bus->error_status: IDE_RETRY_* of the parked command, 0 if none */
  errorStatus = 0;
  /** bus->retry_unit, retry_sector_num, retry_nsector (ide_set_retry) */
  retryUnit = -1;
  retrySector = 0;
  retryNsector = 0;
  private bh: QEMUBH | null = null;
  /** a command owns the channel (BSY/DRQ); the guest driver waits for it */
  private busy = false;
  private readonly waiting: (() => void)[] = [];

  constructor(
    name: string,
    parent: DeviceState,
    private readonly env: HwEnv,
    readonly busIndex: number,
  ) {
    super(name, 'IDE', parent);
  }

  unitDev(n: number): IdeUnit | null {
    return n === 0 ? this.master : this.slave;
  }

  /** ide_register_restart_cb: a plain (priority 0) change-state handler. */
  registerRestartCb(): void {
    this.env.vm.addChangeStateHandler((running) => this.restartCb(running), 0, `${this.name}.restart`);
  }

  /** ide_restart_cb */
  private restartCb(running: boolean): void {
    if (!running) return;
    if (this.env.kernel.bugs.restartInChangeStateHandler) {
      this.restartBh(); // the pre-2009 bug: re-issue inside vm_start's handler walk
      return;
    }
    if (!this.bh) {
      this.bh = this.env.kernel.mainContext.bhNew(() => this.restartBh(), `${this.name}.restart_bh`);
      this.bh.schedule();
    }
  }

  /** ide_restart_bh: clear error_status first (the retry may set it again), then re-issue. */
  private restartBh(): void {
    this.bh?.delete();
    this.bh = null;
    const status = this.errorStatus;
    if (status === 0) return;
    const unit = this.unitDev(this.retryUnit);
    this.errorStatus = 0;
    unit?.restart(status);
  }

  /** Run a command when the channel is free (a guest driver serialises them). */
  startCommand(start: () => void): void {
    if (this.busy) {
      this.waiting.push(start);
      return;
    }
    this.busy = true;
    start();
  }

  /** The command finished (ide_cmd_done): the next one may go. */
  commandDone(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
  }

  /** ide_bus_reset: the units reset; error_status and the retry record survive (7.2). */
  resetBus(): void {
    this.busy = false;
    this.waiting.length = 0;
    this.master?.resetUnit();
    this.slave?.resetUnit();
  }
}
