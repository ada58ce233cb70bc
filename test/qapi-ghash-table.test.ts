// The GHashTable model behind "Parameter '%s' is unexpected": hashing,
// slot order, growth and shrinking. Orders observed on real QEMU are
// replayed in qapi-argument-probes.test.ts; this pins the mechanics.

import t from 'tap';
import { GHashTableModel, gStrHash } from '../src/qapi/ghash-table.js';
import { firstLeftover } from '../src/qapi/input-visitor.js';

t.test('g_str_hash is djb2 over signed chars', async (t) => {
  t.equal(gStrHash(''), 5381);
  t.equal(gStrHash('a'), 177670, '5381 * 33 + 97');
  t.equal(gStrHash('é'), 5857809, 'UTF-8 bytes 0xC3 0xA9 count as -61, -87');
  t.equal(gStrHash('command-line'), 4036319385, 'wraps at 32 bits');
  t.equal(gStrHash('a\u0000b'), gStrHash('a'), 'stops at NUL like a C string');
});

t.test('iteration runs over slots, not insertion order', async (t) => {
  // 8 slots, index = hash * 11 % 7: 'a' -> 5, 'b' -> 2
  for (const keys of [['a', 'b'], ['b', 'a']]) {
    const h = new GHashTableModel();
    for (const k of keys) h.insert(k);
    t.same([...h], ['b', 'a'], keys.join(','));
  }
  t.equal(firstLeftover(['a', 'b'], []), 'b', 'QEMU: {"a":1,"b":2} -> Parameter \'b\' is unexpected');
});

t.test('a removed key leaves a tombstone, not a gap in probing', async (t) => {
  // 'a', 'h' and 'o' all start at slot 5 of 8; 'h' and 'o' probe on to 6 and 0
  const h = new GHashTableModel();
  for (const k of ['a', 'h', 'o']) h.insert(k);
  t.same([...h], ['o', 'a', 'h']);
  t.ok(h.remove('a'));
  t.notOk(h.remove('a'), 'second removal finds nothing');
  t.ok(h.remove('o'), "'o' is still found past the tombstone at slot 5");
  t.same([...h], ['h']);
  h.insert('v');
  t.same([...h], ['v', 'h'], "'v' takes the first tombstone of its probe sequence (slot 5)");
});

t.test('contents survive growth and shrinking', async (t) => {
  let seed = 99;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff), seed / 0x80000000);
  for (let round = 0; round < 200; round++) {
    const h = new GHashTableModel();
    const live = new Set<string>();
    const ops = 1 + Math.floor(rnd() * 120);
    for (let i = 0; i < ops; i++) {
      const k = `k${Math.floor(rnd() * 60)}`;
      if (rnd() < 0.6) {
        h.insert(k);
        live.add(k);
      } else {
        t.equal(h.remove(k), live.delete(k), `remove ${k}`);
      }
    }
    const seen = [...h];
    t.equal(seen.length, new Set(seen).size, 'no key twice');
    t.same(seen.sort(), [...live].sort(), `round ${round}`);
  }
});

t.test('leftovers after consumed members', async (t) => {
  // observed on QEMU 7.2 (argument-probes.json)
  t.equal(firstLeftover(['zz', 'command-line', 'cpu-index', 'yy'], ['command-line', 'cpu-index']), 'yy');
  const blockdev = ['extra1', 'driver', 'node-name', 'discard', 'cache', 'read-only', 'auto-read-only', 'force-share',
    'detect-zeroes', 'size', 'latency-ns', 'read-zeroes', 'extra2'];
  t.equal(firstLeftover(blockdev, blockdev.slice(1, -1)), 'extra2', 'the 16-slot table shrinks back to 8 while members are consumed');
});
