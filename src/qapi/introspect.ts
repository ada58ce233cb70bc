// query-qmp-schema / query-commands as QEMU 7.2 answers them
// (qapi/introspect.json, monitor/qmp-cmds-control.c): the recorded returns.

import { qemu72, type SchemaInfo } from './schema.js';

/** The `query-qmp-schema` return (type names masked as QEMU masks them). */
export function querySchema(): readonly SchemaInfo[] {
  return qemu72().schemaJson();
}

/** The `query-commands` return, in QEMU's order. */
export function queryCommands(): readonly { name: string }[] {
  return qemu72().commandList();
}

/** Whether QEMU 7.2 (pc machine, this build's configuration) has command `name`. */
export function isCommandKnown(name: string): boolean {
  return qemu72().schema().command(name) !== undefined;
}
