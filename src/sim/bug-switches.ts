// Test-only switches that re-introduce historical QEMU bugs, so the race
// tests can prove their invariant checks catch them. All off in production.

export interface BugSwitches {
  /** 2018, RHBZ 1562750 (fixed by "aio: Do aio_notify_accept only during
   * blocking aio_poll"): every aio_poll, from any thread, accepts
   * notifications and drains the context's event notifier. */
  notifyAcceptAnywhere: boolean;
  /** 2009 (hw/ide: restart from a bottom half): a device re-issues parked
   * requests inside its VM change-state handler instead of from a BH. */
  restartInChangeStateHandler: boolean;
  /** 2014 (before commit 2bd3bce8 "block: asynchronously stop the VM on I/O
   * errors"): action stop emits BLOCK_IO_ERROR, calls vm_stop synchronously
   * from whatever thread it is on, and only then sets the iostatus. */
  syncVmStopOnIoError: boolean;
  /** 2015 (before "mirror: Do not let the guest write while completing",
   * Nov 2015, and the 2016 follow-ups): mirror declares source and target in
   * sync, ends its drained section and leaves the graph switch to a later
   * main-loop bottom half; guest writes in between reach only the old image. */
  mirrorPivotOutsideDrain: boolean;
}

export const NO_BUGS: Readonly<BugSwitches> = Object.freeze({
  notifyAcceptAnywhere: false,
  restartInChangeStateHandler: false,
  syncVmStopOnIoError: false,
  mirrorPivotOutsideDrain: false,
});

export function bugSwitches(on: Partial<BugSwitches> = {}): BugSwitches {
  return { ...NO_BUGS, ...on };
}
