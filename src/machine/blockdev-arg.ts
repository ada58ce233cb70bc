// -blockdev's argument (softmmu/vl.c, util/keyval.c,
// qapi/qobject-input-visitor.c in keyval mode): either JSON or dotted
// key=value pairs. Keyval values are strings; they are typed by walking
// BlockdevOptions in the schema (ints, sizes, bools), then checked like
// blockdev-add's arguments.

import { QmpError } from '../qapi/error.js';
import { qemu72, type QapiSchema, type SchemaType } from '../qapi/schema.js';
import { validateArguments } from '../qapi/validate.js';
import type { QDictValue } from '../qapi/qobject/qobject.js';

/** keyval_parse: "a.b=1,c=x,,y" → nested dicts of strings; numeric keys become lists. */
export function keyvalParse(text: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let i = 0;
  while (i < text.length) {
    let key = '';
    while (i < text.length && text[i] !== '=' && text[i] !== ',') key += text[i++];
    if (text[i] !== '=') {
      throw QmpError.generic(key === '' ? `Invalid parameter ''` : `Expected '=' after parameter '${key}'`);
    }
    i++;
    let value = '';
    while (i < text.length) {
      if (text[i] === ',') {
        if (text[i + 1] === ',') {
          value += ',';
          i += 2;
          continue;
        }
        break;
      }
      value += text[i++];
    }
    if (text[i] === ',') i++;
    const parts = key.split('.');
    if (parts.some((p) => !/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(p))) throw QmpError.generic(`Invalid parameter '${key}'`);
    let cur = root;
    for (let p = 0; p < parts.length - 1; p++) {
      const next = cur[parts[p]];
      if (next === undefined) cur[parts[p]] = {};
      else if (typeof next !== 'object') throw QmpError.generic(`Parameter '${parts.slice(0, p + 1).join('.')}' used inconsistently`);
      cur = cur[parts[p]] as Record<string, unknown>;
    }
    const leaf = parts[parts.length - 1];
    if (typeof cur[leaf] === 'object') throw QmpError.generic(`Parameter '${key}' used inconsistently`);
    cur[leaf] = value;
  }
  return listify(root) as Record<string, unknown>;
}

function listify(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  for (const k of keys) o[k] = listify(o[k]);
  if (keys.length > 0 && keys.every((k) => /^(0|[1-9][0-9]*)$/.test(k))) {
    const n = keys.length;
    if (keys.every((k) => Number(k) < n)) return Array.from({ length: n }, (_, j) => o[String(j)]);
  }
  return o;
}

type Path = Array<string | number>;

/** full_name() of the keyval input visitor: members dotted, list elements [n]. */
function fullName(path: Path): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i ? `.${s}` : s)).join('');
}

/** The keyval input visitor's scalar conversions (qemu_strtoi64 base 0, qapi_bool_parse, qemu_strtod). */
function typedScalar(s: string, t: SchemaType, path: Path): unknown {
  if (t['meta-type'] !== 'builtin') return s;
  switch (t['json-type']) {
    case 'int': {
      const neg = s.startsWith('-');
      const body = neg ? s.slice(1) : s;
      let b: bigint | undefined;
      if (/^0[xX][0-9a-fA-F]+$/.test(body)) b = BigInt(body);
      else if (/^0[0-7]+$/.test(body)) b = BigInt(`0o${body.slice(1)}`);
      else if (/^[0-9]+$/.test(body)) b = BigInt(body);
      if (b === undefined) throw QmpError.generic(`Parameter '${fullName(path)}' expects integer`);
      if (neg) b = -b;
      return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
    }
    case 'boolean':
      if (['on', 'yes', 'true', 'y'].includes(s)) return true;
      if (['off', 'no', 'false', 'n'].includes(s)) return false;
      throw QmpError.generic(`Parameter '${fullName(path)}' expects 'on' or 'off'`);
    case 'number': {
      const n = Number(s);
      if (s.trim() === '' || !Number.isFinite(n)) throw QmpError.generic(`Parameter '${fullName(path)}' expects a number`);
      return n;
    }
    default:
      return s;
  }
}

/** Types keyval strings by the schema (the keyval input visitor's conversions). */
function typed(schema: QapiSchema, typeName: string, v: unknown, path: Path = []): unknown {
  const t = schema.type(typeName);
  if (!t) return v;
  if (typeof v === 'string') {
    if (t['meta-type'] === 'alternate') {
      const branches = t.members.map((m) => schema.mustType(m.type));
      if (branches.some((b) => b['meta-type'] === 'enum' || (b['meta-type'] === 'builtin' && b['json-type'] === 'string'))) return v;
      for (const b of branches) if (b['meta-type'] === 'builtin') return typedScalar(v, b, path);
      return v;
    }
    return typedScalar(v, t, path);
  }
  if (Array.isArray(v)) {
    return t['meta-type'] === 'array' ? v.map((x, i) => typed(schema, t['element-type'], x, [...path, i])) : v;
  }
  if (typeof v === 'object' && v !== null) {
    let obj = t;
    if (t['meta-type'] === 'alternate') {
      const branch = t.members.map((m) => schema.mustType(m.type)).find((b) => b['meta-type'] === 'object');
      if (!branch) return v;
      obj = branch;
    }
    if (obj['meta-type'] !== 'object') return v;
    const src = v as Record<string, unknown>;
    const members = [...obj.members];
    if (obj.tag && obj.variants) {
      const tagVal = src[obj.tag];
      const variant = obj.variants.find((x) => x.case === tagVal);
      if (variant) {
        const vt = schema.type(variant.type);
        if (vt?.['meta-type'] === 'object') members.push(...vt.members);
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(src)) {
      const m = members.find((mm) => mm.name === k);
      out[k] = m ? typed(schema, m.type, x, [...path, k]) : x;
    }
    return out;
  }
  return v;
}

/** The BlockdevOptions -blockdev TEXT describes, checked as blockdev-add checks its arguments. */
export function parseBlockdevArg(text: string): Record<string, unknown> {
  let value: unknown;
  if (text.trimStart().startsWith('{')) {
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw QmpError.generic(`JSON parse error, ${(e as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw QmpError.generic('JSON object expected');
  } else {
    const schema = qemu72().schema();
    const argType = schema.command('blockdev-add')!.argType;
    value = typed(schema, argType, keyvalParse(text));
  }
  return validateArguments('blockdev-add', value as QDictValue);
}
