// What a device's completion callback does once its error policy chose an
// action (block/block-backend.c blk_error_action). For action stop, in this
// order: (a) set the iostatus, (b) take the vmstop mutex, (c) emit
// BLOCK_IO_ERROR, (d) request vm_stop(io-error) and release the mutex. So
// query-block never shows a lost iostatus, BLOCK_IO_ERROR always precedes
// STOP, and a racing `cont` sees the pending stop. Any thread may call it
// (iothreads included). For report/ignore: only BLOCK_IO_ERROR.

import type { VmRunState } from './vm-runstate.js';

/** qapi/block-core.json BlockErrorAction */
export type BlockErrorAction = 'ignore' | 'report' | 'stop';

/** BLOCK_IO_ERROR data, keys in QAPI declaration order. */
export interface BlockIoErrorData {
  /** BlockBackend name; "" for an anonymous one */
  device: string;
  /** root node of the BB; absent without a medium */
  'node-name'?: string;
  operation: 'read' | 'write';
  action: BlockErrorAction;
  /** errno == ENOSPC; present only when the BB has iostatus enabled */
  nospace?: boolean;
  /** strerror text */
  reason: string;
}

export interface BlkErrorSite {
  /** (a) set the BB's iostatus (failed / nospace, only if currently ok) */
  setIostatus(): void;
  /** the event's data (action is filled in) */
  data: Omit<BlockIoErrorData, 'action'>;
}

export function blkErrorAction(vm: VmRunState, action: BlockErrorAction, site: BlkErrorSite): void {
  const data = { ...site.data, action } as BlockIoErrorData;
  const emit = () => vm.events.emit('BLOCK_IO_ERROR', data as unknown as Record<string, unknown>);
  if (action !== 'stop') {
    emit();
    return;
  }
  if (vm.kernel.bugs.syncVmStopOnIoError) {
    // before 2bd3bce8 (2014): event, synchronous vm_stop, then iostatus
    emit();
    vm.unsafeVmStopAnyThread('io-error');
    site.setIostatus();
    return;
  }
  site.setIostatus();
  vm.vmstop.prepare();
  try {
    emit();
  } finally {
    vm.vmstop.request('io-error');
  }
}
