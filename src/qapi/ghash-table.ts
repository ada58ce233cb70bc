// A model of GLib's GHashTable (glib/ghash.c, GLib 2.74 as linked by QEMU
// 7.2) keyed by g_str_hash, just enough to know its iteration order.
// QEMU's input visitor keeps the keys of every object it visits in such a
// table (qapi/qobject-input-visitor.c) and reports the first key still there
// after the members were consumed: that is the "Parameter '%s' is unexpected".

const UNUSED = 0;
const TOMBSTONE = 1;
const MIN_SHIFT = 3;

/** glib's prime modulus per table shift (first prime below 2^shift). */
const PRIME_MOD = [
  1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071, 262139, 524287,
  1048573, 2097143, 4194301, 8388593, 16777213, 33554393, 67108859, 134217689, 268435399, 536870909, 1073741789,
  2147483647,
];

/** g_str_hash: h = h * 33 + c over the key's bytes as *signed* chars, from 5381; stops at NUL. */
export function gStrHash(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  let h = 5381;
  for (const b of bytes) {
    if (b === 0) break;
    h = (Math.imul(h, 33) + (b >= 0x80 ? b - 0x100 : b)) >>> 0;
  }
  return h;
}

export class GHashTableModel {
  private size = 0;
  private mod = 0;
  private mask = 0;
  private nnodes = 0;
  private noccupied = 0;
  private hashes: number[] = [];
  private keys: (string | undefined)[] = [];

  constructor() {
    this.setShift(MIN_SHIFT);
    this.hashes = new Array<number>(this.size).fill(UNUSED);
    this.keys = new Array<string | undefined>(this.size).fill(undefined);
  }

  private setShift(shift: number): void {
    this.size = 1 << shift;
    this.mod = PRIME_MOD[shift];
    this.mask = this.size - 1;
  }

  private setShiftFromSize(n: number): void {
    let shift = 0;
    for (let v = Math.trunc(n); v; v >>= 1) shift++;
    this.setShift(Math.max(shift, MIN_SHIFT));
  }

  private hashToIndex(hash: number): number {
    return (Math.imul(hash, 11) >>> 0) % this.mod;
  }

  private static hashOf(key: string): number {
    const h = gStrHash(key);
    return h <= TOMBSTONE ? 2 : h;
  }

  /** Index of `key`, or where it would go: first tombstone seen, else the free slot. */
  private lookupNode(key: string, hash: number): number {
    let index = this.hashToIndex(hash);
    let firstTombstone = -1;
    let step = 0;
    while (this.hashes[index] !== UNUSED) {
      if (this.hashes[index] === hash && this.keys[index] === key) return index;
      if (this.hashes[index] === TOMBSTONE && firstTombstone < 0) firstTombstone = index;
      step++;
      index = (index + step) & this.mask;
    }
    return firstTombstone >= 0 ? firstTombstone : index;
  }

  insert(key: string): void {
    const hash = GHashTableModel.hashOf(key);
    const index = this.lookupNode(key, hash);
    const old = this.hashes[index];
    if (old > TOMBSTONE) return; // already present: value replaced, order unchanged
    this.hashes[index] = hash;
    this.keys[index] = key;
    this.nnodes++;
    if (old === UNUSED) {
      this.noccupied++;
      this.maybeResize();
    }
  }

  remove(key: string): boolean {
    const hash = GHashTableModel.hashOf(key);
    const index = this.lookupNode(key, hash);
    if (this.hashes[index] <= TOMBSTONE) return false;
    this.hashes[index] = TOMBSTONE;
    this.keys[index] = undefined;
    this.nnodes--;
    this.maybeResize();
    return true;
  }

  private maybeResize(): void {
    const { size, noccupied, nnodes } = this;
    if ((size > nnodes * 4 && size > 1 << MIN_SHIFT) || size <= noccupied + Math.trunc(noccupied / 16)) this.resize();
  }

  /** In-place rehash with an "already placed" bitmap and eviction chains (g_hash_table_resize). */
  private resize(): void {
    const oldSize = this.size;
    this.setShiftFromSize(this.nnodes * 1.333);
    const span = Math.max(oldSize, this.size);
    for (let i = oldSize; i < span; i++) {
      this.hashes[i] = UNUSED;
      this.keys[i] = undefined;
    }
    const placed = new Array<boolean>(span).fill(false);
    for (let i = 0; i < oldSize; i++) {
      let hash = this.hashes[i];
      if (hash <= TOMBSTONE) {
        this.hashes[i] = UNUSED;
        continue;
      }
      if (placed[i]) continue;
      this.hashes[i] = UNUSED;
      let key = this.keys[i];
      this.keys[i] = undefined;
      for (;;) {
        let index = this.hashToIndex(hash);
        let step = 0;
        while (placed[index]) {
          step++;
          index = (index + step) & this.mask;
        }
        placed[index] = true;
        const replacedHash = this.hashes[index];
        const replacedKey = this.keys[index];
        this.hashes[index] = hash;
        this.keys[index] = key;
        if (replacedHash <= TOMBSTONE) break;
        hash = replacedHash;
        key = replacedKey;
      }
    }
    this.hashes.length = this.size;
    this.keys.length = this.size;
    this.noccupied = this.nnodes;
  }

  /** Keys in g_hash_table_iter order (slot 0 upward). */
  *[Symbol.iterator](): IterableIterator<string> {
    for (let i = 0; i < this.size; i++) if (this.hashes[i] > TOMBSTONE) yield this.keys[i]!;
  }

  first(): string | undefined {
    for (const k of this) return k;
    return undefined;
  }
}
