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

/** qdict.c's string hash (tdb_hash) over the key's bytes. */
export function qdictHash(key: string): number {
  const bytes = keyBytes(key);
  let value = Math.imul(0x238f13af, bytes.length) >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    value = (value + ((bytes[i] << ((i * 5) % 24)) >>> 0)) >>> 0;
  }
  return (Math.imul(1103515243, value) + 12345) >>> 0;
}

/** Keys in the order QEMU's qdict_first/qdict_next visit them, given insertion order. */
export function qdictOrder(keys: readonly string[]): string[] {
  const buckets = new Map<number, string[]>();
  for (const k of keys) {
    const b = qdictHash(k) % BUCKETS;
    let list = buckets.get(b);
    if (!list) buckets.set(b, (list = []));
    list.unshift(k); // QLIST_INSERT_HEAD
  }
  return [...buckets.keys()].sort((a, b) => a - b).flatMap((b) => buckets.get(b)!);
}
