import t from 'tap';
import { JsonStreamer } from '../src/monitor/json/index.js';

// String tokens (qobject/json-parser.c parse_string, util/unicode.c):
// escapes, \u rules, raw modified UTF-8, single quotes. Each input is
// "<string token>\n" on its own; expected is the decoded string or the
// error text. Texts checked against QEMU 7.2.

function decode(token: string): string {
  const out: Array<{ value: unknown } | { error: string }> = [];
  const s = new JsonStreamer((m) => out.push(m));
  s.feed(Buffer.from(token + '\n', 'latin1'));
  if (out.length !== 1) return `${out.length} messages`;
  const m = out[0];
  return 'error' in m ? m.error : typeof m.value === 'string' ? m.value : `not a string`;
}

const err = (reason: string) => `JSON parse error, ${reason}`;
const notValid = (text: string) => err(`${text} is not a valid Unicode character`);
const INVALID_ESCAPE = err('invalid escape sequence in string');
const INVALID_UTF8 = err('invalid UTF-8 sequence in string');

const CASES: Array<[what: string, token: string, expected: string]> = [
  ['short escapes', '"\\" \\\\ \\/ \\b\\f\\n\\r\\t"', '" \\ / \b\f\n\r\t'],
  ["\\' in a double-quoted string", `"\\'"`, "'"],
  ["\\' in a single-quoted string", `'a\\'b'`, "a'b"],
  ['raw " in a single-quoted string', `'a"b'`, 'a"b'],
  ["raw ' in a double-quoted string", `"a'b"`, "a'b"],
  ['\\" in a single-quoted string', `'\\"'`, '"'],
  ['unknown escape', '"\\q"', INVALID_ESCAPE],
  ['escaped multibyte character', '"\\\xc3\xa9"', INVALID_ESCAPE],
  ['\\x is no escape', '"\\x41"', INVALID_ESCAPE],
  ['\\u, any case of hex digit', '"\\u0041\\u00e9\\u00E9\\u20ac"', 'A\u00e9\u00e9\u20ac'],
  ['\\u0000 is accepted', '"nul:\\u0000:"', 'nul:\0:'],
  ['surrogate pair', '"\\uD83D\\uDE00"', '\u{1F600}'],
  ['lowercase surrogate pair', '"\\ud83d\\ude00"', '\u{1F600}'],
  ['highest pair that is a character', '"\\uDBFF\\uDFFD"', '\u{10FFFD}'],
  ['lone high surrogate', '"\\uD800"', notValid('\\uD800')],
  ['high surrogate then a letter', '"\\uD800x"', notValid('\\uD800')],
  ['high surrogate then a non-surrogate escape', '"\\uD800\\u0041"', notValid('\\uD800')],
  ['high surrogate then a short escape', '"\\uD83D\\uDE0"', notValid('\\uD83D')],
  ['lone low surrogate', '"\\uDC00x"', notValid('\\uDC00')],
  ['noncharacter U+FFFF', '"\\u001f\\u007f\\u0080\\uFFFF"', notValid('\\uFFFF')],
  ['noncharacter U+FFFE', '"\\uFFFE"', notValid('\\uFFFE')],
  ['noncharacter U+FDD0', '"\\uFDD0"', notValid('\\uFDD0')],
  ['noncharacter U+FDEF', '"\\uFDEF"', notValid('\\uFDEF')],
  ['U+FDF0 is a character', '"\\uFDF0"', '\uFDF0'],
  ['noncharacter pair U+1FFFE quotes both escapes', '"\\uD83F\\uDFFE"', notValid('\\uD83F\\uDFFE')],
  ['noncharacter pair U+10FFFF', '"\\uDBFF\\uDFFF"', notValid('\\uDBFF\\uDFFF')],
  ['two hex digits: quotes up to 4 more bytes', '"\\u12"', notValid('\\u12"')],
  ['one hex digit', '"\\u1"', notValid('\\u1"')],
  ['no hex digit', '"\\u"', notValid('\\u"')],
  ['non-hex digits', '"\\uZZZZ"', notValid('\\uZZZZ')],
  ['short escape followed by more text', '"\\u12xyz"', notValid('\\u12xy')],
  ['the quoted bytes are read as UTF-8', '"\\u12\xc3\xa9"', notValid('\\u12\u00e9')],
  ['a cut UTF-8 sequence in the quote', '"\\u123\xc3\xa9"', notValid('\\u123\uFFFD')],
  ['first error wins', '"\\q\\uD800"', INVALID_ESCAPE],
  // Raw bytes: modified UTF-8.
  ['raw UTF-8', '"raw utf-8: \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"', 'raw utf-8: \u00e9 \u20ac \u{1F600}'],
  ['DEL is allowed raw', '"\x7f"', '\x7f'],
  ['C0 80 is U+0000', '"\xc0\x80"', '\0'],
  ['truncated sequence', '"\xc3"', INVALID_UTF8],
  ['continuation byte alone', '"\x80"', INVALID_UTF8],
  ['overlong two-byte form', '"\xc1\xbf"', INVALID_UTF8],
  ['overlong three-byte form', '"\xe0\x80\xaf"', INVALID_UTF8],
  ['encoded surrogate', '"\xed\xa0\x80"', INVALID_UTF8],
  ['encoded noncharacter U+FFFF', '"\xef\xbf\xbf"', INVALID_UTF8],
  ['encoded noncharacter U+FDD0', '"\xef\xb7\x90"', INVALID_UTF8],
  ['beyond U+10FFFF', '"\xf4\x90\x80\x80"', INVALID_UTF8],
  ['five-byte form', '"\xf8\x88\x80\x80\x80"', INVALID_UTF8],
  ['six-byte form', '"\xfc\x84\x80\x80\x80\x80"', INVALID_UTF8],
  ['highest character', '"\xf4\x8f\xbf\xbd"', '\u{10FFFD}'],
  ['escape error before a UTF-8 error', '"\\q\xc3"', INVALID_ESCAPE],
  ['UTF-8 error before an escape error', '"\xc3\\q"', INVALID_UTF8],
  ['empty strings', "''", ''],
];

for (const [what, token, expected] of CASES) {
  t.equal(decode(token), expected, what);
}

t.test('a string split across chunks decodes the same', async (t) => {
  const out: unknown[] = [];
  const s = new JsonStreamer((m) => out.push(m));
  const bytes = Buffer.from('"a\xc3\xa9\\u00e9\\uD83D\\uDE00b"\n', 'latin1');
  for (const b of bytes) s.feed(Buffer.of(b));
  t.same(out, [{ value: 'a\u00e9\u00e9\u{1F600}b' }]);
});

t.test('"it\'\'s" is two strings: a separator is missing', async (t) => {
  const out: unknown[] = [];
  const s = new JsonStreamer((m) => out.push(m));
  s.feed(Buffer.from("{'execute': 'query-status', 'id': 'it''s'}\n"));
  t.same(out, [{ error: 'JSON parse error, expected separator in dict' }]);
});
