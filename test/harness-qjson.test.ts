// qjson prints what record.py's qjson prints, and the JSON reader decodes what
// Python's json.loads decodes: re-serialising every received line of every
// QEMU golden gives it back byte for byte.
import t from 'tap';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatG17, JsonFloat, parseJson, qjson, qstr, tryParseJson } from '../src/harness/index.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'qemu-7.2');

t.test('every received line of every golden re-serialises byte for byte', async (t) => {
  let n = 0;
  for (const family of readdirSync(FIXTURES).sort()) {
    if (!statSync(join(FIXTURES, family)).isDirectory()) continue;
    for (const f of readdirSync(join(FIXTURES, family)).sort()) {
      if (!f.endsWith('.golden')) continue;
      const lines = readFileSync(join(FIXTURES, family, f), 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (!line.startsWith('< ')) return;
        n++;
        const text = line.slice(2);
        const v = tryParseJson(text);
        if (v === undefined) t.fail(`${family}/${f}:${i + 1} does not parse`);
        else if (qjson(v) !== text) t.equal(qjson(v), text, `${family}/${f}:${i + 1}`);
      });
    }
  }
  t.ok(n >= 700, `${n} lines checked`);
});

t.test('strings: QEMU escapes', async (t) => {
  t.equal(qstr('a"b\\c/d\b\f\n\r\t'), '"a\\"b\\\\c/d\\b\\f\\n\\r\\t"');
  t.equal(qstr('\u0000\u001f\u007f\u0080é€'), '"\\u0000\\u001F\\u007F\\u0080\\u00E9\\u20AC"');
  t.equal(qstr('😀'), '"\\uD83D\\uDE00"', 'surrogate pair beyond the BMP');
  t.equal(qstr('\ud800x'), '"\\uD800x"', 'a lone surrogate as itself');
  t.equal(qstr(' ~'), '" ~"');
});

t.test('numbers: exact integers, floats as %.17g', async (t) => {
  const cases: [string, string][] = [
    ['1.0', '1'], ['-0.0', '-0'], ['-0', '0'], ['0.1', '0.10000000000000001'], ['1e400', 'inf'], ['-1e400', '-inf'],
    ['1e-7', '9.9999999999999995e-08'], ['5e-324', '4.9406564584124654e-324'], ['1.7976931348623157e308', '1.7976931348623157e+308'],
    ['2251799813685247.75', '2251799813685247.8'], ['1e16', '10000000000000000'], ['1e17', '1e+17'], ['0.0001', '0.0001'],
    ['0.00001', '1.0000000000000001e-05'], ['123456789012345678901234567890', '123456789012345678901234567890'],
    ['-9007199254740993', '-9007199254740993'], ['NaN', 'nan'], ['Infinity', 'inf'], ['-Infinity', '-inf'], ['1E+2', '100'],
    ['12345678901234567.0', '12345678901234568'], ['0.5', '0.5'], ['1.5e300', '1.5000000000000001e+300'],
  ];
  for (const [text, printed] of cases) t.equal(qjson(parseJson(text)), printed, text);
  t.ok(parseJson('2.0') instanceof JsonFloat, 'a float stays a float');
  t.equal(parseJson('9007199254740993'), 9007199254740993n, 'an unsafe integer is a bigint');
  t.equal(parseJson('42'), 42);
  t.equal(formatG17(0.30000000000000004), '0.30000000000000004');
  t.equal(formatG17(Number.MIN_VALUE), '4.9406564584124654e-324');
  t.equal(formatG17(2 ** 53 + 2), '9007199254740994');
});

t.test('objects keep order; a repeated key keeps its first place', async (t) => {
  t.equal(qjson(parseJson('{"b": 1, "a": 2, "b": 3, "10": 4, "2": 5}')), '{"b": 3, "a": 2, "10": 4, "2": 5}');
  t.equal(qjson(parseJson(' \t\r\n[ {"__proto__": {}} , [] ]\n')), '[{"__proto__": {}}, []]');
  t.equal(qjson({ b: 1, a: [true, null, 'x'], n: 1.5 }), '{"b": 1, "a": [true, null, "x"], "n": 1.5}', 'plain JS values too');
});

t.test('what json.loads refuses, with its messages', async (t) => {
  const bad: [string, string][] = [
    ['', 'Expecting value: line 1 column 1 (char 0)'],
    ['inf', 'Expecting value: line 1 column 1 (char 0)'],
    ['{"a": 1,}', 'Expecting property name enclosed in double quotes: line 1 column 9 (char 8)'],
    ['{"a" 1}', "Expecting ':' delimiter: line 1 column 6 (char 5)"],
    ['[1 2]', "Expecting ',' delimiter: line 1 column 4 (char 3)"],
    ['[1,]', 'Expecting value: line 1 column 4 (char 3)'],
    ['"a\tb"', 'Invalid control character at: line 1 column 3 (char 2)'],
    ['"\\q"', 'Invalid \\escape: line 1 column 2 (char 1)'],
    ['"\\u12"', 'Invalid \\uXXXX escape: line 1 column 3 (char 2)'],
    ['"abc', 'Unterminated string starting at: line 1 column 1 (char 0)'],
    ['{}\n x', 'Extra data: line 2 column 2 (char 4)'],
    ['01', 'Extra data: line 1 column 2 (char 1)'],
    ['\ufeff{}', 'Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)'],
    ['1'.repeat(4301), 'Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit'],
  ];
  for (const [text, msg] of bad) t.throws(() => parseJson(text), { message: msg }, JSON.stringify(text.slice(0, 20)));
  t.equal(qjson(parseJson('1'.repeat(4300))), '1'.repeat(4300), '4300 digits are fine');
  t.equal(qjson(parseJson('"\\ud83d\\ude00 \\ud800 \\udc00"')), '"\\uD83D\\uDE00 \\uD800 \\uDC00"');
});
