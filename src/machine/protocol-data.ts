// Where the data recorded from real QEMU lives (protocol/qemu-7.2/).

import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';

function findRoot(): string {
  // src/machine/ in a checkout run from source, dist/src/machine/ when built.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'protocol', 'qemu-7.2'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('qmp-sim: cannot find protocol/qemu-7.2 (recorded QEMU data)');
}

let root: string | undefined; // immutable once found: the install location

export function protocolPath(file: string): string {
  root ??= findRoot();
  return join(root, 'protocol', 'qemu-7.2', file);
}
