// Decoded JSON as Python's json module sees it: integers stay exact (number
// when safe, bigint otherwise), floats are marked, objects keep insertion order.

/** A JSON number that Python decodes as a float (it has a fraction or exponent). */
export class JsonFloat {
  constructor(readonly value: number) {}
}

export type JsonObject = Map<string, JsonValue>;
export type JsonValue = null | boolean | number | bigint | JsonFloat | string | JsonValue[] | JsonObject;

export type JsonKind = 'null' | 'bool' | 'number' | 'string' | 'array' | 'object';

export function isInt(v: unknown): v is number | bigint {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
}

export function isObject(v: unknown): v is JsonObject {
  return v instanceof Map;
}

export function kindOf(v: JsonValue): JsonKind {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number' || typeof v === 'bigint' || v instanceof JsonFloat) return 'number';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

/** An exact integer from a safe number or a bigint. */
export function makeInt(b: bigint): number | bigint {
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

/** Python's == between two numbers (int/float compare by exact value). */
export function numbersEqual(a: number | bigint | JsonFloat, b: number | bigint | JsonFloat): boolean {
  const fa = a instanceof JsonFloat;
  const fb = b instanceof JsonFloat;
  if (fa && fb) return a.value === b.value;
  if (!fa && !fb) return BigInt(a) === BigInt(b);
  const f = (fa ? a : b) as JsonFloat;
  const i = (fa ? b : a) as number | bigint;
  if (!Number.isFinite(f.value) || !Number.isInteger(f.value)) return false;
  return BigInt(f.value) === BigInt(i);
}

/** Python's == between two decoded JSON values. */
export function pyEqual(a: JsonValue, b: JsonValue): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  // bool is an int in Python: True == 1
  const numLike = (k: JsonKind) => k === 'number' || k === 'bool';
  if (numLike(ka) && numLike(kb)) {
    const na = typeof a === 'boolean' ? (a ? 1 : 0) : (a as number | bigint | JsonFloat);
    const nb = typeof b === 'boolean' ? (b ? 1 : 0) : (b as number | bigint | JsonFloat);
    return numbersEqual(na, nb);
  }
  if (ka !== kb) return false;
  if (ka === 'null') return true;
  if (ka === 'string') return a === b;
  if (ka === 'array') {
    const x = a as JsonValue[];
    const y = b as JsonValue[];
    return x.length === y.length && x.every((v, i) => pyEqual(v, y[i]));
  }
  const x = a as JsonObject;
  const y = b as JsonObject;
  if (x.size !== y.size) return false;
  for (const [k, v] of x) {
    if (!y.has(k) || !pyEqual(v, y.get(k)!)) return false;
  }
  return true;
}

/** Python's isinstance(v, int) (bool included). */
export function isPyInt(v: JsonValue | undefined): v is number | bigint | boolean {
  return typeof v === 'boolean' || isInt(v);
}

/** Integer value of a Python int (bool counts as 0/1). */
export function intValue(v: number | bigint | boolean): bigint {
  return typeof v === 'boolean' ? (v ? 1n : 0n) : BigInt(v);
}
