// qapi/qom.json adapters (qom/qom-qmp-cmds.c): type lists and class
// properties come from the recording of real QEMU 7.2 (target-profile.ts);
// the objects themselves (CPUs, /machine/peripheral) from the machine model.

import { QmpError } from '../qapi/error.js';
import type { Machine } from '../machine/machine.js';
import type { CommandDef } from './registry.js';
import { targetRecording, replay, type Recorded } from './target-profile.js';
import { cpuIndexOfPath, cpuQomGet, cpuQomList } from './machine.js';

interface TypeInfo {
  name: string;
  abstract?: boolean;
  parent?: string;
}
interface TypeTable {
  all: TypeInfo[];
  interfaces: Record<string, string[]>;
}

function types(machine: Machine): TypeTable {
  return targetRecording<TypeTable>(machine, 'qom-list-types.json');
}

/** The type and its ancestors (object_class_dynamic_cast without interfaces). */
function ancestry(table: TypeTable, name: string): string[] {
  const parent = new Map(table.all.map((t) => [t.name, t.parent]));
  const out: string[] = [];
  for (let t: string | undefined = name; t !== undefined && out.length < 64; t = parent.get(t)) out.push(t);
  return out;
}

function isA(table: TypeTable, name: string, target: string): boolean {
  return ancestry(table, name).includes(target) || (table.interfaces[target]?.includes(name) ?? false);
}

function findType(table: TypeTable, name: string): TypeInfo | undefined {
  return table.all.find((t) => t.name === name);
}

function notRecorded(what: string): QmpError {
  return QmpError.generic(`qmp-sim: ${what} was not recorded from QEMU 7.2 (see protocol/README.md)`);
}

/** qom-list /machine/peripheral: "type", then one child<> per device id (QAPI_LIST_PREPEND: newest first). */
function peripheralList(machine: Machine): { name: string; type: string }[] {
  const ids = [...machine.devices.tree.peripheral].reverse();
  return [{ name: 'type', type: 'string' }, ...ids.map(([id, dev]) => ({ name: id, type: `child<${dev.typename}>` }))];
}

/** object_resolve_path: the device model's tree; a missing path is DeviceNotFound. */
function resolve(machine: Machine, path: string): Exclude<ReturnType<Machine['devices']['tree']['resolve']>, undefined> {
  const found = machine.devices.tree.resolve(path);
  if (found === undefined) throw new QmpError('DeviceNotFound', `Device '${path}' not found`);
  return found;
}

export const qomCommands: CommandDef[] = [
  {
    // object_class_foreach: hash-table order as recorded; abstract types only when asked
    name: 'qom-list-types',
    run(args: { implements?: string; abstract?: boolean }, ctx) {
      const table = types(ctx.machine);
      return table.all
        .filter((t) => (args.abstract ?? false) || !t.abstract)
        .filter((t) => args.implements === undefined || isA(table, t.name, args.implements))
        .map((t) => ({ ...t }));
    },
  },
  {
    name: 'device-list-properties',
    run(args: { typename: string }, ctx) {
      const rec = targetRecording<Record<string, Recorded>>(ctx.machine, 'device-list-properties.json')[args.typename];
      if (rec) return replay(rec);
      const table = types(ctx.machine);
      const t = findType(table, args.typename);
      if (!t) throw new QmpError('DeviceNotFound', `Device '${args.typename}' not found`);
      if (t.abstract || !isA(table, t.name, 'device')) throw QmpError.generic("Parameter 'typename' expects a non-abstract device type");
      throw notRecorded(`device-list-properties of '${args.typename}'`);
    },
  },
  {
    name: 'qom-list-properties',
    run(args: { typename: string }, ctx) {
      const rec = targetRecording<Record<string, Recorded>>(ctx.machine, 'qom-list-properties.json')[args.typename];
      if (rec) return replay(rec);
      const table = types(ctx.machine);
      if (!findType(table, args.typename)) throw new QmpError('DeviceNotFound', `Class '${args.typename}' not found`);
      if (!isA(table, args.typename, 'object')) throw QmpError.generic("Parameter 'typename' expects a QOM type");
      throw notRecorded(`qom-list-properties of '${args.typename}'`);
    },
  },
  {
    name: 'qom-list',
    run(args: { path: string }, ctx) {
      const cpu = cpuIndexOfPath(ctx.machine, args.path);
      if (cpu !== undefined) return cpuQomList(ctx.machine);
      if (normalise(args.path) === '/machine/peripheral') return peripheralList(ctx.machine);
      resolve(ctx.machine, args.path);
      throw notRecorded(`qom-list of '${args.path}'`);
    },
  },
  {
    name: 'qom-get',
    run(args: { path: string; property: string }, ctx) {
      const cpu = cpuIndexOfPath(ctx.machine, args.path);
      if (cpu !== undefined) return cpuQomGet(ctx.machine, cpu, args.property);
      const found = resolve(ctx.machine, args.path);
      if (args.property === 'type') return found === 'object' ? 'container' : found.typename;
      if (normalise(args.path) === '/machine/peripheral') {
        // a child<> property reads as the child's canonical path
        if (ctx.machine.devices.tree.peripheral.has(args.property)) return `/machine/peripheral/${args.property}`;
        throw QmpError.generic(`Property 'container.${args.property}' not found`);
      }
      throw notRecorded(`qom-get of '${args.path}' property '${args.property}'`);
    },
  },
];

function normalise(path: string): string {
  return '/' + path.split('/').filter((p) => p !== '').join('/');
}
