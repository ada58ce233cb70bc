// QEMU-style JSON text as the transcripts show it (qobject/qjson.c layout):
// ": " and ", " separators, \uXXXX (upper case) outside printable ASCII,
// surrogate pairs beyond the BMP, '/' unescaped, floats as C's "%.17g".
import { JsonFloat, type JsonValue } from './json-value.js';

const SIMPLE_ESC: Record<string, string> = {
  '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t',
};

const hex4 = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');

export function qstr(s: string): string {
  let out = '"';
  for (const ch of s) {
    const e = SIMPLE_ESC[ch];
    if (e !== undefined) {
      out += e;
      continue;
    }
    let cp = ch.codePointAt(0)!;
    if (cp > 0xffff) {
      cp -= 0x10000;
      out += '\\u' + hex4(0xd800 + (cp >> 10)) + '\\u' + hex4(0xdc00 + (cp & 0x3ff));
    } else if (cp < 0x20 || cp >= 0x7f) out += '\\u' + hex4(cp);
    else out += ch;
  }
  return out + '"';
}

/** C printf("%.17g", x), exact (round half to even on the binary value). */
export function formatG17(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const P = 17;
  const neg = x < 0;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const mant = biased === 0 ? frac : frac | (1n << 52n);
  const exp2 = (biased === 0 ? 1 : biased) - 1075;
  // exact value = N * 10^shift
  let N: bigint;
  let shift: number;
  if (exp2 >= 0) {
    N = mant << BigInt(exp2);
    shift = 0;
  } else {
    N = mant * 5n ** BigInt(-exp2);
    shift = exp2;
  }
  let digits = N.toString();
  let X = digits.length - 1 + shift; // decimal exponent of the first digit
  if (digits.length > P) {
    const head = BigInt(digits.slice(0, P));
    const rest = digits.slice(P);
    const up = rest[0] > '5' || (rest[0] === '5' && (/[1-9]/.test(rest.slice(1)) || (head & 1n) === 1n));
    let hs = (up ? head + 1n : head).toString();
    if (hs.length > P) {
      hs = hs.slice(0, P);
      X += 1;
    }
    digits = hs;
  }
  digits = digits.replace(/0+$/, '') || '0';
  let body: string;
  if (X >= -4 && X < P) {
    if (X >= 0) {
      const intPart = digits.length > X + 1 ? digits.slice(0, X + 1) : digits.padEnd(X + 1, '0');
      const fracPart = digits.slice(X + 1);
      body = fracPart ? intPart + '.' + fracPart : intPart;
    } else body = '0.' + '0'.repeat(-X - 1) + digits;
  } else {
    const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    body = m + 'e' + (X < 0 ? '-' : '+') + String(Math.abs(X)).padStart(2, '0');
  }
  return (neg ? '-' : '') + body;
}

/**
 * Serialise a decoded value the way record.py's qjson does. Accepts JsonValue
 * (Map objects, JsonFloat floats, bigint) and, for convenience, plain JS
 * objects and numbers (an integral JS number prints as an int).
 */
export function qjson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v).toString() : formatG17(v);
  if (v instanceof JsonFloat) return formatG17(v.value);
  if (typeof v === 'string') return qstr(v);
  if (Array.isArray(v)) return '[' + v.map(qjson).join(', ') + ']';
  const entries: [string, unknown][] = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
  return '{' + entries.map(([k, x]) => qstr(k) + ': ' + qjson(x)).join(', ') + '}';
}

export type { JsonValue };
