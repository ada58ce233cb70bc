// qapi/misc-target.json (target/i386/sev.c, hw/i386/sgx.c): what this host's
// QEMU 7.2 answered for the machine's accelerator (without KVM: errors).

import type { CommandDef } from './registry.js';
import { recordedQuery } from './target-profile.js';

export const miscTargetCommands: CommandDef[] = [
  recordedQuery('query-sev-capabilities'),
  recordedQuery('query-sgx-capabilities'),
  // query-sgx depends on the board (PC machines only)
  recordedQuery('query-sgx', true),
];
