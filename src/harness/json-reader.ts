// A JSON reader that accepts and rejects exactly what Python 3.11's json.loads
// does (C scanner, strict strings, NaN/Infinity accepted), and keeps what
// JSON.parse loses: exact big integers, int vs float, duplicate-key order.
import { JsonFloat, makeInt, type JsonObject, type JsonValue } from './json-value.js';

/** Python's int-to-str digit limit (sys.int_info.default_max_str_digits). */
const MAX_INT_DIGITS = 4300;

/** json.JSONDecodeError (or the ValueError json.loads raises); message as Python's. */
export class JsonDecodeError extends Error {
  constructor(msg: string, doc?: string, pos?: number) {
    super(doc === undefined || pos === undefined ? msg : withPosition(msg, doc, pos));
  }
}

function withPosition(msg: string, doc: string, pos: number): string {
  // Python counts code points
  const before = doc.slice(0, pos);
  const cpPos = Array.from(before).length;
  const nl = before.lastIndexOf('\n');
  const lineno = before.split('\n').length;
  const colno = nl < 0 ? cpPos + 1 : cpPos - Array.from(before.slice(0, nl + 1)).length + 1;
  return `${msg}: line ${lineno} column ${colno} (char ${cpPos})`;
}

class StopScan {
  constructor(readonly pos: number) {}
}

const isWs = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';

class Scanner {
  constructor(private readonly s: string) {}

  skipWs(i: number): number {
    while (isWs(this.s[i])) i++;
    return i;
  }

  value(i: number): [JsonValue, number] {
    const s = this.s;
    if (i >= s.length) throw new StopScan(i);
    const c = s[i];
    switch (c) {
      case '"':
        return this.string(i + 1);
      case '{':
        return this.object(i + 1);
      case '[':
        return this.array(i + 1);
      case 'n':
        if (s.startsWith('null', i)) return [null, i + 4];
        break;
      case 't':
        if (s.startsWith('true', i)) return [true, i + 4];
        break;
      case 'f':
        if (s.startsWith('false', i)) return [false, i + 5];
        break;
      case 'N':
        if (s.startsWith('NaN', i)) return [new JsonFloat(NaN), i + 3];
        break;
      case 'I':
        if (s.startsWith('Infinity', i)) return [new JsonFloat(Infinity), i + 8];
        break;
      case '-':
        if (s.startsWith('-Infinity', i)) return [new JsonFloat(-Infinity), i + 9];
        break;
    }
    return this.number(i);
  }

  number(start: number): [JsonValue, number] {
    const s = this.s;
    let i = start;
    if (s[i] === '-') {
      i++;
      if (i >= s.length) throw new StopScan(start);
    }
    if (s[i] >= '1' && s[i] <= '9') {
      i++;
      while (isDigit(s[i])) i++;
    } else if (s[i] === '0') i++;
    else throw new StopScan(start);
    let isFloat = false;
    if (s[i] === '.' && isDigit(s[i + 1])) {
      isFloat = true;
      i += 2;
      while (isDigit(s[i])) i++;
    }
    if ((s[i] === 'e' || s[i] === 'E') && i < s.length - 1) {
      const eStart = i;
      i++;
      if ((s[i] === '-' || s[i] === '+') && i < s.length - 1) i++;
      while (isDigit(s[i])) i++;
      if (isDigit(s[i - 1])) isFloat = true;
      else i = eStart;
    }
    const text = s.slice(start, i);
    if (isFloat) return [new JsonFloat(Number(text)), i];
    const digits = text.startsWith('-') ? text.length - 1 : text.length;
    if (digits > MAX_INT_DIGITS) {
      throw new JsonDecodeError(
        `Exceeds the limit (${MAX_INT_DIGITS} digits) for integer string conversion: value has ${digits} digits; use sys.set_int_max_str_digits() to increase the limit`,
      );
    }
    return [makeInt(BigInt(text)), i];
  }

  string(i: number): [string, number] {
    const s = this.s;
    const begin = i - 1;
    let out = '';
    for (;;) {
      let j = i;
      for (; j < s.length; j++) {
        const c = s.charCodeAt(j);
        if (c === 0x22 || c === 0x5c) break;
        if (c <= 0x1f) throw new JsonDecodeError('Invalid control character at', s, j);
      }
      if (j >= s.length) throw new JsonDecodeError('Unterminated string starting at', s, begin);
      out += s.slice(i, j);
      if (s[j] === '"') return [out, j + 1];
      // backslash
      j++;
      if (j >= s.length) throw new JsonDecodeError('Unterminated string starting at', s, begin);
      const e = s[j];
      if (e !== 'u') {
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (!(e in simple)) throw new JsonDecodeError('Invalid \\escape', s, j - 1);
        out += simple[e];
        i = j + 1;
        continue;
      }
      j++;
      let end = j + 4;
      if (end >= s.length) throw new JsonDecodeError('Invalid \\uXXXX escape', s, j - 1);
      let c = this.hex4(j, end - 5);
      if (c >= 0xd800 && c <= 0xdbff && end + 6 < s.length && s[end] === '\\' && s[end + 1] === 'u') {
        const c2 = this.hex4(end + 2, end + 1);
        if (c2 >= 0xdc00 && c2 <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (c2 - 0xdc00);
          end += 6;
        }
      }
      out += String.fromCodePoint(c);
      i = end;
    }
  }

  private hex4(at: number, errPos: number): number {
    let v = 0;
    for (let k = at; k < at + 4; k++) {
      const d = this.s[k];
      const n = d !== undefined && /^[0-9a-fA-F]$/.test(d) ? parseInt(d, 16) : -1;
      if (n < 0) throw new JsonDecodeError('Invalid \\uXXXX escape', this.s, errPos);
      v = v * 16 + n;
    }
    return v;
  }

  object(i: number): [JsonObject, number] {
    const s = this.s;
    const obj: JsonObject = new Map();
    i = this.skipWs(i);
    if (s[i] !== '}') {
      while (i < s.length) {
        if (s[i] !== '"') throw new JsonDecodeError('Expecting property name enclosed in double quotes', s, i);
        const [key, afterKey] = this.string(i + 1);
        i = this.skipWs(afterKey);
        if (s[i] !== ':') throw new JsonDecodeError("Expecting ':' delimiter", s, i);
        i = this.skipWs(i + 1);
        const [val, afterVal] = this.value(i);
        obj.set(key, val); // a repeated key keeps its first position, like dict
        i = this.skipWs(afterVal);
        if (s[i] === '}') break;
        if (s[i] !== ',') throw new JsonDecodeError("Expecting ',' delimiter", s, i);
        i = this.skipWs(i + 1);
      }
      if (s[i] !== '}') throw new JsonDecodeError('Expecting property name enclosed in double quotes', s, i);
    }
    return [obj, i + 1];
  }

  array(i: number): [JsonValue[], number] {
    const s = this.s;
    const arr: JsonValue[] = [];
    i = this.skipWs(i);
    if (s[i] !== ']') {
      while (i < s.length) {
        const [val, after] = this.value(i);
        arr.push(val);
        i = this.skipWs(after);
        if (s[i] === ']') break;
        if (s[i] !== ',') throw new JsonDecodeError("Expecting ',' delimiter", s, i);
        i = this.skipWs(i + 1);
      }
      if (s[i] !== ']') throw new JsonDecodeError("Expecting value", s, i);
    }
    return [arr, i + 1];
  }
}

/** json.loads(text): throws JsonDecodeError where Python raises ValueError. */
export function parseJson(text: string): JsonValue {
  if (text.startsWith('\uFEFF')) throw new JsonDecodeError('Unexpected UTF-8 BOM (decode using utf-8-sig)', text, 0);
  const sc = new Scanner(text);
  let value: JsonValue;
  let end: number;
  try {
    [value, end] = sc.value(sc.skipWs(0));
  } catch (e) {
    if (e instanceof StopScan) throw new JsonDecodeError('Expecting value', text, e.pos);
    if (e instanceof RangeError) throw new JsonDecodeError('maximum recursion depth exceeded');
    throw e;
  }
  end = sc.skipWs(end);
  if (end !== text.length) throw new JsonDecodeError('Extra data', text, end);
  return value;
}

/** json.loads, or undefined where Python would raise ValueError. */
export function tryParseJson(text: string): JsonValue | undefined {
  try {
    return parseJson(text);
  } catch (e) {
    if (e instanceof JsonDecodeError) return undefined;
    throw e;
  }
}
