// Decoding of one string token, quotes included (qobject/json-parser.c:
// parse_string). The lexer already guarantees raw bytes 0x20..0xFD only,
// and a closing quote that matches the opening one.

import { INTERN_MAX_LENGTH, type StringCache } from './intern.js';
import { decodeCString, isValidCodepoint, modUtf8Decode } from './utf8.js';

/** A string token the parser must reject; `reason` follows "JSON parse error, ". */
export class StringTokenError {
  constructor(readonly reason: string) {}
}

const BACKSLASH = 0x5c;

/** Short escapes: the byte after the backslash, and what it stands for. */
const SHORT_ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x22, '"'],
  [0x27, "'"], // extension: \' in either quoting style
  [0x5c, '\\'],
  [0x2f, '/'],
  [0x62, '\b'],
  [0x66, '\f'],
  [0x6e, '\n'],
  [0x72, '\r'],
  [0x74, '\t'],
]);

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}

/** Four hex digits at p, or -1; bytes at or after `end` read as NUL. */
function hex4(buf: Uint8Array, p: number, end: number): number {
  let v = 0;
  for (let i = 0; i < 4; i++) {
    const d = p + i < end ? hexValue(buf[p + i]) : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/** Node's Buffer#latin1Slice (what toString('latin1') calls, minus its argument checks). */
type Latin1Slicer = { latin1Slice(start: number, end: number): string };

/** buf[start..end) read as Latin-1 (bytes as code points). */
export function latin1(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as Latin1Slicer).latin1Slice(start, end);
}

/** The string a token buf[start..end) denotes, or why QEMU rejects it. */
export function decodeStringToken(
  buf: Buffer,
  start: number,
  end: number,
  cache?: StringCache,
): string | StringTokenError {
  const last = end - 1; // the closing quote
  let plain = true;
  for (let p = start + 1; p < last; p++) {
    const b = buf[p];
    if (b >= 0x7f || b === BACKSLASH) {
      plain = false;
      break;
    }
  }
  if (!plain) return decodeSlow(buf, start, end);
  if (cache && last - start - 1 <= INTERN_MAX_LENGTH) return cache.get(buf, start + 1, last, latin1);
  return latin1(buf, start + 1, last);
}

function decodeSlow(buf: Buffer, start: number, end: number): string | StringTokenError {
  const quote = buf[start];
  const at = (i: number): number => (i < end ? buf[i] : 0);
  let out = '';
  let run = start + 1; // start of pending plain ASCII bytes
  let p = start + 1;
  for (;;) {
    const b = at(p);
    if (b === quote || b === 0) break;
    if (b < 0x80 && b !== BACKSLASH) {
      p++;
      continue;
    }
    if (run < p) out += latin1(buf, run, p);
    if (b === BACKSLASH) {
      const beg = p;
      const c = at(p + 1);
      p += 2;
      const short = SHORT_ESCAPES.get(c);
      if (short !== undefined) {
        out += short;
      } else if (c === 0x75 /* u */) {
        let cp = hex4(buf, p, end);
        p += 4;
        if (cp >= 0xd800 && cp <= 0xdbff && at(p) === BACKSLASH && at(p + 1) === 0x75) {
          const trail = hex4(buf, p + 2, end);
          if (trail >= 0xdc00 && trail <= 0xdfff) {
            cp = 0x10000 + ((cp & 0x3ff) << 10) + (trail & 0x3ff);
            p += 6;
          } else {
            cp = -1;
          }
        }
        if (!isValidCodepoint(cp)) {
          const text = decodeCString(buf, beg, Math.min(p, end));
          return new StringTokenError(`${text} is not a valid Unicode character`);
        }
        out += String.fromCodePoint(cp);
      } else {
        return new StringTokenError('invalid escape sequence in string');
      }
    } else {
      const r = modUtf8Decode(buf, p, end);
      if (r < 0) return new StringTokenError('invalid UTF-8 sequence in string');
      out += String.fromCodePoint(Math.floor(r / 8));
      p += r & 7;
    }
    run = p;
  }
  if (run < p) out += latin1(buf, run, p);
  return out;
}
