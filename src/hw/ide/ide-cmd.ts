// One ATA/ATAPI command in progress on an IDE unit (the IDEState registers
// that matter here: current sector, sectors left, transfer mode), and how
// a failure maps to the retry flags (hw/ide/core.c ide_dma_cmd_to_retry).

import type { BlockAcctCookie } from '../../block/block-acct.js';
import type { GuestIoResult } from '../guest/guest-disk.js';
import { IDE_RETRY } from './ide-bus.js';

export type IdeOp = 'read' | 'write' | 'flush';

export interface IdeCommand {
  readonly op: IdeOp;
  readonly mode: 'pio' | 'dma';
  /** ATAPI (ide-cd) packet command: 2048-byte blocks */
  readonly atapi: boolean;
  /** next sector (512 bytes; ATAPI: 2048-byte block) */
  sector: number;
  /** sectors (blocks) left */
  nsector: number;
  /** write payload still to transfer */
  data?: Buffer;
  /** read data gathered so far */
  readonly out: Buffer[];
  /** the open accounting cookie of the request in flight */
  acct?: BlockAcctCookie;
  /** the guest's completion; dropped when the unit is reset */
  done: ((r: GuestIoResult) => void) | null;
}

/** ide_dma_cmd_to_retry and the PIO/flush flags: what error_status records. */
export function retryFlags(cmd: IdeCommand): number {
  if (cmd.op === 'flush') return IDE_RETRY.FLUSH;
  if (cmd.atapi) return cmd.mode === 'dma' ? IDE_RETRY.ATAPI : 0;
  const read = cmd.op === 'read' ? IDE_RETRY.READ : 0;
  return (cmd.mode === 'dma' ? IDE_RETRY.DMA : IDE_RETRY.PIO) | read;
}
