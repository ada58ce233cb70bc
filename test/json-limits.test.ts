import t from 'tap';
import { JsonStreamer, MAX_NESTING, MAX_TOKEN_COUNT, MAX_TOKEN_SIZE } from '../src/monitor/json/index.js';
import { isQDict } from '../src/qapi/qobject/qobject.js';
import { toQmpJson } from '../src/qapi/qobject/writer.js';

// The streamer's safety limits (qobject/json-streamer.c, json-lexer.c):
// an error, then a clean state. Nesting and token count checked against
// QEMU 7.2; the 64 MiB size limits follow QEMU's source.

/** Errors as their text, values as 'value ' + the start of their JSON (long strings cut first). */
function run(...chunks: Buffer[]): string[] {
  const out: string[] = [];
  const short = (v: unknown): unknown =>
    typeof v === 'string' ? v.slice(0, 8) : isQDict(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, short(x)])) : v;
  const s = new JsonStreamer((m) => out.push('error' in m ? m.error : `value ${toQmpJson(short(m.value)).slice(0, 40)}`));
  for (const c of chunks) s.feed(c);
  return out;
}
const b = (s: string) => Buffer.from(s, 'latin1');
const NESTING = 'JSON nesting depth limit exceeded';
const COUNT = 'JSON token count limit exceeded';
const SIZE = 'JSON token size limit exceeded';
const AFTER = b('{"id": "after"}\n');
const AFTER_VALUE = 'value {"id": "after"}';

t.equal(MAX_NESTING, 1024);
t.equal(MAX_TOKEN_COUNT, 2 * 1024 * 1024);
t.equal(MAX_TOKEN_SIZE, 64 * 1024 * 1024);

t.test('nesting: 1024 levels of { and [ together', async (t) => {
  const deep = (n: number) => b('['.repeat(n) + ']'.repeat(n) + '\n');
  t.same(run(deep(1024)), [`value ${'['.repeat(40)}`], '1024 is fine');
  t.same(run(deep(1025)), [NESTING, ...Array(1025).fill('JSON parse error, expecting value')], '1025: error, then every closer');
  const mixed = b('{"id": ' + '['.repeat(1023) + ']'.repeat(1023) + '}\n');
  t.same(run(mixed), [`value {"id": ${'['.repeat(33)}`], 'the object counts as one level');
  const golden = b('{"execute": "query-status", "id": ' + '['.repeat(1024) + '\n');
  t.same(run(golden, AFTER), [NESTING, AFTER_VALUE], 'the error resets the counts: nothing stays open');
  t.same(run(b('['.repeat(2050) + '\n'), AFTER), [NESTING, NESTING, AFTER_VALUE], 'counting starts again after the error');
});

t.test('deep input parses without recursion trouble', async (t) => {
  const n = MAX_NESTING;
  const text = '{"a": '.repeat(n / 2) + '['.repeat(n / 2) + '1' + ']'.repeat(n / 2) + '}'.repeat(n / 2);
  const out: unknown[] = [];
  const s = new JsonStreamer((m) => out.push(m));
  s.feed(b(text));
  t.equal(out.length, 1);
  let v = (out[0] as { value: unknown }).value;
  let depth = 0;
  while (typeof v === 'object' && v !== null) {
    v = Array.isArray(v) ? v[0] : (v as Record<string, unknown>).a;
    depth++;
  }
  t.equal(depth, n);
  t.equal(v, 1);
});

t.test('token count: at most 2097152 tokens per message', async (t) => {
  const commas = (n: number) => b('[' + ','.repeat(n) + ']\n');
  t.same(run(commas(MAX_TOKEN_COUNT - 2), AFTER), ['JSON parse error, expecting value', AFTER_VALUE], '2097152 tokens are parsed');
  t.same(run(commas(MAX_TOKEN_COUNT - 1), AFTER), [COUNT, AFTER_VALUE], 'the 2097153rd token is refused');
});

t.test('token size: all tokens of a message share 64 MiB', async (t) => {
  // Tokens '{' '"id"' ':' string '}' = L + 10 bytes; the check is size + 1 > limit.
  const message = (l: number) => {
    const buf = Buffer.alloc(l + 11, 'a');
    buf.write('{"id": "', 0, 'latin1');
    buf.write('"}\n', l + 8, 'latin1');
    return buf;
  };
  const fits = run(message(MAX_TOKEN_SIZE - 10));
  t.same(fits, ['value {"id": "aaaaaaaa"}']);
  t.same(run(message(MAX_TOKEN_SIZE - 9), AFTER), [SIZE, AFTER_VALUE], 'one byte more is refused');
  const pieces = Buffer.concat([b('['), ...Array(65).fill(b(`"${'a'.repeat(1024 * 1024)}",`)), b('1]\n')]);
  const out = run(pieces);
  t.equal(out[0], SIZE, 'many tokens add up');
});

t.test('a single token over 64 MiB is cut off and its rest lexed afresh', async (t) => {
  const big = Buffer.alloc(MAX_TOKEN_SIZE + 8, 'a');
  big[0] = 0x22; // '"' + (64 MiB + 5) × 'a' + '"\n'
  big.write('"\n', MAX_TOKEN_SIZE + 6, 'latin1');
  const expected = [SIZE, "JSON parse error, invalid keyword 'aaaaa'", 'JSON parse error, stray \'"\n\''];
  t.same(run(big, AFTER), [...expected, AFTER_VALUE], 'one chunk');
  const chunks: Buffer[] = [];
  for (let off = 0; off < big.length; off += 999_983) chunks.push(big.subarray(off, off + 999_983));
  t.same(run(...chunks, AFTER), [...expected, AFTER_VALUE], 'many chunks');
  const keyword = Buffer.alloc(MAX_TOKEN_SIZE + 4, 'z'); // (64 MiB + 2) × 'z' + '1\n'
  keyword.write('1\n', MAX_TOKEN_SIZE + 2, 'latin1');
  t.same(run(keyword), [SIZE, "JSON parse error, invalid keyword 'z'", 'value 1'], 'a keyword too');
});
