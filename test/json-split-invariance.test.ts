import t from 'tap';
import { xorshift32 as prng } from './lib/prng.js';
import { JsonStreamer } from '../src/monitor/json/index.js';
import { toQmpJson } from '../src/qapi/qobject/writer.js';

// Property: how the bytes are split into writes never changes the messages
// (QEMU's lexer is fed byte by byte). Seeded, so a failure names its seed.

/** xorshift32: the test's own deterministic PRNG. */
const PIECES = [
  '{"execute": "query-status", "id": 1}',
  "{'execute': 'qmp_capabilities'}",
  '{"execute": "blockdev-add", "arguments": {"driver": "null-co", "node-name": "n\\u00e9", "size": 1048576}}',
  '{"id": {"seq": 1, "tag": ["x", null, true, false, -1.5e-3, 18446744073709551615]}}',
  '"raw \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \\uD83D\\uDE00"',
  '[1, -0, 0.1, 1e400, 123456789012345678901234567890]',
  '{"execute" "query-status"}', '{"a": [}', ']', '}', '{"id": TRUE}', '"tab\tinside"', "'it''s'", '01',
  '\\q', '"\\uD800"', '"\\u12"', '"\xc3"', '"\xed\xa0\x80"', '\x01', '\x00', '\xff', '\xfe', 'garbage', '42', '-', 'tr',
  '{"a": 1,}', '[1,]', '{"id": "dup", "id": 2}', '[[[[[[[[', ']]]]]]]]', '{{{{', '}}}}',
];
const SEPARATORS = ['', '\n', ' ', '\r\n', '\t'];

function stream(rnd: () => number): Buffer {
  let s = '';
  const n = 1 + Math.floor(rnd() * 12);
  for (let i = 0; i < n; i++) {
    s += PIECES[Math.floor(rnd() * PIECES.length)] + SEPARATORS[Math.floor(rnd() * SEPARATORS.length)];
  }
  return Buffer.from(s, 'latin1');
}

function collect(chunks: Buffer[]): string[] {
  const out: string[] = [];
  const s = new JsonStreamer((m) => out.push('error' in m ? `E ${m.error}` : `V ${toQmpJson(m.value)}`));
  for (const c of chunks) s.feed(c);
  return out;
}

function randomSplit(data: Buffer, rnd: () => number): Buffer[] {
  const chunks: Buffer[] = [];
  let off = 0;
  const mode = rnd();
  while (off < data.length) {
    const len = mode < 0.2 ? 1 : 1 + Math.floor(rnd() * (mode < 0.6 ? 8 : data.length));
    // Copies: the streamer must not depend on the caller keeping a chunk.
    chunks.push(Buffer.from(data.subarray(off, off + len)));
    off += len;
  }
  return chunks;
}

const SEEDS = 3000;

t.test('any split gives the same messages as one write', async (t) => {
  let failures = 0;
  for (let seed = 1; seed <= SEEDS && failures < 5; seed++) {
    const rnd = prng(seed);
    const data = stream(rnd);
    const whole = collect([data]);
    const split = collect(randomSplit(data, rnd));
    if (JSON.stringify(whole) !== JSON.stringify(split)) {
      failures++;
      t.same(split, whole, `seed ${seed}: ${JSON.stringify(data.toString('latin1'))}`);
    }
  }
  t.equal(failures, 0, `${SEEDS} seeds`);
});

t.test('several streams merged into one write give the concatenated messages', async (t) => {
  for (let seed = 1; seed <= 300; seed++) {
    const rnd = prng(seed * 7919);
    // Each stream is closed by a control byte + newline, so nothing carries over.
    const parts = Array.from({ length: 2 + Math.floor(rnd() * 4) }, () => Buffer.concat([stream(rnd), Buffer.from('\x01\n')]));
    const separately = parts.flatMap((p) => collect([p]));
    const merged = collect([Buffer.concat(parts)]);
    if (JSON.stringify(separately) !== JSON.stringify(merged)) {
      t.same(merged, separately, `seed ${seed}`);
      return;
    }
  }
  t.pass('300 seeds');
});

t.test('chunks the caller reuses after feed() returns', async (t) => {
  const data = Buffer.from('{"execute": "query-status", "id": "ab\xc3\xa9cd"} [1, 2]', 'latin1');
  const scratch = Buffer.alloc(3);
  const out: string[] = [];
  const s = new JsonStreamer((m) => out.push('error' in m ? m.error : toQmpJson(m.value)));
  for (let off = 0; off < data.length; off += 3) {
    const n = data.copy(scratch, 0, off, off + 3);
    s.feed(scratch.subarray(0, n));
    scratch.fill(0x7b); // clobber: a lexer keeping a reference would see '{'
  }
  s.feed(Buffer.from('\n'));
  t.same(out, ['{"execute": "query-status", "id": "ab\\u00E9cd"}', '[1, 2]']);
});
