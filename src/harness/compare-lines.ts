// Comparing a replayed transcript with its golden: first difference as one
// line, key order ignored unless strict (compare.py's compare_lines/json_diff).
import { tryParseJson } from './json-reader.js';
import { JsonFloat, kindOf, numbersEqual, type JsonObject, type JsonValue } from './json-value.js';
import { pyClip, pyReprFloat, pyReprStr } from './py-text.js';
import { qjson } from './qjson.js';

/** A member present on one side only. */
export const MISSING: unique symbol = Symbol('absent');
type Side = JsonValue | typeof MISSING;

/** Python's repr() of a decoded JSON value. */
export function pyRepr(v: JsonValue): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (v instanceof JsonFloat) return pyReprFloat(v.value);
  if (typeof v === 'string') return pyReprStr(v);
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  return '{' + [...v].map(([k, x]) => pyReprStr(k) + ': ' + pyRepr(x)).join(', ') + '}';
}

/** Python's str() of a decoded JSON value ('%s' formatting). */
export function pyStr(v: JsonValue): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** First difference between two decoded values: [where, expected, actual], or null. */
export function jsonDiff(a: JsonValue, b: JsonValue, path = '', strictOrder = false): [string, Side, Side] | null {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka !== kb) return [path || '(top)', a, b];
  if (ka === 'object') {
    const x = a as JsonObject;
    const y = b as JsonObject;
    if (strictOrder) {
      const kx = [...x.keys()];
      const ky = [...y.keys()];
      if (kx.length !== ky.length || kx.some((k, i) => k !== ky[i])) return [(path || '(top)') + ' (key order)', kx, ky];
    }
    for (const [k, v] of x) {
      if (!y.has(k)) return [join(path, k), v, MISSING];
      const d = jsonDiff(v, y.get(k)!, join(path, k), strictOrder);
      if (d) return d;
    }
    for (const [k, v] of y) if (!x.has(k)) return [join(path, k), MISSING, v];
    return null;
  }
  if (ka === 'array') {
    const x = a as JsonValue[];
    const y = b as JsonValue[];
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) {
      const d = jsonDiff(x[i], y[i], `${path}[${i}]`, strictOrder);
      if (d) return d;
    }
    if (x.length !== y.length) return [`${path}[${n}]`, n < x.length ? x[n] : MISSING, n < y.length ? y[n] : MISSING];
    return null;
  }
  if (ka === 'number') {
    return numbersEqual(a as number, b as number) ? null : [path || '(top)', a, b];
  }
  return a === b ? null : [path || '(top)', a, b];
}

function short(v: Side, limit = 100): string {
  return pyClip(v === MISSING ? '(absent)' : qjson(v), limit);
}

function parseLine(line: string): JsonValue | undefined {
  if (!line.startsWith('< ')) return undefined;
  const v = tryParseJson(line.slice(2));
  return v === null ? undefined : v; // json.loads -> None counts as unparsed
}

/** Kind of message for "expected X, got Y". */
export function describe(msg: JsonValue): string {
  if (!(msg instanceof Map)) return 'non-object';
  if (msg.has('QMP')) return 'greeting';
  if (msg.has('event')) return `event ${pyStr(msg.get('event')!)}`;
  if (msg.has('error')) {
    const err = msg.get('error');
    const cls = err instanceof Map && err.has('class') ? err.get('class')! : null;
    return truthy(cls) ? `error ${pyStr(cls)}` : 'error';
  }
  if (msg.has('return')) return 'return';
  return 'other';
}

function truthy(v: JsonValue): boolean {
  if (v === null || v === false || v === '' || v === 0 || v === 0n) return false;
  if (v instanceof JsonFloat) return v.value !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return true;
}

/** null if the transcripts match, else a one-line description of the first difference. */
export function compareLines(expected: string[], actual: string[], strict = false): string | null {
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = i < expected.length ? expected[i] : undefined;
    const a = i < actual.length ? actual[i] : undefined;
    const no = i + 1;
    if (e === undefined) return `line ${no}: unexpected extra line: ${pyClip(a!, 160)}`;
    if (a === undefined) return `line ${no}: missing line: ${pyClip(e, 160)}`;
    if (e === a) continue;
    const je = parseLine(e);
    const ja = parseLine(a);
    if (je !== undefined && ja !== undefined && describe(je) !== describe(ja)) {
      return `line ${no}: expected ${describe(je)}, got ${describe(ja)}: ${pyClip(a, 120)}`;
    }
    if (!strict) {
      if (je !== undefined && ja !== undefined) {
        const d = jsonDiff(je, ja);
        if (d === null) continue;
        return `line ${no}: at ${d[0]}: expected ${short(d[1])}, got ${short(d[2])}`;
      }
    } else if (e.slice(0, 2) === '< ' && a.slice(0, 2) === '< ') {
      if (je !== undefined && ja !== undefined) {
        const d = jsonDiff(je, ja, '', true);
        if (d !== null) return `line ${no}: at ${d[0]}: expected ${short(d[1])}, got ${short(d[2])}`;
      }
    }
    return `line ${no}: expected ${pyClip(e, 110)} | got ${pyClip(a, 110)}`;
  }
  return null;
}
