// Reading driver options the way QEMU's drivers do. Options arrive typed
// from QMP (blockdev-add, already checked against the schema) or as strings
// from -drive/-blockdev key=value (QemuOpts, util/qemu-option.c), so each
// reader accepts both spellings and fails with QEMU's texts.

import { BlockGenericError } from './block-driver.js';

export type OptionBag = Readonly<Record<string, unknown>>;

/** Option kinds of a driver's runtime_opts table. */
export type OptKind =
  | 'string'
  | 'bool'
  | 'int'
  | 'size'
  | 'child' // BlockdevRef: node-name string or options object
  | 'child-or-null' // BlockdevRefOrNull (qcow2 'backing')
  | 'list' // inject-error / set-state
  | 'any'
  | { enum: readonly string[] };

/** BlockdevOptionsBase members: consumed by the graph layer, accepted by every driver. */
export const COMMON_OPTIONS: Readonly<Record<string, OptKind>> = {
  driver: 'string',
  'node-name': 'string',
  discard: { enum: ['ignore', 'unmap', 'off', 'on'] },
  cache: 'any',
  'read-only': 'bool',
  'auto-read-only': 'bool',
  'force-share': 'bool',
  'detect-zeroes': { enum: ['off', 'on', 'unmap'] },
};

/** Rejects members the driver does not know (qobject-input-visitor: "Parameter '%s' is unexpected"). */
export function checkKnownOptions(opts: OptionBag, table: Readonly<Record<string, OptKind>>): void {
  for (const key of Object.keys(opts)) {
    if (!(key in table) && !(key in COMMON_OPTIONS)) {
      throw new BlockGenericError(`Parameter '${key}' is unexpected`);
    }
  }
  for (const [key, kind] of Object.entries(table)) {
    const v = opts[key];
    if (v === undefined) continue;
    if (typeof kind === 'object') optEnum(opts, key, kind.enum, key);
  }
}

function typeError(name: string, expected: string): BlockGenericError {
  return new BlockGenericError(`Invalid parameter type for '${name}', expected: ${expected}`);
}

export function optString(opts: OptionBag, key: string, name = key): string | undefined {
  const v = opts[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw typeError(name, 'string');
  return v;
}

/** qapi_bool_parse(): on/yes/true/y and off/no/false/n. */
export function optBool(opts: OptionBag, key: string, name = key): boolean | undefined {
  const v = opts[key];
  if (v === undefined) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    if (['on', 'yes', 'true', 'y'].includes(v)) return true;
    if (['off', 'no', 'false', 'n'].includes(v)) return false;
    throw new BlockGenericError(`Parameter '${name}' expects 'on' or 'off'`);
  }
  throw typeError(name, 'boolean');
}

/** QEMU_OPT_NUMBER: decimal, 0x hex or 0 octal (qemu_strtou64 base 0). */
export function optInt(opts: OptionBag, key: string, name = key): number | undefined {
  const v = opts[key];
  if (v === undefined) return undefined;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw typeError(name, 'integer');
    return v;
  }
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    const s = v.trim();
    let n: number;
    if (/^-?0[xX][0-9a-fA-F]+$/.test(s)) n = Number.parseInt(s.replace(/0[xX]/, ''), 16) * (s.startsWith('-') ? -1 : 1);
    else if (/^-?0[0-7]+$/.test(s)) n = Number.parseInt(s, 8);
    else if (/^-?[0-9]+$/.test(s)) n = Number.parseInt(s, 10);
    else throw new BlockGenericError(`Parameter '${name}' expects a number`);
    if (!Number.isSafeInteger(n)) throw new BlockGenericError(`Value '${v}' is too large for parameter '${name}'`);
    return n;
  }
  throw typeError(name, 'integer');
}

const SIZE_SUFFIX: Readonly<Record<string, number>> = {
  b: 1, B: 1, k: 2 ** 10, K: 2 ** 10, m: 2 ** 20, M: 2 ** 20, g: 2 ** 30, G: 2 ** 30,
  t: 2 ** 40, T: 2 ** 40, p: 2 ** 50, P: 2 ** 50, e: 2 ** 60, E: 2 ** 60,
};

/** QEMU_OPT_SIZE: a byte count with optional k/M/G/T/P/E suffix (qemu_strtosz). */
export function parseSize(text: string): number | null {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([bBkKmMgGtTpPeE]?)$/.exec(text);
  if (!m) return null;
  const mult = m[2] ? SIZE_SUFFIX[m[2]] : 1;
  if (m[1].includes('.') && mult === 1) return null;
  const n = Math.floor(Number(m[1]) * mult);
  return Number.isSafeInteger(n) ? n : null;
}

export function optSize(opts: OptionBag, key: string, name = key): number | undefined {
  const v = opts[key];
  if (v === undefined) return undefined;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) throw typeError(name, 'integer');
    return v;
  }
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    const n = parseSize(v);
    if (n === null) {
      throw new BlockGenericError(`Parameter '${name}' expects a non-negative number below 2^64`);
    }
    return n;
  }
  throw typeError(name, 'integer');
}

export function optEnum<T extends string>(opts: OptionBag, key: string, values: readonly T[], name = key): T | undefined {
  const v = opts[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw typeError(name, 'string');
  if (!(values as readonly string[]).includes(v)) {
    throw new BlockGenericError(`Parameter '${name}' does not accept value '${v}'`);
  }
  return v as T;
}

/** A list option given as an array or as an object with keys "0", "1"... (keyval). */
export function optList(opts: OptionBag, key: string, name = key): OptionBag[] {
  const v = opts[key];
  if (v === undefined) return [];
  let items: unknown[];
  if (Array.isArray(v)) items = v;
  else if (typeof v === 'object' && v !== null) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    if (!keys.every((k) => /^(0|[1-9][0-9]*)$/.test(k))) throw typeError(name, 'array');
    items = keys.sort((a, b) => Number(a) - Number(b)).map((k) => o[k]);
  } else throw typeError(name, 'array');
  return items.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw typeError(`${name}[${i}]`, 'object');
    return item as OptionBag;
  });
}
