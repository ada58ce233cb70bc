// Iteration order of QEMU's QDict (qobject/qdict.c): keys live in 512 hash
// buckets, iterated bucket by bucket, newest key first within a bucket. QEMU
// re-serialises an object it parsed in this order (an object `id` comes back
// reordered) and reports the first unexpected argument in this order.

const BUCKETS = 512;

/** qdict.c's string hash (tdb_hash) over the key's UTF-8 bytes. */
export function qdictHash(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
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
