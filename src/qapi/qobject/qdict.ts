// Iteration order of QEMU's QDict (qobject/qdict.c): keys live in 512 hash
// buckets, iterated bucket by bucket, newest key first within a bucket. QEMU
// re-serialises an object it parsed in this order (an object `id` comes back
// reordered) and reports the first unexpected argument in this order.

const BUCKETS = 512;

/** A key's bytes as QEMU stores them: UTF-8, U+0000 as C0 80 (JSON input's modified UTF-8). */
function keyBytes(key: string): Uint8Array {
  const bytes = Buffer.from(key, 'utf8');
  if (!bytes.includes(0)) return bytes;
  return Buffer.from(Array.from(bytes).flatMap((b) => (b === 0 ? [0xc0, 0x80] : [b])));
}

function isPlainAscii(key: string): boolean {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c === 0 || c > 0x7f) return false;
  }
  return true;
}

/** qdict.c's string hash (tdb_hash) over the key's bytes. */
export function qdictHash(key: string): number {
  const bytes: ArrayLike<number> | null = isPlainAscii(key) ? null : keyBytes(key);
  const len = bytes ? bytes.length : key.length;
  let value = Math.imul(0x238f13af, len) >>> 0;
  for (let i = 0; i < len; i++) {
    const b = bytes ? bytes[i] : key.charCodeAt(i);
    value = (value + ((b << ((i * 5) % 24)) >>> 0)) >>> 0;
  }
  return (Math.imul(1103515243, value) + 12345) >>> 0;
}

/** Insertion indices (JS array indices, < 2^32) packed into one sort key with the bucket. */
const INDEX_LIMIT = 2 ** 32;

/** Insertion indices of `keys` in the order QEMU's qdict_first/qdict_next visit them. */
export function qdictOrderIndices(keys: readonly string[]): number[] {
  const n = keys.length;
  // Sort (bucket ascending, insertion index descending) as one number.
  const packed = (i: number): number => (qdictHash(keys[i]) % BUCKETS) * INDEX_LIMIT + (INDEX_LIMIT - 1 - i);
  const unpack = (v: number): number => INDEX_LIMIT - 1 - (v % INDEX_LIMIT);
  if (n <= SMALL) {
    const sortKeys: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = packed(i);
      let j = i;
      for (; j > 0 && sortKeys[j - 1] > v; j--) sortKeys[j] = sortKeys[j - 1];
      sortKeys[j] = v;
    }
    for (let j = 0; j < n; j++) sortKeys[j] = unpack(sortKeys[j]);
    return sortKeys;
  }
  const sortKeys = new Float64Array(n);
  for (let i = 0; i < n; i++) sortKeys[i] = packed(i);
  sortKeys.sort();
  return Array.from(sortKeys, unpack);
}

/** Up to this many keys, an insertion sort beats the typed-array sort. */
const SMALL = 16;

/** Keys in the order QEMU's qdict_first/qdict_next visit them, given insertion order. */
export function qdictOrder(keys: readonly string[]): string[] {
  return qdictOrderIndices(keys).map((i) => keys[i]);
}
