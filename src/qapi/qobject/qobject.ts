// QEMU's QObject model (qobject/): the values a QMP message carries.
// JSON integers arrive as JS numbers (bigint when outside the safe range);
// JSON numbers with a fraction or exponent arrive as QFloat, because QEMU
// keeps int and double apart (qobject/qnum.c) and the QAPI visitors care.

/** A JSON number the parser read as a double (qnum_from_double). */
export class QFloat {
  constructor(readonly value: number) {}
}

export type QValue =
  | null
  | boolean
  | number
  | bigint
  | QFloat
  | string
  | QValue[]
  | QDictValue;

export interface QDictValue {
  [key: string]: QValue;
}

export function isQDict(v: unknown): v is QDictValue {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof QFloat);
}

/** QType names as QAPI reports them in 'Invalid parameter type' errors. */
export function qtypeOf(v: QValue): 'null' | 'boolean' | 'integer' | 'number' | 'string' | 'array' | 'object' {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number' || typeof v === 'bigint') return 'integer';
  if (v instanceof QFloat) return 'number';
  if (typeof v === 'string') return 'string';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

/**
 * A parsed object's QDict iteration order, kept (non-enumerable) on objects
 * whose keys JS would reorder: integer-like keys always come first in JS
 * property order. The writer honours it so that an echoed `id` matches QEMU.
 */
export const QDICT_KEY_ORDER: unique symbol = Symbol('qdictKeyOrder');

/**
 * An object's keys in QDict iteration order where the parser recorded it
 * (QDICT_KEY_ORDER), else in JS order. Iterate members with this wherever
 * QEMU's "first offending member" depends on QDict order.
 */
export function qdictKeys(obj: object): string[] {
  const keys = Object.keys(obj);
  const kept = (obj as { [QDICT_KEY_ORDER]?: unknown })[QDICT_KEY_ORDER];
  if (!Array.isArray(kept)) return keys;
  const present = new Set(keys);
  const ordered = kept.filter((k): k is string => typeof k === 'string' && present.delete(k));
  return present.size === 0 ? ordered : ordered.concat([...present]);
}
