// zod schemas generated from the introspected QAPI schema that check
// command arguments the way QEMU's generated visitors driving the QObject
// input visitor do (qapi/qobject-input-visitor.c, qapi/qapi-visit-core.c,
// scripts/qapi/visit.py): members in schema order, flat-union variants
// after the base, alternates dispatched on the JSON type, and the first
// leftover key in GHashTable order. Every object type becomes a z.object
// of its members (each a zod transform running that type's check); lists
// and alternates dispatch to their element/branch checks directly, which
// keeps the stack shallow for deeply nested options. Each failure is a zod
// issue whose params say what QEMU would print; validate.ts renders the
// first one.

import { z } from 'zod';
import { QFloat, isQDict, qtypeOf, type QValue } from './qobject/qobject.js';
import { qdictOrder } from './qobject/qdict.js';
import { GHashTableModel } from './ghash-table.js';
import type { IntKind, QapiSchema, SchemaObject, SchemaType } from './schema.js';

/** What went wrong, in the terms QEMU's messages use. */
export type QapiIssue =
  | { qapi: 'missing' }
  | { qapi: 'type'; expected: string }
  | { qapi: 'uint64' }
  | { qapi: 'range'; ctype: string }
  | { qapi: 'enum'; value: string }
  | { qapi: 'alternate'; alternate: string }
  | { qapi: 'unexpected' };

/** Where checks report: a zod refinement context, or one prefixing a path. */
interface Sink {
  addIssue(issue: { code: typeof z.ZodIssueCode.custom; params: QapiIssue; path?: (string | number)[] }): void;
}
/** Checks a present-or-absent value, reporting at most one issue. */
type Check = (v: unknown, sink: Sink) => unknown;

const NEVER = z.NEVER;

function report(sink: Sink, params: QapiIssue, path: (string | number)[] = []): typeof NEVER {
  sink.addIssue({ code: z.ZodIssueCode.custom, params, path });
  return NEVER;
}

/** Re-raises a nested parse's issues at the current position (paths are relative). */
function forward(sink: Sink, error: z.ZodError): typeof NEVER {
  for (const i of error.issues) sink.addIssue({ code: z.ZodIssueCode.custom, params: (i as z.ZodCustomIssue).params as QapiIssue, path: i.path });
  return NEVER;
}

function within(sink: Sink, seg: string | number): Sink {
  return { addIssue: (i) => sink.addIssue({ ...i, path: [seg, ...(i.path ?? [])] }) };
}

// ---- integers (qapi-visit-core.c: visit_type_intN / visit_type_uintN) -------

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U64_LIMIT = 2n ** 64n;

const INT_RANGE: Record<IntKind, [bigint, bigint]> = {
  int8: [-128n, 127n],
  int16: [-32768n, 32767n],
  int32: [-2147483648n, 2147483647n],
  int64: [I64_MIN, I64_MAX],
  uint8: [0n, 255n],
  uint16: [0n, 65535n],
  uint32: [0n, 4294967295n],
  uint64: [0n, U64_LIMIT - 1n],
};

function toJsInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** An integer QNum as bigint; undefined for anything else (QFloat included). */
function qint(v: unknown): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return undefined;
}

function intCheck(kind: IntKind): Check {
  const unsigned = kind.startsWith('u');
  const [min, max] = INT_RANGE[kind];
  return (v, sink) => {
    if (v === undefined) return report(sink, { qapi: 'missing' });
    let n = qint(v);
    if (unsigned) {
      // qobject_input_type_uint64: any int64 or uint64 QNum; negatives wrap
      if (n === undefined || n < I64_MIN || n >= U64_LIMIT) return report(sink, { qapi: 'uint64' });
      if (n < 0n) n += U64_LIMIT;
    } else if (n === undefined || n < I64_MIN || n > I64_MAX) {
      return report(sink, { qapi: 'type', expected: 'integer' });
    }
    if (n < min || n > max) return report(sink, { qapi: 'range', ctype: `${kind}_t` });
    return toJsInt(n);
  };
}

// ---- other scalars ----------------------------------------------------------

function scalar(expected: string, accept: (v: unknown) => boolean, convert: (v: never) => unknown = (v) => v): Check {
  return (v, sink) => {
    if (v === undefined) return report(sink, { qapi: 'missing' });
    if (!accept(v)) return report(sink, { qapi: 'type', expected });
    return convert(v as never);
  };
}

const strCheck = scalar('string', (v) => typeof v === 'string');
const boolCheck = scalar('boolean', (v) => typeof v === 'boolean');
const nullCheck = scalar('null', (v) => v === null);
const numberCheck = scalar(
  'number',
  (v) => typeof v === 'number' || typeof v === 'bigint' || v instanceof QFloat,
  (v: number | bigint | QFloat) => (v instanceof QFloat ? v.value : Number(v)),
);
/** 'any' passes the QObject through untouched: its meaning is the handler's business. */
const anyCheck: Check = (v, sink) => (v === undefined ? report(sink, { qapi: 'missing' }) : (v as QValue));

function enumCheck(values: readonly string[]): Check {
  const set = new Set(values);
  return (v, sink) => {
    if (v === undefined) return report(sink, { qapi: 'missing' });
    if (typeof v !== 'string') return report(sink, { qapi: 'type', expected: 'string' });
    if (!set.has(v)) return report(sink, { qapi: 'enum', value: v });
    return v;
  };
}

// ---- generated schemas --------------------------------------------------------

/** QType names an alternate branch is chosen by (qobject_type of the value). */
type QType = ReturnType<typeof qtypeOf>;

const BUILTIN_QTYPES: Record<string, QType[]> = {
  string: ['string'],
  int: ['integer', 'number'],
  number: ['integer', 'number'],
  boolean: ['boolean'],
  null: ['null'],
  value: [],
};

export class InputVisitorSchemas {
  private readonly checks = new Map<string, Check>();
  private readonly schemas = new Map<string, z.ZodTypeAny>();
  private readonly shapes = new Map<string, z.ZodTypeAny>();

  constructor(private readonly schema: QapiSchema) {}

  /**
   * The zod schema for a value of QAPI type `name` (absent: "missing").
   * Integer widths depend on the member holding the value, so `intKind`
   * travels with builtin 'int' and lists of it.
   */
  typeSchema(name: string, intKind: IntKind = 'int64'): z.ZodTypeAny {
    const key = `${name}/${intKind}`;
    let s = this.schemas.get(key);
    if (!s) {
      const check = this.check(name, intKind);
      s = z.any().transform((v, ctx) => check(v, ctx));
      this.schemas.set(key, s);
    }
    return s;
  }

  /** Builds are shallow: struct members are resolved on first visit, so recursive types are fine. */
  private check(name: string, intKind: IntKind): Check {
    const key = name === 'int' || name.startsWith('[') ? `${name}/${intKind}` : name;
    let c = this.checks.get(key);
    if (!c) {
      c = this.build(this.schema.mustType(name), intKind);
      this.checks.set(key, c);
    }
    return c;
  }

  private build(t: SchemaType, intKind: IntKind): Check {
    switch (t['meta-type']) {
      case 'builtin':
        switch (t['json-type']) {
          case 'string':
            return strCheck;
          case 'int':
            return intCheck(intKind);
          case 'number':
            return numberCheck;
          case 'boolean':
            return boolCheck;
          case 'null':
            return nullCheck;
          case 'value':
            return anyCheck;
        }
        break;
      case 'enum':
        return enumCheck(t.values);
      case 'array':
        return this.listCheck(t['element-type'], intKind);
      case 'object':
        return this.structCheck(t);
      case 'alternate':
        return this.alternateCheck(t.name, t.members);
    }
    throw new Error(`cannot check values of QAPI type ${JSON.stringify(t)}`);
  }

  /** visit_type_FOOList: the list, then each element (named by index). */
  private listCheck(element: string, intKind: IntKind): Check {
    const elementCheck = this.check(element, intKind);
    return (v, sink) => {
      if (v === undefined) return report(sink, { qapi: 'missing' });
      if (!Array.isArray(v)) return report(sink, { qapi: 'type', expected: 'array' });
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i++) {
        let failed = false;
        const r = elementCheck(v[i], { addIssue: (issue) => ((failed = true), within(sink, i).addIssue(issue)) });
        if (failed) return NEVER;
        out.push(r);
      }
      return out;
    };
  }

  /** The members of one object type (not its variants), in schema order. */
  private shapeSchema(t: SchemaObject): z.ZodTypeAny {
    let s = this.shapes.get(t.name);
    if (!s) {
      const shape: Record<string, z.ZodTypeAny> = {};
      for (const m of t.members) {
        const member = this.typeSchema(m.type, this.schema.intKind(t.name, m.name));
        shape[m.name] = 'default' in m ? member.optional() : member;
      }
      s = z.object(shape);
      this.shapes.set(t.name, s);
    }
    return s;
  }

  /**
   * visit_start_struct, the members (a flat union's base, then the members
   * of the variant its tag selects, recursively), visit_check_struct.
   */
  private structCheck(t: SchemaObject): Check {
    return (v, sink) => {
      if (v === undefined) return report(sink, { qapi: 'missing' });
      if (!isQDict(v)) return report(sink, { qapi: 'type', expected: 'object' });
      const out: Record<string, unknown> = {};
      const consumed: string[] = [];
      for (let cur: SchemaObject | undefined = t; cur; ) {
        const r = this.shapeSchema(cur).safeParse(v);
        if (!r.success) return forward(sink, r.error);
        for (const m of cur.members) {
          if (Object.hasOwn(v, m.name)) {
            consumed.push(m.name);
            out[m.name] = (r.data as Record<string, unknown>)[m.name];
          }
        }
        cur = this.variantOf(cur, out);
      }
      const keys = Object.keys(v);
      if (keys.length > consumed.length) return report(sink, { qapi: 'unexpected' }, [firstLeftover(keys, consumed)]);
      return out;
    };
  }

  private variantOf(t: SchemaObject, parsed: Record<string, unknown>): SchemaObject | undefined {
    if (!t.tag || !t.variants) return undefined;
    const v = t.variants.find((x) => x.case === parsed[t.tag!]);
    if (!v) return undefined; // an enum value without a branch: nothing more to visit
    const vt = this.schema.mustType(v.type);
    return vt['meta-type'] === 'object' ? vt : undefined;
  }

  /** visit_start_alternate picks the branch by the value's QType. */
  private alternateCheck(name: string, members: readonly { type: string }[]): Check {
    const branches = new Map<QType, Check>();
    for (const m of members) {
      const bt = this.schema.mustType(m.type);
      const qtypes: QType[] =
        bt['meta-type'] === 'builtin' ? BUILTIN_QTYPES[bt['json-type']] : bt['meta-type'] === 'enum' ? ['string'] : [bt['meta-type'] === 'object' ? 'object' : 'array'];
      for (const q of qtypes) branches.set(q, this.check(m.type, 'int64'));
    }
    const alternate = this.schema.alternateName(name);
    return (v, sink) => {
      if (v === undefined) return report(sink, { qapi: 'missing' });
      const branch = branches.get(qtypeOf(v as QValue));
      if (!branch) return report(sink, { qapi: 'alternate', alternate });
      return branch(v, sink);
    };
  }
}

/** The key QEMU names in "Parameter '%s' is unexpected" (qobject_input_check_struct). */
export function firstLeftover(keys: readonly string[], consumed: readonly string[]): string {
  const table = new GHashTableModel();
  for (const k of qdictOrder(keys)) table.insert(k);
  for (const k of consumed) table.remove(k);
  return table.first()!;
}
