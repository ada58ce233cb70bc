import t from 'tap';
import { JsonStreamer } from '../src/monitor/json/index.js';
import { toQmpJson } from '../src/qapi/qobject/writer.js';

// Lexical errors (qobject/json-lexer.c): the "stray" report, and where the
// lexer picks up again. Expected texts checked against QEMU 7.2.

/** Feed Latin-1 chunks; each message is 'value <json>' or its error text. */
function run(...chunks: string[]): string[] {
  const out: string[] = [];
  const s = new JsonStreamer((m) => out.push('error' in m ? m.error : `value ${toQmpJson(m.value)}`));
  for (const c of chunks) s.feed(Buffer.from(c, 'latin1'));
  return out;
}

const stray = (text: string) => `JSON parse error, stray '${text}'`;
const EXPECTING = 'JSON parse error, expecting value';
const NOT_OBJ = (v: string) => `value ${v}`;

const CASES: Array<[what: string, input: string, expected: string[]]> = [
  // A byte that cannot start a token is reported with the token so far.
  ['upper-case letter', 'T\n', [stray('T')]],
  ['plus sign', '+1\n', [stray('+')]],
  ['lone dot', '.5\n', [stray('.')]],
  ['percent (no interpolation for QMP)', '%d\n', [stray('%')]],
  ['DEL', '\x7f\n', [stray('\x7f')]],
  ['raw UTF-8 outside a string', '\xc3\xa9\n', [stray('\uFFFD')]],
  ['vertical tab is not whitespace', '\x0b\n', [stray('\x0b')]],
  ['form feed is not whitespace', '\x0c\n', [stray('\x0c')]],
  ['leading zero', '01\n', [stray('01')]],
  ['negative leading zero', '-01\n', [stray('-01')]],
  ['minus without digit', '-a\n', [stray('-a')]],
  ['point without digit', '1.x\n', [stray('1.x')]],
  ['exponent without digit', '1e,\n', [stray('1e,')]],
  ['exponent sign without digit', '1e+]\n', [stray('1e+]')]],
  // Inside a string, only 0x20..0xFD may appear raw; the rest of the
  // string, closing quote included, is then skipped by recovery.
  ['TAB in a string', '"tab\tinside"\n', [stray('"tab\t')]],
  ['newline ends an open string', '{"id": "unterminated\n{"id": 1}', [stray('"unterminated\n'), NOT_OBJ('{"id": 1}')]],
  ['0x01 in a single-quoted string', "'a\x01'\n", [stray("'a\x01")]],
  ['0xFE in a string', '"a\xfe"\n', [stray('"a\uFFFD')]],
  ['0xFF after a backslash', '"a\\\xff"\n', [stray('"a\\\uFFFD')]],
  ['newline after a backslash', '"a\\\n', [stray('"a\\\n')]],
  // The stray text is a C string: NUL ends it; it is re-read as UTF-8.
  ['NUL', '\x00\n', [stray('')]],
  ['NUL in a string cuts the text', '"ab\x00cd"\n', [stray('"ab')]],
  ['valid UTF-8 before the bad byte', '"\xc3\xa9\x01\n', [stray('"\u00e9\x01')]],
  ['truncated sequence before the bad byte', '"\xc3\x01\n', [stray('"\uFFFD\x01')]],
  ['encoded surrogate in the stray text', '"\xed\xa0\x80\x01\n', [stray('"\uFFFD\x01')]],
  ['C0 80 in the stray text is U+0000', '"\xc0\x80\x01\n', [stray('"\x00\x01')]],
  ['astral character in the stray text', '"\xf0\x9f\x98\x80\x01\n', [stray('"\u{1F600}\x01')]],
  // Recovery: skip to a structural char { } [ ] : , or a control byte
  // (TAB excepted), or 0xFE/0xFF; each fragment then stands alone.
  [
    'skip to the colon, then fragments',
    '{"execute": "query-status",\x01 "id": "ctrl"}\n',
    [stray('\x01'), EXPECTING, NOT_OBJ('"ctrl"'), EXPECTING],
  ],
  ['a bad keyword char inside an object', '{"a": TRUE}\n', [stray('T'), EXPECTING]],
  ['TAB does not end recovery', 'T\tx,\n', [stray('T'), EXPECTING]],
  ['other control bytes end recovery, and are stray', 'T\x0bx,\n', [stray('T'), stray('\x0b'), EXPECTING]],
  ['newline ends recovery', 'T x\n42\n', [stray('T'), NOT_OBJ('42')]],
  ['recovery skips number and keyword starts', '01 -a 1.x 2e 42\n{"id": 1}', [stray('01'), NOT_OBJ('{"id": 1}')]],
  ['a control byte in recovery is itself stray', 'T\x01\n', [stray('T'), stray('\x01')]],
  ['0xFF in recovery is itself stray', 'T\xff\n', [stray('T'), stray('\uFFFD')]],
  ['0xFE ends recovery, then the next token', 'T \xfe{"id": 2}', [stray('T'), stray('\uFFFD'), NOT_OBJ('{"id": 2}')]],
  // 0xFF / 0xFE reset the parser wherever they come.
  ['0xFF when idle', '\xff\n{"id": 1}', [stray('\uFFFD'), NOT_OBJ('{"id": 1}')]],
  [
    '0xFF in an open object drops it',
    '{"execute": "query-status", "arguments": {\xff\n{"id": 1}',
    [stray('\uFFFD'), NOT_OBJ('{"id": 1}')],
  ],
  [
    '0xFE then a whole message on the same line',
    '{"execute": "query-status", \xfe{"id": "after-fe"}\n',
    [stray('\uFFFD'), NOT_OBJ('{"id": "after-fe"}')],
  ],
  ['0xFF ends a pending number first', '42\xff', [NOT_OBJ('42'), stray('\uFFFD')]],
  ['0xFF ends a pending keyword first', 'tr\xfe', ['JSON parse error, invalid keyword \'tr\'', stray('\uFFFD')]],
  ['NUL then a clean message', '\x00{"id": "after-nul"}\n', [stray(''), NOT_OBJ('{"id": "after-nul"}')]],
  // Whitespace: space, TAB, CR, LF only.
  ['all four whitespace bytes', ' \t\r\n{\t"id"\r:\n1 }', [NOT_OBJ('{"id": 1}')]],
];

for (const [what, input, expected] of CASES) {
  t.same(run(input), expected, what);
}

t.test('a stray report drops the tokens of the message so far', async (t) => {
  t.same(run('{"a": [1, 2, \x01', '{"id": 3}'), [stray('\x01'), NOT_OBJ('{"id": 3}')]);
  t.same(run('[[[[\x00]]]]'), [stray(''), EXPECTING, EXPECTING, EXPECTING, EXPECTING]);
});

t.test('the stray text spans chunk boundaries', async (t) => {
  t.same(run('"ab', 'cd', '\x01'), [stray('"abcd\x01')]);
  t.same(run('"\xc3', '\xa9', '\t'), [stray('"\u00e9\t')]);
});
