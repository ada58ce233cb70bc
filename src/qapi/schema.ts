// The QAPI schema of QEMU 7.2 as its `query-qmp-schema` reports it
// (qapi/introspect.json: SchemaInfo), plus the facts introspection hides
// that argument checking needs, all recorded from the real binary into
// protocol/qemu-7.2/ (see protocol/README.md). Files are read and indexed on
// first use only; the loaded profile is immutable and shared by all VMs.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SchemaMember {
  name: string;
  type: string;
  /** Present (always null) when the member is optional. */
  default?: null;
  features?: string[];
}

interface SchemaBase {
  name: string;
  features?: string[];
}
export interface SchemaBuiltin extends SchemaBase {
  'meta-type': 'builtin';
  'json-type': 'string' | 'int' | 'number' | 'boolean' | 'null' | 'value';
}
export interface SchemaEnum extends SchemaBase {
  'meta-type': 'enum';
  values: string[];
  members?: { name: string; features?: string[] }[];
}
export interface SchemaArray extends SchemaBase {
  'meta-type': 'array';
  'element-type': string;
}
export interface SchemaObject extends SchemaBase {
  'meta-type': 'object';
  members: SchemaMember[];
  tag?: string;
  variants?: { case: string; type: string }[];
}
export interface SchemaAlternate extends SchemaBase {
  'meta-type': 'alternate';
  members: { type: string }[];
}
export interface SchemaCommand extends SchemaBase {
  'meta-type': 'command';
  'arg-type': string;
  'ret-type': string;
  'allow-oob'?: boolean;
}
export interface SchemaEvent extends SchemaBase {
  'meta-type': 'event';
  'arg-type': string;
}
export type SchemaInfo = SchemaBuiltin | SchemaEnum | SchemaArray | SchemaObject | SchemaAlternate | SchemaCommand | SchemaEvent;
export type SchemaType = Exclude<SchemaInfo, SchemaCommand | SchemaEvent>;

/** C integer types behind introspection's single 'int' (qapi/qapi-visit-core.c). */
export type IntKind = 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64';

export interface CommandInfo {
  name: string;
  argType: string;
  retType: string;
  allowOob: boolean;
  features: readonly string[];
  /**
   * false when QEMU's handler takes the raw arguments dictionary instead of
   * generated visitor code ('gen': false): nothing is checked before it runs.
   */
  checked: boolean;
}

/**
 * Commands declared with 'gen': false in QEMU 7.2 (qapi/qdev.json): their
 * arguments reach the handler unchecked; recorded probes in
 * argument-probes.json show device_add ignoring unknown keys.
 */
const UNCHECKED_COMMANDS: ReadonlySet<string> = new Set(['device_add']);

export class QapiSchema {
  private readonly byName = new Map<string, SchemaInfo>();
  private readonly commands = new Map<string, CommandInfo>();

  constructor(
    readonly entries: readonly SchemaInfo[],
    private readonly alternateNames: Readonly<Record<string, { name: string }>>,
    private readonly intWidths: Readonly<Record<string, Readonly<Record<string, IntKind>>>>,
  ) {
    for (const e of entries) {
      this.byName.set(e.name, e);
      if (e['meta-type'] === 'command') {
        this.commands.set(e.name, {
          name: e.name,
          argType: e['arg-type'],
          retType: e['ret-type'],
          allowOob: e['allow-oob'] === true,
          features: e.features ?? [],
          checked: !UNCHECKED_COMMANDS.has(e.name),
        });
      }
    }
  }

  command(name: string): CommandInfo | undefined {
    return this.commands.get(name);
  }

  commandNames(): IterableIterator<string> {
    return this.commands.keys();
  }

  /** A type by its (masked) name; builtins keep their names ('str', 'int', ...). */
  type(name: string): SchemaType | undefined {
    const e = this.byName.get(name);
    return e && e['meta-type'] !== 'command' && e['meta-type'] !== 'event' ? e : undefined;
  }

  /** Like type(), for names the schema itself refers to. */
  mustType(name: string): SchemaType {
    const t = this.type(name);
    if (!t) throw new Error(`QAPI schema refers to unknown type '${name}'`);
    return t;
  }

  enumValues(name: string): readonly string[] | undefined {
    const t = this.type(name);
    return t?.['meta-type'] === 'enum' ? t.values : undefined;
  }

  /** An alternate's QAPI name, which QEMU prints in type errors; the masked name if never observed. */
  alternateName(name: string): string {
    return this.alternateNames[name]?.name ?? name;
  }

  /** The C width of integer member `member` of object type `owner` (int64 when never probed). */
  intKind(owner: string, member: string): IntKind {
    return this.intWidths[owner]?.[member] ?? 'int64';
  }
}

/** All data recorded from one QEMU build. */
export interface Profile {
  readonly dir: string;
  schema(): QapiSchema;
  /** The recorded `query-qmp-schema` return, as QEMU sent it. */
  schemaJson(): readonly SchemaInfo[];
  /** The recorded `query-commands` return, in QEMU's order. */
  commandList(): readonly { name: string }[];
  version(): { qemu: { major: number; minor: number; micro: number }; package: string };
  hmpHelp(): { help: string; 'help info': string };
}

function readJson<T>(dir: string, file: string): T {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;
}

function once<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}

/** A profile read lazily from `dir` (a protocol/<name>/ directory). */
export function loadProfile(dir: string): Profile {
  const schemaJson = once(() => readJson<SchemaInfo[]>(dir, 'qmp-schema.json'));
  return {
    dir,
    schemaJson,
    schema: once(
      () =>
        new QapiSchema(
          schemaJson(),
          readJson(dir, 'alternates.json'),
          readJson(dir, 'int-widths.json'),
        ),
    ),
    commandList: once(() => readJson<{ name: string }[]>(dir, 'query-commands.json')),
    version: once(() => readJson(dir, 'version.json')),
    hmpHelp: once(() => readJson(dir, 'hmp-help.json')),
  };
}

/** protocol/<name>/, found upward from this module (works from src/ and from dist/src/). */
export function profileDir(name = 'qemu-7.2'): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'protocol', name);
    if (existsSync(join(candidate, 'qmp-schema.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`protocol/${name}/qmp-schema.json not found above ${fileURLToPath(import.meta.url)}`);
}

/** The QEMU 7.2 profile, located and opened on first call (files load later, on use). */
export const qemu72: () => Profile = once(() => loadProfile(profileDir('qemu-7.2')));
