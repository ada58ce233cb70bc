import t from 'tap';
import { JsonStreamer } from '../src/monitor/json/index.js';
import { QFloat } from '../src/qapi/qobject/qobject.js';
import { toQmpJson } from '../src/qapi/qobject/writer.js';

// How the byte stream becomes messages (qobject/json-streamer.c) and what
// the parser says about each (qobject/json-parser.c). Checked against QEMU 7.2.

function run(...chunks: string[]): string[] {
  const out: string[] = [];
  const s = new JsonStreamer((m) => out.push('error' in m ? m.error : `value ${toQmpJson(m.value)}`));
  for (const c of chunks) s.feed(Buffer.from(c, 'latin1'));
  return out;
}

const err = (reason: string) => `JSON parse error, ${reason}`;
const EXPECTING = err('expecting value');
const v = (json: string) => `value ${json}`;

const CASES: Array<[what: string, input: string, expected: string[]]> = [
  ['requests need no separator', '{"id": 1}{"id": 2}[3]"4"', [v('{"id": 1}'), v('{"id": 2}'), v('[3]'), v('"4"')]],
  ['scalars at depth 0 are messages', '"query-status" true false null 42\n', [v('"query-status"'), v('true'), v('false'), v('null'), v('42')]],
  ['integers and doubles', '[-0, -0.0, 1e3, 1.5, 0.1]\n', [v('[0, -0, 1000, 1.5, 0.10000000000000001]')]],
  ['int64 / uint64 / beyond', '[9223372036854775807, -9223372036854775808, 18446744073709551615, 18446744073709551616, -9223372036854775809]\n',
    [v('[9223372036854775807, -9223372036854775808, 18446744073709551615, 1.8446744073709552e+19, -9.2233720368547758e+18]')]],
  ['double overflow prints inf', '[1e400, -1e400, 1e-400]\n', [v('[inf, -inf, 0]')]],
  ['empty containers', '{}[]{"a": {}, "b": []}\n', [v('{}'), v('[]'), v('{"a": {}, "b": []}')]],
  ['an id object comes back in QDict order', '{"seq": 1, "tag": ["x", null, true]}', [v('{"tag": ["x", null, true], "seq": 1}')]],
  // QEMU hashes U+0000 in a key as its stored form C0 80: bucket 195, after "tag" (132).
  ['a key holding U+0000 hashes as C0 80', '{"\\u0000": 1, "tag": 2}', [v('{"tag": 2, "\\u0000": 1}')]],
  ['... in either insertion order', '{"tag": 2, "\\u0000": 1}', [v('{"tag": 2, "\\u0000": 1}')]],
  ['... among other keys', '{"a\\u0000": 1, "b": 2, "id": 3}', [v('{"a\\u0000": 1, "b": 2, "id": 3}')]],
  // Keywords: runs of a-z, only three are valid.
  ['invalid keyword', 'garbage\n', [err("invalid keyword 'garbage'")]],
  ['keyword inside an object', '{"id": abc}\n', [err("invalid keyword 'abc'")]],
  ['keywords need a separator', 'truefalse\n', [err("invalid keyword 'truefalse'")]],
  ['a keyword ends at a non-letter', 'nul1\n', [err("invalid keyword 'nul'"), v('1')]],
  // Parse errors: one per message, the first the parser meets.
  ['missing colon', '{"execute" "query-status"}\n', [err('missing : in object pair')]],
  ['missing value', '{"a":}\n', [EXPECTING]],
  ['comma first', '{,}\n', [EXPECTING]],
  ['trailing comma in an object', '{"execute": "query-status", "id": 1,}\n', [EXPECTING]],
  ['trailing comma in an array', '{"id": [1,]}\n', [EXPECTING]],
  ['empty array element', '[,]\n', [EXPECTING]],
  ['key is not a string', '{1:2}\n', [err('key is not a string in object')]],
  ['an object as key is parsed first', '{{"a":1}:2}\n', [err('key is not a string in object')]],
  ['a bad key value reports its own error', '{[1,}:2}\n', [EXPECTING]],
  ['missing separator in an object', '{"a":1 "b":2}\n', [err('expected separator in dict')]],
  ['missing separator in an array', '[1 2]\n', [err('expected separator in list')]],
  ['duplicate key', '{"execute": "query-status", "id": "dup", "id": "dup2"}\n', [err('duplicate key')]],
  ['duplicate key spelled differently', '{"id": 1, \'\\u0069d\': 2}\n', [err('duplicate key')]],
  ['the value is parsed before the duplicate check', '{"a": 1, "a": x}\n', [err("invalid keyword 'x'")]],
  ['duplicates in nested objects are separate', '{"a": {"a": 1}}\n', [v('{"a": {"a": 1}}')]],
  ['a long invalid keyword is cut to 1023 bytes of message', `${'a'.repeat(3000)}\n`,
    [err(`invalid keyword '${'a'.repeat(1023 - "invalid keyword '".length)}`)]],
  // Splitting counts {} and [] separately, before parsing.
  ['a stray } gets its own error', '}\n', [EXPECTING]],
  ['a stray ] gets its own error', ']\n', [EXPECTING]],
  ['an extra } after a message', '{"id": "x"}}\n', [v('{"id": "x"}'), EXPECTING]],
  ['each leftover closer after a failed message', '{"id": TRUE}\n', ["JSON parse error, stray 'T'", EXPECTING]],
  ['closers only', '}}]]\n', [EXPECTING, EXPECTING, EXPECTING, EXPECTING]],
  ['a negative count ends the message at once', '{"a": 1]\n', [err('expected separator in dict')]],
  ['[} inside an object leaves it open', '{"a": [}\n{"id": 2}\n', []],
  ['... until the missing ] arrives', '{"a": [}\n{"id": 2}\n]\n', [EXPECTING]],
  ['[} alone: the } makes braces negative', '[}]\n', [EXPECTING, EXPECTING]],
  ['an open object swallows newlines', '{"execute":\n"query-status"\n}\n', [v('{"execute": "query-status"}')]],
  ['a colon at depth 0', ':\n', [EXPECTING]],
  ['a comma at depth 0', ',\n', [EXPECTING]],
  // A number or keyword completes only when the next byte arrives.
  ['a trailing number waits', '42', []],
  ['a trailing keyword waits', 'true', []],
];

for (const [what, input, expected] of CASES) {
  t.same(run(input), expected, what);
}

t.test('a number completes on the next byte, in whatever chunk', async (t) => {
  t.same(run('4', '2'), []);
  t.same(run('4', '2', '\n'), [v('42')]);
  t.same(run('-', '0', '.', '5', 'e', '1', ']'), [v('-5'), EXPECTING]);
  t.same(run('[1', ']'), [v('[1]')]);
});

t.test('values are QObjects: QFloat for doubles, bigint beyond 2^53', async (t) => {
  const out: unknown[] = [];
  const s = new JsonStreamer((m) => out.push(m));
  s.feed(Buffer.from('[1, 1.0, 9007199254740992, -9007199254740993, 18446744073709551615, 1e2, -0]\n'));
  t.same(out, [
    { value: [1, new QFloat(1), 9007199254740992n, -9007199254740993n, 18446744073709551615n, new QFloat(100), 0] },
  ]);
  const value = (out[0] as { value: unknown[] }).value;
  t.ok(Object.is(value[6], 0), '-0 is the integer 0');
  t.type(value[1], QFloat);
});

t.test('objects keep QDict order, including integer-like keys', async (t) => {
  t.same(run('{"1": "a", "0": "b", "tag": 1}\n'), run('{"tag": 1, "0": "b", "1": "a"}\n'), 'insertion order is irrelevant across buckets');
  const out: Array<{ value: Record<string, unknown> }> = [];
  const s = new JsonStreamer((m) => out.push(m as never));
  s.feed(Buffer.from('{"__proto__": {"polluted": 1}, "constructor": 2}\n'));
  const obj = out[0].value;
  t.equal(Object.getPrototypeOf(obj), Object.prototype, '__proto__ is an ordinary member');
  t.same(Object.keys(obj).sort(), ['__proto__', 'constructor']);
  t.equal(({} as Record<string, unknown>).polluted, undefined);
});

t.test('reset() drops a partial message and a partial token', async (t) => {
  const out: string[] = [];
  const s = new JsonStreamer((m) => out.push('error' in m ? m.error : toQmpJson(m.value)));
  s.feed(Buffer.from('{"execute": "query-status", "id": "ab'));
  s.reset();
  s.feed(Buffer.from('{"id": 1}'));
  s.feed(Buffer.from('[1, 2'));
  s.reset();
  s.feed(Buffer.from('12'));
  s.reset();
  s.feed(Buffer.from('3\n'));
  t.same(out, ['{"id": 1}', '3']);
});

t.test('an exception from the callback does not lose the rest of the chunk', async (t) => {
  const seen: unknown[] = [];
  const s = new JsonStreamer((m) => {
    seen.push(m);
    if (seen.length === 1) throw new Error('boom');
  });
  t.throws(() => s.feed(Buffer.from('1 2 3 ')), /boom/);
  t.equal(seen.length, 3);
  s.feed(Buffer.from('4 '));
  t.equal(seen.length, 4);
});
