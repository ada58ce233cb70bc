// ShutdownCause (qapi/run-state.json) and what follows from it
// (include/sysemu/runstate.h shutdown_caused_by_guest, softmmu/runstate.c
// qemu_system_reset).

/** In enum order: shutdownCausedByGuest depends on it. */
export const SHUTDOWN_CAUSES = [
  'none',
  'host-error',
  'host-qmp-quit',
  'host-qmp-system-reset',
  'host-signal',
  'host-ui',
  'guest-shutdown',
  'guest-reset',
  'guest-panic',
  'subsystem-reset',
  'snapshot-load',
] as const;

export type ShutdownCause = (typeof SHUTDOWN_CAUSES)[number];

/** SHUTDOWN/RESET "guest" flag: 7.2 counts every cause from guest-shutdown on. */
export function shutdownCausedByGuest(cause: ShutdownCause): boolean {
  return SHUTDOWN_CAUSES.indexOf(cause) >= SHUTDOWN_CAUSES.indexOf('guest-shutdown');
}

/** Causes whose reset emits no RESET event. */
export const SILENT_RESET_CAUSES: readonly ShutdownCause[] = ['none', 'subsystem-reset', 'snapshot-load'];

/** SHUTDOWN / RESET event data, key order as QAPI declares it. */
export function shutdownEventData(cause: ShutdownCause): { guest: boolean; reason: ShutdownCause } {
  return { guest: shutdownCausedByGuest(cause), reason: cause };
}
