// qapi/tpm.json (backends/tpm/tpm_backend.c, hw/tpm): the TPM front ends and
// back ends built into QEMU 7.2, as recorded. No TPM is modelled, so
// query-tpm lists none.

import type { CommandDef } from './registry.js';
import { recordedQuery } from './target-profile.js';

export const tpmCommands: CommandDef[] = [
  recordedQuery('query-tpm-models'),
  recordedQuery('query-tpm-types'),
  { name: 'query-tpm', run: () => [] },
];
