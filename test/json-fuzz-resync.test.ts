import t from 'tap';
import { xorshift32 as prng } from './lib/prng.js';
import { JsonStreamer, type JsonMessage } from '../src/monitor/json/index.js';
import { isQDict } from '../src/qapi/qobject/qobject.js';
import { toQmpJson } from '../src/qapi/qobject/writer.js';

// Fuzz: 100 000 generated and mutated inputs, fed in random writes to one
// long-lived streamer. Nothing may throw or hang, every message must be a
// QValue the writer can print (ASCII) or a "JSON ..." error, and the
// streamer must come back: after reset(), and after a control byte plus a
// newline (a lexical error always empties the streamer, and the lexer
// resynchronises at the newline), a clean request parses as an object.

const ATOMS = [
  '{', '}', '[', ']', ':', ',', ' ', '\n', '\t', '\r', '"', "'", '\\', '\\u', '\\uD83D', '\\uDE00', '\\u0000', '\\n', '\\q',
  'true', 'false', 'null', 'nul', 'x', 'T', '0', '01', '-', '-0', '1.5', '1e', '1e400', '18446744073709551616', '.',
  '"execute"', '"query-status"', '"id"', '"arguments"', "'sq'", '"a\\"b"', '"\\uD800"', '"\\u12"',
  '\xc3\xa9', '\xc3', '\x80', '\xc0\x80', '\xed\xa0\x80', '\xf0\x9f\x98\x80', '\xef\xbf\xbf', '\xf4\x90\x80\x80', '\xfd',
  '\x00', '\x01', '\x1f', '\x7f', '\xfe', '\xff', '%', '+',
];
const TEMPLATES = [
  '{"execute": "query-status", "id": 1}', '{"execute": "qmp_capabilities"}', '{"id": {"seq": 1, "tag": ["x", null]}}',
  '[1, 2.5, "three", {"four": [4]}]', '{"a": {"b": {"c": [[[]]]}}}', "{'execute': 'stop', 'id': 'it''s'}",
];

function generate(rnd: () => number): Buffer {
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
  let s = '';
  if (rnd() < 0.5) {
    const n = 1 + Math.floor(rnd() * 30);
    for (let i = 0; i < n; i++) s += pick(ATOMS);
  } else {
    s = pick(TEMPLATES) + (rnd() < 0.5 ? '\n' : '') + (rnd() < 0.3 ? pick(TEMPLATES) : '');
    const mutations = Math.floor(rnd() * 4);
    for (let i = 0; i < mutations; i++) {
      const at = Math.floor(rnd() * (s.length + 1));
      const r = rnd();
      if (r < 0.4) s = s.slice(0, at) + pick(ATOMS) + s.slice(at);
      else if (r < 0.7) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 3));
      else s = s.slice(0, at) + pick(ATOMS) + s.slice(at + 1);
    }
  }
  if (rnd() < 0.01) s = '['.repeat(900 + Math.floor(rnd() * 300)) + s; // near the nesting limit
  return Buffer.from(s, 'latin1');
}

const INPUTS = 100_000;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

t.test(`${INPUTS} inputs: no exception, well-formed messages, recovery`, async (t) => {
  const rnd = prng(20221214);
  let bad: string | undefined;
  const check = (m: JsonMessage): void => {
    if (bad) return;
    if ('error' in m) {
      if (!m.error.startsWith('JSON ')) bad = `odd error ${JSON.stringify(m.error)}`;
      return;
    }
    const text = toQmpJson(m.value);
    if (!PRINTABLE_ASCII.test(text)) bad = `non-ASCII output ${JSON.stringify(text)}`;
  };
  let last: JsonMessage | undefined;
  let count = 0;
  const streamer = new JsonStreamer((m) => {
    count++;
    last = m;
    check(m);
  });
  const isQueryStatus = (m: JsonMessage | undefined) =>
    m !== undefined && 'value' in m && isQDict(m.value) && m.value.execute === 'query-status';
  let resyncFailures = 0;
  for (let i = 0; i < INPUTS && !bad; i++) {
    const data = generate(rnd);
    for (let off = 0; off < data.length; ) {
      const len = 1 + Math.floor(rnd() * 16);
      streamer.feed(data.subarray(off, off + len));
      off += len;
    }
    if (i % 97 === 0) {
      streamer.reset();
      last = undefined;
      streamer.feed(Buffer.from('{"execute": "query-status"}\n'));
      if (!isQueryStatus(last)) resyncFailures++;
    } else if (i % 13 === 0) {
      last = undefined;
      streamer.feed(Buffer.from('\x01\n{"execute": "query-status"}\n'));
      if (!isQueryStatus(last)) resyncFailures++;
    }
  }
  t.equal(bad, undefined, 'every message well-formed');
  t.equal(resyncFailures, 0, 'clean request parses after reset() / control byte + newline');
  t.ok(count > INPUTS / 2, `${count} messages`);
  streamer.reset();
  last = undefined;
  streamer.feed(Buffer.from('{"execute": "query-status"}\n'));
  t.ok(isQueryStatus(last), 'final clean request');
});
