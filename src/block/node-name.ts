// Node and device names (util/id.c id_wellformed, id_generate; block.c
// bdrv_assign_node_name): a letter, then letters, digits, '-', '.', '_';
// node names shorter than 32 bytes; generated names "#block<counter><2
// random digits>".

import type { Prng } from '../sim/prng.js';

/** id_wellformed */
export function idWellformed(id: string): boolean {
  return /^[A-Za-z][A-Za-z0-9\-._]*$/.test(id);
}

/** sizeof(bs->node_name) */
export const NODE_NAME_SIZE = 32;

/** bdrv_assign_node_name's checks, in QEMU's order; null when the name is free. */
export function nodeNameError(name: string, isBackendName: (n: string) => boolean, isNodeName: (n: string) => boolean): string | null {
  if (!idWellformed(name)) return `Invalid node-name: '${name}'`;
  if (isBackendName(name)) return `node-name=${name} is conflicting with a device id`;
  if (isNodeName(name)) return `Duplicate nodes with node-name='${name}'`;
  if (Buffer.byteLength(name) >= NODE_NAME_SIZE) return 'Node name too long';
  return null;
}

/** id_generate(ID_BLOCK), one per graph. */
export class NodeNameGenerator {
  private counter = 0;

  constructor(private readonly rnd: Prng) {}

  next(): string {
    this.counter++;
    return `#block${this.counter}${String(this.rnd.int(100)).padStart(2, '0')}`;
  }
}
