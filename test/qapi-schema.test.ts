// The recorded QEMU 7.2 schema: lazy loading, lookups, introspection
// returns matching the goldens, and a validator for every command that
// accepts a minimal valid argument set built from the schema.

import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadProfile, qemu72, type QapiSchema, type SchemaType } from '../src/qapi/schema.js';
import { isCommandKnown, queryCommands, querySchema } from '../src/qapi/introspect.js';
import { validateArguments } from '../src/qapi/validate.js';
import { InputVisitorSchemas } from '../src/qapi/input-visitor.js';
import { QmpError } from '../src/qapi/error.js';

const schema = qemu72().schema();

function goldenReturn(name: string): unknown {
  const text = readFileSync(new URL(`../fixtures/qemu-7.2/protocol/${name}.golden`, import.meta.url), 'utf8');
  const line = text.split('\n').filter((l) => l.startsWith('< {"return"')).pop()!;
  return (JSON.parse(line.slice(2)) as { return: unknown }).return;
}

t.test('nothing is read before first use', async (t) => {
  const p = loadProfile(join('/nonexistent', 'profile'));
  t.throws(() => p.schema(), /ENOENT/, 'files are read on use only');
});

t.test('command lookup', async (t) => {
  const add = schema.command('blockdev-add')!;
  const argType = schema.type(add.argType)!;
  t.equal(argType['meta-type'], 'object');
  t.equal(argType['meta-type'] === 'object' && argType.tag, 'driver', 'blockdev-add takes the BlockdevOptions union (boxed)');
  t.equal(schema.command('migrate-recover')!.allowOob, true);
  t.equal(schema.command('query-status')!.allowOob, false);
  t.equal(schema.command('device_add')!.checked, false, "device_add is 'gen': false");
  t.equal(schema.command('blockdev-add')!.checked, true);
  t.equal(schema.command('human-monitor-command')!.retType, 'str');
  t.equal(schema.command('no-such-command'), undefined);
  t.ok(isCommandKnown('query-status'));
  t.notOk(isCommandKnown('query-cpus'), 'removed before 7.2');
});

t.test('types, enums, alternates, integer widths', async (t) => {
  const add = schema.type(schema.command('blockdev-add')!.argType)!;
  const driver = add['meta-type'] === 'object' ? add.members.find((m) => m.name === 'driver')! : undefined;
  const drivers = schema.enumValues(driver!.type)!;
  for (const d of ['file', 'raw', 'qcow2', 'null-co', 'blkdebug']) t.ok(drivers.includes(d), d);
  t.equal(schema.type('str')?.['meta-type'], 'builtin');
  t.equal(schema.type('blockdev-add'), undefined, 'commands are not types');
  const names = schema.entries.filter((e) => e['meta-type'] === 'alternate').map((e) => schema.alternateName(e.name));
  for (const n of ['BlockdevRef', 'BlockdevRefOrNull', 'StrOrNull', 'Qcow2OverlapChecks', 'BlockDirtyBitmapOrStr']) t.ok(names.includes(n), n);
  const threshold = schema.command('block-set-write-threshold')!.argType;
  t.equal(schema.intKind(threshold, 'write-threshold'), 'uint64');
  t.equal(schema.intKind(schema.command('blockdev-mirror')!.argType, 'granularity'), 'uint32');
  t.equal(schema.intKind(schema.command('block_resize')!.argType, 'size'), 'int64');
});

t.test('introspection returns what QEMU returned', async (t) => {
  t.same(queryCommands(), goldenReturn('query-commands'), 'query-commands, in QEMU order');
  const list = querySchema();
  const summary = (goldenReturn('query-qmp-schema') as Record<string, Record<string, string[]>>)['#summary'];
  const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();
  t.same(sorted(list.flatMap((e) => Object.keys(e))), summary['element-keys']);
  t.same(sorted(list.map((e) => e['meta-type'])), summary['meta-types']);
  t.same(sorted(list.filter((e) => e['meta-type'] === 'command').map((e) => e.name)), summary.commands);
  t.same(sorted(list.filter((e) => e['meta-type'] === 'event').map((e) => e.name)), summary.events);
});

/** A small value of type `name` the input visitor accepts. */
function sample(s: QapiSchema, name: string, depth = 0): unknown {
  const ty = s.mustType(name);
  if (depth > 20) throw new Error('too deep');
  switch (ty['meta-type']) {
    case 'builtin':
      return { string: 'x', int: 0, number: 0, boolean: false, null: null, value: 0 }[ty['json-type']];
    case 'enum':
      return ty.values[0];
    case 'array':
      return [sample(s, ty['element-type'], depth + 1)];
    case 'alternate': {
      const str = ty.members.find((m) => s.mustType(m.type)['meta-type'] === 'enum' || (s.mustType(m.type) as SchemaType & { 'json-type'?: string })['json-type'] === 'string');
      return sample(s, (str ?? ty.members[0]).type, depth + 1);
    }
    case 'object': {
      const out: Record<string, unknown> = {};
      for (let cur: typeof ty | undefined = ty; cur; ) {
        for (const m of cur.members) if (!('default' in m)) out[m.name] = sample(s, m.type, depth + 1);
        const tag: string | undefined = cur.tag;
        const v: { type: string } | undefined = tag ? cur.variants?.find((x) => x.case === out[tag]) : undefined;
        const vt: SchemaType | undefined = v && s.mustType(v.type);
        cur = vt?.['meta-type'] === 'object' ? vt : undefined;
      }
      return out;
    }
  }
}

t.test('every command has a validator that accepts valid arguments', async (t) => {
  let n = 0;
  for (const name of schema.commandNames()) {
    const args = sample(schema, schema.command(name)!.argType) as Record<string, never>;
    try {
      validateArguments(name, args);
      n++;
    } catch (e) {
      t.fail(`${name} ${JSON.stringify(args)}: ${(e as Error).message}`);
    }
    // and refuses an unknown key with QEMU's error (device_add passes it on to qdev)
    if (schema.command(name)!.checked) {
      t.throws(() => validateArguments(name, { ...args, 'zz-unknown': 1 }), new QmpError('GenericError', "Parameter 'zz-unknown' is unexpected"), name);
    } else {
      t.same(validateArguments(name, { ...args, 'zz-unknown': 1 }), { ...args, 'zz-unknown': 1 }, name);
    }
  }
  t.ok(n > 200, `${n} commands`);
});

t.test('every type in the schema builds and survives hostile input', async (t) => {
  const visitor = new InputVisitorSchemas(schema);
  for (const e of schema.entries) {
    if (e['meta-type'] === 'command' || e['meta-type'] === 'event') continue;
    const zs = visitor.typeSchema(e.name);
    for (const input of [undefined, null, {}, [], 'x', 1, true, { driver: 'raw', file: [{}] }]) {
      const r = zs.safeParse(input);
      if (!r.success) t.ok(r.error.issues[0].path && (r.error.issues[0] as { params?: unknown }).params, `${e.name}: QAPI issue`);
    }
  }
});
