// qdev property values (hw/core/qdev-properties.c, qapi/qobject-input-visitor.c).
// A value arrives either as keyval text (QMP device_add and dotted -device
// go through QemuOpts, so every value is a string) or as a JSON value
// (-device '{...}'). Each kind parses both and fails with QEMU's texts.

import { QmpError } from '../../qapi/error.js';

export type PropInput = { json: false; text: string } | { json: true; value: unknown };

export type PropKind =
  | { kind: 'str' }
  | { kind: 'bool' }
  | { kind: 'int'; bits: 32; signed: true }
  | { kind: 'int'; bits: 8 | 16 | 32 | 64; signed: false }
  | { kind: 'enum'; values: readonly string[] }
  /** PCI devfn "SLOT[.FN]" (hw/core/qdev-properties-system.c set_pci_devfn) */
  | { kind: 'pci-devfn' };

export type PropValue = string | number | boolean | undefined;

const STR: PropKind = { kind: 'str' };
const BOOL: PropKind = { kind: 'bool' };
const INT32: PropKind = { kind: 'int', bits: 32, signed: true };
const UINT8: PropKind = { kind: 'int', bits: 8, signed: false };
const UINT16: PropKind = { kind: 'int', bits: 16, signed: false };
const UINT32: PropKind = { kind: 'int', bits: 32, signed: false };
const UINT64: PropKind = { kind: 'int', bits: 64, signed: false };
export const PROP = { STR, BOOL, INT32, UINT8, UINT16, UINT32, UINT64 } as const;

export function enumProp(values: readonly string[]): PropKind {
  return { kind: 'enum', values };
}

function invalidValue(name: string, what: string): QmpError {
  return QmpError.generic(`Parameter '${name}' expects ${what}`);
}

function invalidType(name: string, what: string): QmpError {
  return QmpError.generic(`Invalid parameter type for '${name}', expected: ${what}`);
}

/** qemu_strtoi64 / qemu_strtou64 with base 0 (0x hex, 0 octal), whole string. */
function parseCInteger(text: string, unsigned: boolean): bigint | undefined {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!m) return undefined;
  const body = m[2];
  let v: bigint;
  if (/^0[xX]/.test(body)) v = BigInt(body);
  else if (body.length > 1 && body.startsWith('0')) v = BigInt(`0o${body.slice(1)}`);
  else v = BigInt(body);
  if (m[1] === '-') v = -v;
  if (unsigned) {
    if (v >= 1n << 64n || -v >= 1n << 64n) return undefined;
    if (v < 0n) v += 1n << 64n; // strtoull negates in unsigned arithmetic
  } else if (v < -(1n << 63n) || v >= 1n << 63n) {
    return undefined;
  }
  return v;
}

function typeName(k: PropKind & { kind: 'int' }): string {
  return `${k.signed ? 'int' : 'uint'}${k.bits}_t`;
}

function parseInt(name: string, k: PropKind & { kind: 'int' }, input: PropInput): number {
  let v: bigint;
  if (input.json) {
    if (typeof input.value !== 'number' || !Number.isInteger(input.value)) throw invalidType(name, 'integer');
    v = BigInt(input.value);
    if (!k.signed && v < 0n) throw invalidValue(name, typeName(k));
  } else {
    const p = parseCInteger(input.text, !k.signed);
    if (p === undefined) throw invalidValue(name, 'integer');
    v = p;
  }
  const lo = k.signed ? -(1n << BigInt(k.bits - 1)) : 0n;
  const hi = k.signed ? (1n << BigInt(k.bits - 1)) - 1n : (1n << BigInt(k.bits)) - 1n;
  if (v < lo || v > hi) throw invalidValue(name, typeName(k));
  return Number(v);
}

function parseBool(name: string, input: PropInput): boolean {
  if (input.json) {
    if (typeof input.value !== 'boolean') throw invalidType(name, 'boolean');
    return input.value;
  }
  // qapi/qapi-util.c qapi_bool_parse
  if (['on', 'yes', 'true', 'y'].includes(input.text)) return true;
  if (['off', 'no', 'false', 'n'].includes(input.text)) return false;
  throw invalidValue(name, "'on' or 'off'");
}

function parseStr(name: string, input: PropInput): string {
  if (!input.json) return input.text;
  if (typeof input.value !== 'string') throw invalidType(name, 'string');
  return input.value;
}

/** "SS[.F]" hex slot and function (or a plain integer devfn); -1 = auto. */
function parsePciDevfn(typename: string, name: string, input: PropInput): number {
  if (input.json && typeof input.value === 'number') {
    const v = input.value;
    if (!Number.isInteger(v) || v < -1 || v > 255) throw invalidValue(name, 'a value between -1 and 255');
    return v;
  }
  const text = parseStr(name, input);
  const bad = () => QmpError.generic(`Property '${typename}.${name}' doesn't take value '${text}'`);
  // strtoul(.., 16) for the slot and the function: an optional 0x each
  const m = /^\s*(?:0[xX])?([0-9a-fA-F]+)(?:\.\s*(?:0[xX])?([0-9a-fA-F]+))?$/.exec(text);
  if (!m) throw bad();
  const slot = Number.parseInt(m[1], 16);
  const fn = m[2] === undefined ? 0 : Number.parseInt(m[2], 16);
  if (slot > 0x1f || fn > 7) throw bad();
  return slot * 8 + fn;
}

/** Parse one property value; `typename` is the QOM type reporting errors. */
export function parsePropValue(typename: string, name: string, kind: PropKind, input: PropInput): PropValue {
  switch (kind.kind) {
    case 'str':
      return parseStr(name, input);
    case 'bool':
      return parseBool(name, input);
    case 'int':
      return parseInt(name, kind, input);
    case 'enum': {
      const s = parseStr(name, input);
      if (!kind.values.includes(s)) throw QmpError.generic(`Parameter '${name}' does not accept value '${s}'`);
      return s;
    }
    case 'pci-devfn':
      return parsePciDevfn(typename, name, input);
  }
}
