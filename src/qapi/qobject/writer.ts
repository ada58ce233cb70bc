// QEMU's compact JSON output (qobject/json-writer.c, qobject/qjson.c):
// ", " and ": " separators, ASCII only, doubles as printf("%.17g").

import { QFloat, qdictKeys } from './qobject.js';

const SHORT_ESCAPES: Readonly<Record<number, string>> = {
  0x22: '\\"',
  0x5c: '\\\\',
  0x08: '\\b',
  0x0c: '\\f',
  0x0a: '\\n',
  0x0d: '\\r',
  0x09: '\\t',
};

/** Strings made only of printable ASCII other than '"' and '\' go out verbatim. */
const VERBATIM = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

function hex4(cp: number): string {
  return '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * json-writer.c quoted_str. QEMU decodes the stored (modified) UTF-8 and
 * writes U+FFFD for what is not a valid character; here that covers lone
 * surrogates and noncharacters in a JS string.
 */
export function quoteString(s: string): string {
  if (VERBATIM.test(s)) return '"' + s + '"';
  let out = '"';
  let run = 0; // start of pending verbatim characters
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) continue;
    if (run < i) out += s.slice(run, i);
    const short = SHORT_ESCAPES[c];
    if (short !== undefined) {
      out += short;
    } else {
      let cp = c;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
        }
      }
      const surrogate = cp >= 0xd800 && cp <= 0xdfff;
      const nonchar = (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe;
      if (surrogate || nonchar) cp = 0xfffd;
      out += cp > 0xffff ? hex4(0xd800 + ((cp - 0x10000) >> 10)) + hex4(0xdc00 + ((cp - 0x10000) & 0x3ff)) : hex4(cp);
    }
    run = i + 1;
  }
  if (run < s.length) out += s.slice(run);
  return out + '"';
}

const INT64_MIN = -(2 ** 63);
const UINT64_LIMIT = 2 ** 64;

/** A JS number QEMU would hold as an int64/uint64 QNum. */
function isQemuInteger(n: number): boolean {
  return Number.isInteger(n) && !Object.is(n, -0) && n >= INT64_MIN && n < UINT64_LIMIT;
}

/** glibc's printf("%.17g", x), digits exact (ties to even). */
export function formatDouble(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const sign = x < 0 ? '-' : '';
  const { digits, exp } = decimal17(Math.abs(x));
  if (exp < -4 || exp >= 17) {
    const frac = digits.slice(1).replace(/0+$/, '');
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${digits[0]}${frac ? '.' + frac : ''}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp >= 0) {
    const frac = digits.slice(exp + 1).replace(/0+$/, '');
    return `${sign}${digits.slice(0, exp + 1)}${frac ? '.' + frac : ''}`;
  }
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits.replace(/0+$/, '')}`;
}

/** 5^25: a double with at most 25 fractional bits is (x * 2^25) * 5^25 / 10^25 exactly. */
const FIVE_POW_25 = 5n ** 25n;
const TWO_POW_25 = 2 ** 25;

/** x > 0 finite as 17 significant digits d.dddd × 10^exp, rounded as glibc does. */
function decimal17(x: number): { digits: string; exp: number } {
  if (Number.isInteger(x) && x < 2 ** 53) {
    const digits = String(x); // exact, at most 16 digits
    return { digits: digits.padEnd(17, '0'), exp: digits.length - 1 };
  }
  const scaled = x * TWO_POW_25;
  if (!Number.isInteger(x) && Number.isInteger(scaled)) {
    // Few fractional bits: the exact expansion is short and may end in a
    // tie at digit 18, which glibc rounds to even (toExponential would
    // round it up). Round the exact digits by hand.
    return roundDigits((BigInt(scaled) * FIVE_POW_25).toString(), -25);
  }
  // Otherwise the exact expansion is longer than 18 digits: no ties, and
  // toExponential rounds exactly.
  const t = x.toExponential(16);
  return { digits: t[0] + t.slice(2, 18), exp: Number(t.slice(19)) };
}

/** The number exact × 10^scale (exact: decimal digits) to 17 digits, ties to even. */
function roundDigits(exact: string, scale: number): { digits: string; exp: number } {
  let exp = exact.length - 1 + scale;
  if (exact.length <= 17) return { digits: exact.padEnd(17, '0'), exp };
  let head = exact.slice(0, 17);
  const next = exact.charCodeAt(17) - 0x30;
  const rest = /[1-9]/.test(exact.slice(18));
  const last = head.charCodeAt(16) - 0x30;
  if (next > 5 || (next === 5 && (rest || last % 2 === 1))) {
    head = (BigInt(head) + 1n).toString();
    if (head.length > 17) {
      head = head.slice(0, 17);
      exp++;
    }
  }
  return { digits: head, exp };
}

function formatNumber(n: number): string {
  if (isQemuInteger(n)) return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
  return formatDouble(n);
}

function write(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return quoteString(v);
    case 'number':
      return formatNumber(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return 'null';
    case 'object': {
      if (v === null) return 'null';
      if (v instanceof QFloat) return formatDouble(v.value);
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) out += (i ? ', ' : '') + write(v[i]);
        return out + ']';
      }
      let out = '{';
      let first = true;
      for (const key of qdictKeys(v)) {
        const member = (v as Record<string, unknown>)[key];
        if (member === undefined) continue;
        out += (first ? '' : ', ') + quoteString(key) + ': ' + write(member);
        first = false;
      }
      return out + '}';
    }
    default:
      throw new TypeError(`cannot serialise a ${typeof v} as QMP JSON`);
  }
}

/**
 * One QMP message as QEMU writes it (no line terminator). Objects keep JS
 * key order (JS puts integer-like keys first, unless the object carries
 * QDICT_KEY_ORDER), undefined members are skipped, undefined list elements
 * are null.
 */
export function toQmpJson(v: unknown): string {
  return write(v);
}

/** toQmpJson plus QEMU's "\r\n" message terminator. */
export function toQmpJsonLine(v: unknown): string {
  return write(v) + '\r\n';
}
