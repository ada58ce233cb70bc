// Records the static QAPI profile of a real QEMU into protocol/<profile>/:
// the introspected schema, the command list, the version, HMP help texts,
// and what introspection hides but argument errors show: the names of
// alternate types and the C width of every integer member (both found by
// probing), plus the replies to a fixed list of argument probes.
// QEMU is started with `-qmp unix:PATH` in client mode: it connects to a
// socket we listen on, so nothing has to poll for a socket file.

import net from 'node:net';
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { accessSync, constants as fsConstants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Reply = { return: Json } | { error: { class: string; desc: string } };
interface SchemaEntry {
  name: string;
  'meta-type': string;
  [k: string]: Json;
}

/**
 * JSON text with every double and every integer beyond 2^53 wrapped as
 * {"$float": "X"} / {"$int": "N"} (strings untouched): JSON.parse then
 * keeps them exactly (the probes' convention, see ArgumentProbe).
 */
export function markNumbers(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/g, (tok) => {
    if (tok.startsWith('"')) return tok;
    if (/[.eE]/.test(tok)) return `{"$float":"${tok}"}`;
    return Number.isSafeInteger(Number(tok)) ? tok : `{"$int":"${tok}"}`;
  });
}

/** One QMP connection to a real QEMU, one command at a time. */
class QemuQmpClient {
  private buf = '';
  private waiting: ((msg: Record<string, Json>) => void)[] = [];
  private queued: Record<string, Json>[] = [];
  private failure: Error | undefined;
  /** keep integers beyond 2^53 and doubles exact, as {"$int": "N"} / {"$float": "X"} */
  exactNumbers = false;

  constructor(private readonly sock: net.Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => this.onData(chunk));
    sock.on('error', (e) => this.fail(e));
    sock.on('close', () => this.fail(new Error('QEMU closed the monitor connection')));
  }

  private onData(chunk: string): void {
    this.buf += chunk;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(this.exactNumbers ? markNumbers(line) : line) as Record<string, Json>;
      if ('event' in msg) continue; // not part of the profile
      const w = this.waiting.shift();
      if (w) w(msg);
      else this.queued.push(msg);
    }
  }

  fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.splice(0)) w({ '#failure': e.message });
  }

  next(): Promise<Record<string, Json>> {
    const q = this.queued.shift();
    if (q) return Promise.resolve(q);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) =>
      this.waiting.push((m) => ('#failure' in m ? reject(new Error(String(m['#failure']))) : resolve(m))),
    );
  }

  async execute(command: string, args?: Json): Promise<Reply> {
    const req: Record<string, Json> = { execute: command };
    if (args !== undefined) req.arguments = args;
    return this.raw(JSON.stringify(req));
  }

  /** Sends one request exactly as written. */
  async raw(text: string): Promise<Reply> {
    this.sock.write(text + '\n');
    const reply = await this.next();
    if (!('return' in reply) && !('error' in reply)) throw new Error(`unexpected message ${JSON.stringify(reply)}`);
    return reply as Reply;
  }

  async ok(command: string, args?: Json): Promise<Json> {
    const r = await this.execute(command, args);
    if ('error' in r) throw new Error(`${command}: ${r.error.desc}`);
    return r.return;
  }
}

const SCHEMA_ARGS = ['-S', '-nodefaults', '-display', 'none', '-machine', 'pc'];

async function withQemu<T>(qemu: string, body: (mon: QemuQmpClient) => Promise<T>, args: readonly string[] = SCHEMA_ARGS): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'qmp-sim-record-'));
  const path = join(dir, 'qmp.sock');
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, resolve);
  });
  const child = spawn(qemu, [...args, '-qmp', `unix:${path}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code, sig) => reject(new Error(`${qemu} exited (${code ?? sig}): ${stderr.trim()}`)));
  });
  exited.catch(() => undefined);
  try {
    const sock = await Promise.race([
      new Promise<net.Socket>((resolve) => server.once('connection', resolve)),
      exited,
    ]);
    const mon = new QemuQmpClient(sock);
    exited.catch((e: Error) => mon.fail(e));
    const greeting = await mon.next();
    if (!('QMP' in greeting)) throw new Error(`no QMP greeting: ${JSON.stringify(greeting)}`);
    await mon.ok('qmp_capabilities');
    const result = await body(mon);
    await mon.execute('quit').catch(() => undefined);
    return result;
  } finally {
    child.kill('SIGKILL');
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

// ---- alternate names -------------------------------------------------------
// The generated visitor of an alternate names its QAPI type when the value's
// JSON type fits no branch (scripts/qapi/visit.py, gen_visit_alternate); the
// schema masks that name, so we provoke the error once per alternate.

const QTYPE_SAMPLES: [string, Json][] = [
  ['array', []],
  ['boolean', true],
  ['object', {}],
  ['string', 'x'],
  ['int', 0],
  ['null', null],
];

class SchemaIndex {
  readonly byName = new Map<string, SchemaEntry>();
  constructor(readonly entries: SchemaEntry[]) {
    for (const e of entries) this.byName.set(e.name, e);
  }
  get(name: string): SchemaEntry {
    const e = this.byName.get(name);
    if (!e) throw new Error(`schema has no type ${name}`);
    return e;
  }
  members(e: SchemaEntry): { name: string; type: string; optional: boolean }[] {
    return ((e.members as { name: string; type: string; default?: Json }[]) ?? []).map((m) => ({
      name: m.name,
      type: m.type,
      optional: 'default' in m,
    }));
  }
  /** JSON types an alternate accepts (its branches' json-type). */
  altJsonTypes(e: SchemaEntry): Set<string> {
    const out = new Set<string>();
    for (const m of (e.members as { type: string }[]) ?? []) {
      const t = this.get(m.type);
      out.add(t['meta-type'] === 'builtin' ? String(t['json-type']) : t['meta-type'] === 'enum' ? 'string' : t['meta-type'] === 'object' ? 'object' : t['meta-type']);
    }
    return out;
  }
  /** A small value the input visitor accepts for type `name`. */
  sample(name: string, depth = 0): Json {
    if (depth > 12) throw new Error('sample too deep');
    const t = this.get(name);
    switch (t['meta-type']) {
      case 'builtin':
        return ({ string: 'x', int: 0, number: 0, boolean: false, null: null, value: 0 } as Record<string, Json>)[
          String(t['json-type'])
        ];
      case 'enum':
        return (t.values as string[])[0];
      case 'array':
        return [];
      case 'alternate': {
        const types = this.altJsonTypes(t);
        if (types.has('string')) {
          const m = (t.members as { type: string }[]).find((x) => {
            const mt = this.get(x.type);
            return mt['meta-type'] === 'enum' || mt['json-type'] === 'string';
          })!;
          return this.sample(m.type, depth + 1);
        }
        return this.sample((t.members as { type: string }[])[0].type, depth + 1);
      }
      case 'object':
        return this.sampleObject(t, depth);
      default:
        throw new Error(`cannot sample ${t['meta-type']}`);
    }
  }
  /** Required members only; a flat union gets its first tag value and that variant's members. */
  sampleObject(t: SchemaEntry, depth: number): { [k: string]: Json } {
    const out: { [k: string]: Json } = {};
    for (const m of this.members(t)) if (!m.optional) out[m.name] = this.sample(m.type, depth + 1);
    const variant = this.variantFor(t, out);
    if (variant) Object.assign(out, this.sampleObject(this.get(variant), depth + 1));
    return out;
  }
  variantFor(t: SchemaEntry, obj: { [k: string]: Json }): string | undefined {
    if (!t.tag) return undefined;
    const v = (t.variants as { case: string; type: string }[]).find((x) => x.case === obj[String(t.tag)]);
    return v?.type;
  }
}

type Seg = string | number;

/** How the search first reached a type from some command's arguments. */
type Edge =
  | { kind: 'root'; command: string }
  | { kind: 'member'; from: string; member: string }
  | { kind: 'variant'; from: string; tagValue: string }
  | { kind: 'element'; from: string }
  | { kind: 'branch'; from: string };

/** Breadth-first: for every type reachable from a command's arguments, the first way in. */
function argumentPaths(ix: SchemaIndex): Map<string, Edge> {
  const seen = new Map<string, Edge>();
  const queue: string[] = [];
  const visit = (type: string, edge: Edge) => {
    if (seen.has(type)) return;
    seen.set(type, edge);
    queue.push(type);
  };
  for (const c of ix.entries) {
    if (c['meta-type'] === 'command' && c.name !== 'device_add') visit(String(c['arg-type']), { kind: 'root', command: c.name });
  }
  while (queue.length) {
    const name = queue.shift()!;
    const t = ix.get(name);
    if (t['meta-type'] === 'object') {
      for (const m of ix.members(t)) visit(m.type, { kind: 'member', from: name, member: m.name });
      for (const v of (t.variants as { case: string; type: string }[] | undefined) ?? [])
        visit(v.type, { kind: 'variant', from: name, tagValue: v.case });
    } else if (t['meta-type'] === 'array') {
      visit(String(t['element-type']), { kind: 'element', from: name });
    } else if (t['meta-type'] === 'alternate') {
      for (const m of (t.members as { type: string }[]) ?? [])
        if (ix.get(m.type)['meta-type'] === 'object') visit(m.type, { kind: 'branch', from: name });
    }
  }
  return seen;
}

/** Required members of object type `t` visited before `member` (all of them when undefined), sampled. */
function membersBefore(ix: SchemaIndex, t: SchemaEntry, member: string | undefined, tagValue?: string): { [k: string]: Json } {
  const o: { [k: string]: Json } = {};
  for (const m of ix.members(t)) {
    if (m.name === member) break;
    if (m.name === t.tag && tagValue !== undefined) o[m.name] = tagValue;
    else if (!m.optional) o[m.name] = ix.sample(m.type);
  }
  return o;
}

interface Probe {
  command: string;
  args: { [k: string]: Json };
  path: Seg[];
}

/**
 * Arguments reaching member `member` of object type `owner` with `bad` there
 * (inside a one-element list when the member is a list). A trailing unknown
 * key guarantees the arguments are refused even if `bad` is accepted: the
 * outermost struct is checked last, so no probe ever runs its command.
 */
function probeFor(ix: SchemaIndex, paths: Map<string, Edge>, owner: string, member: string, bad: Json): Probe | undefined {
  if (!paths.has(owner)) return undefined;
  const t = ix.get(owner);
  const m = ix.members(t).find((x) => x.name === member)!;
  let value: Json = bad;
  let path: Seg[] = [member];
  for (let mt = ix.get(m.type); mt['meta-type'] === 'array'; mt = ix.get(String(mt['element-type']))) {
    value = [value];
    path.push(0);
  }
  const obj = membersBefore(ix, t, member);
  obj[member] = value;
  value = obj;
  for (let name = owner; ; ) {
    const e = paths.get(name)!;
    if (e.kind === 'root') {
      const args = value as { [k: string]: Json };
      args['zz-probe'] = true;
      return { command: e.command, args, path };
    }
    const from = ix.get(e.from);
    if (e.kind === 'member') {
      const o = membersBefore(ix, from, e.member);
      o[e.member] = value;
      value = o;
      path = [e.member, ...path];
    } else if (e.kind === 'variant') {
      value = { ...membersBefore(ix, from, undefined, e.tagValue), ...(value as object) };
    } else if (e.kind === 'element') {
      value = [value];
      path = [0, ...path];
    }
    name = e.from;
  }
}

/** QEMU's name for a visited thing: dotted members, [n] for list elements (qobject-input-visitor.c). */
function fullName(path: readonly Seg[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i ? `.${s}` : s)).join('');
}
function localName(path: readonly Seg[]): string {
  const last = path[path.length - 1];
  return typeof last === 'string' ? last : 'null';
}

function objectMembers(ix: SchemaIndex, pred: (type: string) => boolean): [string, string][] {
  const out: [string, string][] = [];
  for (const e of ix.entries) {
    if (e['meta-type'] !== 'object') continue;
    for (const m of ix.members(e)) if (pred(m.type)) out.push([e.name, m.name]);
  }
  return out;
}

function elementOf(ix: SchemaIndex, type: string): string {
  let t = ix.get(type);
  while (t['meta-type'] === 'array') t = ix.get(String(t['element-type']));
  return t.name;
}

async function probeAlternates(mon: QemuQmpClient, ix: SchemaIndex, paths: Map<string, Edge>): Promise<Record<string, { name: string; probe: Json; desc: string }>> {
  const out: Record<string, { name: string; probe: Json; desc: string }> = {};
  for (const alt of ix.entries.filter((e) => e['meta-type'] === 'alternate')) {
    const accepted = ix.altJsonTypes(alt);
    const bad = QTYPE_SAMPLES.find(([k]) => !accepted.has(k))![1];
    for (const [owner, member] of objectMembers(ix, (type) => elementOf(ix, type) === alt.name)) {
      const p = probeFor(ix, paths, owner, member, bad);
      if (!p) continue;
      const reply = await mon.execute(p.command, p.args);
      const desc = 'error' in reply ? reply.error.desc : '';
      const prefix = `Invalid parameter type for '${localName(p.path)}', expected: `;
      if (desc.startsWith(prefix)) {
        out[alt.name] = { name: desc.slice(prefix.length), probe: { execute: p.command, arguments: p.args }, desc };
        break;
      }
    }
  }
  return out;
}

// ---- integer widths ---------------------------------------------------------
// Introspection reports every integer type as 'int' (scripts/qapi/introspect.py),
// but the input visitor checks each C width (qapi/qapi-visit-core.c). Two
// probes per member tell them apart: UINT64_MAX is refused by signed types
// ('integer') and by narrow unsigned ones ('expects uintN_t'); INT64_MAX is
// then refused by narrow signed ones ('expects intN_t'). uint64 and size
// behave alike for JSON input.

const U64_MAX = '18446744073709551615';
const I64_MAX = '9223372036854775807';

async function probeIntWidths(mon: QemuQmpClient, ix: SchemaIndex, paths: Map<string, Edge>): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [owner, member] of objectMembers(ix, (type) => elementOf(ix, type) === 'int')) {
    const big = probeFor(ix, paths, owner, member, 0);
    if (!big) continue; // not reachable from any command's arguments
    const send = async (literal: string) => {
      // the literal must reach QEMU as written: JSON.stringify would round it
      const text = JSON.stringify({ execute: big.command, arguments: probeFor(ix, paths, owner, member, '@@N@@')!.args }).replace('"@@N@@"', literal);
      const r = await mon.raw(text);
      return 'error' in r ? r.error.desc : '';
    };
    const local = localName(big.path);
    const full = fullName(big.path);
    const kindOf = (desc: string, re: RegExp) => re.exec(desc)?.[1];
    const typeErr = await send('"x"');
    let kind: string;
    if (typeErr === `Parameter '${full}' expects uint64`) {
      kind = kindOf(await send(U64_MAX), new RegExp(`^Parameter '${escapeRe(local)}' expects (uint\\d+)_t$`)) ?? 'uint64';
    } else if (typeErr === `Invalid parameter type for '${full}', expected: integer`) {
      kind = kindOf(await send(I64_MAX), new RegExp(`^Parameter '${escapeRe(local)}' expects (int\\d+)_t$`)) ?? 'int64';
    } else {
      throw new Error(`integer probe for ${owner}.${member} via ${big.command} went astray: ${typeErr}`);
    }
    (out[owner] ??= {})[member] = kind;
  }
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Request text with probe markers spelled as literals ({"$int": "N"} -> N, {"$float": "1.0"} -> 1.0). */
function probeText(execute: string, args: unknown): string {
  const req: Record<string, unknown> = { execute };
  if (args !== undefined) req.arguments = args;
  return JSON.stringify(req).replace(/\{"\$(?:int|float)":"([-+.0-9eE]+)"\}/g, '$1');
}

async function runProbes(mon: QemuQmpClient, probes: readonly ArgumentProbe[]): Promise<Json[]> {
  const out: Json[] = [];
  for (const p of probes) {
    const reply = await mon.raw(probeText(p.execute, p.arguments));
    const rec: { [k: string]: Json } = { what: p.what, execute: p.execute };
    if (p.arguments !== undefined) rec.arguments = p.arguments as Json;
    if ('error' in reply) rec.error = reply.error.desc;
    else rec.return = reply.return;
    out.push(rec);
  }
  return out;
}

/** One JSON value per line inside a top-level array: diff-friendly, still plain JSON. */
function jsonLines(list: readonly Json[]): string {
  return '[\n' + list.map((e) => JSON.stringify(e)).join(',\n') + '\n]\n';
}

export async function recordProtocol(opts: { qemu: string; outDir: string }): Promise<void> {
  await mkdir(opts.outDir, { recursive: true });
  const files = await withQemu(opts.qemu, async (mon) => {
    const version = await mon.ok('query-version');
    const commands = (await mon.ok('query-commands')) as Json[];
    const schema = (await mon.ok('query-qmp-schema')) as unknown as SchemaEntry[];
    const help = await mon.ok('human-monitor-command', { 'command-line': 'help' });
    const helpInfo = await mon.ok('human-monitor-command', { 'command-line': 'help info' });
    const ix = new SchemaIndex(schema);
    const paths = argumentPaths(ix);
    const alternates = await probeAlternates(mon, ix, paths);
    const intWidths = await probeIntWidths(mon, ix, paths);
    const probes = await runProbes(mon, ARGUMENT_PROBES);
    return {
      'version.json': JSON.stringify(version, null, 2) + '\n',
      'query-commands.json': jsonLines(commands),
      'qmp-schema.json': jsonLines(schema as unknown as Json[]),
      'hmp-help.json': JSON.stringify({ help, 'help info': helpInfo }, null, 2) + '\n',
      'alternates.json': JSON.stringify(alternates, null, 2) + '\n',
      'int-widths.json': JSON.stringify(intWidths, null, 1) + '\n',
      'argument-probes.json': jsonLines(probes),
    };
  });
  for (const [name, text] of Object.entries(files)) await writeFile(join(opts.outDir, name), text);
  await recordTargetProfiles(opts);
}

/**
 * An argument probe: a request whose reply tests replay against the
 * validator. Integers beyond 2^53 are written {"$int": "N"} and doubles
 * {"$float": "1.0"}, so both the wire text and the parsed value are exact.
 * Every probe that could pass argument checking carries an unknown trailing
 * key ('zz-probe') so that no probe ever runs its command.
 */
export interface ArgumentProbe {
  what: string;
  execute: string;
  arguments?: unknown;
}

const int = (n: string) => ({ $int: n });
const float = (n: string) => ({ $float: n });
const NULL_CO = { driver: 'null-co', 'node-name': 'n0' };
const FILE_A = { driver: 'file', filename: '/nonexistent/a.img' };

const FIXED_PROBES: readonly ArgumentProbe[] = [
  // leftover keys: GHashTable order, with and without consumed members
  { what: 'two unknown keys', execute: 'query-status', arguments: { a: 1, b: 2 } },
  { what: 'reverse insertion', execute: 'query-status', arguments: { b: 1, a: 2 } },
  { what: 'non-ASCII keys hash as signed chars', execute: 'query-status', arguments: { 'é': 1, 'ü': 2, a: 3, '日本': 4 } },
  { what: 'member consumed before leftovers', execute: 'human-monitor-command', arguments: { zz: 1, 'command-line': 'x', 'cpu-index': 0, yy: 2 } },
  {
    what: 'eleven members consumed from a 16-slot table (shrinks)',
    execute: 'blockdev-add',
    arguments: {
      extra1: 1, driver: 'null-co', 'node-name': 'n0', discard: 'ignore', cache: { direct: false, 'no-flush': false },
      'read-only': false, 'auto-read-only': false, 'force-share': false, 'detect-zeroes': 'off', size: 0,
      'latency-ns': 0, 'read-zeroes': false, extra2: 2,
    },
  },
  { what: 'nested leftover is dotted', execute: 'blockdev-add', arguments: { driver: 'raw', 'node-name': 'r', file: { ...FILE_A, bogus: 1 } } },
  { what: 'nested struct leftover', execute: 'blockdev-add', arguments: { ...NULL_CO, cache: { direct: true, bogus: 1 } } },
  { what: 'members are checked before leftovers', execute: 'blockdev-del', arguments: { bogus: 1 } },
  // flat unions and nesting
  { what: 'union tag missing', execute: 'blockdev-add', arguments: { 'node-name': 'x', bogus: 1 } },
  { what: 'union tag not a string', execute: 'blockdev-add', arguments: { driver: 5 } },
  { what: 'union tag is case-sensitive', execute: 'blockdev-add', arguments: { driver: 'RAW' } },
  { what: 'base member checked before variant', execute: 'blockdev-add', arguments: { driver: 'raw', 'read-only': 'no' } },
  { what: 'struct member not an object', execute: 'blockdev-add', arguments: { ...NULL_CO, cache: true } },
  { what: 'struct member is a list', execute: 'blockdev-add', arguments: { ...NULL_CO, cache: [] } },
  { what: 'nested union member missing', execute: 'blockdev-add', arguments: { driver: 'raw', file: { driver: 'file' } } },
  { what: 'nested union tag missing', execute: 'blockdev-add', arguments: { driver: 'raw', file: {} } },
  { what: 'nested union bad tag', execute: 'blockdev-add', arguments: { driver: 'raw', file: { driver: 'nope' } } },
  { what: 'two levels deep', execute: 'blockdev-add', arguments: { driver: 'raw', file: { driver: 'raw', file: { driver: 'file' } } } },
  { what: 'required str given null', execute: 'blockdev-del', arguments: { 'node-name': null } },
  { what: 'valid nested options', execute: 'blockdev-add', arguments: { driver: 'qcow2', 'node-name': 'q', file: { ...FILE_A, aio: 'threads' }, 'zz-probe': true } },
  // alternates
  { what: 'BlockdevRef given a number', execute: 'blockdev-add', arguments: { driver: 'raw', file: 5 } },
  { what: 'BlockdevRef given null', execute: 'blockdev-add', arguments: { driver: 'raw', file: null } },
  { what: 'BlockdevRefOrNull accepts null', execute: 'blockdev-add', arguments: { driver: 'qcow2', file: 'f', backing: null, 'zz-probe': true } },
  { what: 'alternate enum branch, bad value', execute: 'blockdev-add', arguments: { driver: 'qcow2', file: 'f', 'overlap-check': 'bogus' } },
  { what: 'alternate object branch leftover', execute: 'blockdev-add', arguments: { driver: 'qcow2', file: 'f', 'overlap-check': { template: 'all', bogus: 1 } } },
  { what: 'StrOrNull accepts null', execute: 'x-blockdev-set-iothread', arguments: { 'node-name': 'x', iothread: null, 'zz-probe': true } },
  { what: 'alternate inside a list', execute: 'block-dirty-bitmap-merge', arguments: { node: 'n', target: 't', bitmaps: ['a', 5] } },
  // lists
  { what: 'list given a string', execute: 'qmp_capabilities', arguments: { enable: 'oob' } },
  { what: 'enum list element', execute: 'qmp_capabilities', arguments: { enable: ['foo'] } },
  { what: 'second enum list element', execute: 'qmp_capabilities', arguments: { enable: ['oob', 'foo'] } },
  { what: 'list element wrong type', execute: 'qmp_capabilities', arguments: { enable: [1] } },
  { what: 'list element null', execute: 'qmp_capabilities', arguments: { enable: ['oob', null] } },
  { what: 'list element is a list', execute: 'qmp_capabilities', arguments: { enable: [[]] } },
  { what: 'struct in list: missing member', execute: 'block-dirty-bitmap-merge', arguments: { node: 'n', target: 't', bitmaps: [{}] } },
  { what: 'struct in list: wrong type', execute: 'block-dirty-bitmap-merge', arguments: { node: 'n', target: 't', bitmaps: ['a', { node: 1 }] } },
  { what: 'struct in list: leftover', execute: 'block-dirty-bitmap-merge', arguments: { node: 'n', target: 't', bitmaps: [{ node: 'n', name: 'b', x: 1 }] } },
  { what: 'enum in struct in list', execute: 'blockdev-add', arguments: { driver: 'blkdebug', image: 'x', 'inject-error': [{ event: 'read_aio' }, { event: 'nope' }] } },
  { what: 'int in struct in list', execute: 'blockdev-add', arguments: { driver: 'blkdebug', image: 'x', 'inject-error': [{ event: 'read_aio', errno: 'x' }] } },
  // numbers
  { what: 'int given a double', execute: 'block_resize', arguments: { 'node-name': 'x', size: float('1.0') } },
  { what: 'int given an exponent', execute: 'block_resize', arguments: { 'node-name': 'x', size: float('1e3') } },
  { what: 'int64 given 2^63', execute: 'block_resize', arguments: { 'node-name': 'x', size: int('9223372036854775808') } },
  { what: 'int64 given INT64_MIN', execute: 'block_resize', arguments: { 'node-name': 'x', size: int('-9223372036854775808'), 'zz-probe': true } },
  { what: 'int64 given below INT64_MIN (a double)', execute: 'block_resize', arguments: { 'node-name': 'x', size: int('-9223372036854775809') } },
  { what: 'uint64 given -1 wraps', execute: 'block-set-write-threshold', arguments: { 'node-name': 'x', 'write-threshold': -1, 'zz-probe': true } },
  { what: 'uint64 given UINT64_MAX', execute: 'block-set-write-threshold', arguments: { 'node-name': 'x', 'write-threshold': int('18446744073709551615'), 'zz-probe': true } },
  { what: 'uint64 given 2^64 (a double)', execute: 'block-set-write-threshold', arguments: { 'node-name': 'x', 'write-threshold': int('18446744073709551616') } },
  { what: 'uint64 given a string', execute: 'block-set-write-threshold', arguments: { 'node-name': 'x', 'write-threshold': '1' } },
  { what: 'uint64 given a double', execute: 'block-set-write-threshold', arguments: { 'node-name': 'x', 'write-threshold': float('1.5') } },
  { what: 'int32 above range', execute: 'blockdev-add', arguments: { driver: 'blkdebug', image: 'x', 'max-transfer': 2147483648 } },
  { what: 'int32 below range', execute: 'blockdev-add', arguments: { driver: 'blkdebug', image: 'x', 'max-transfer': -2147483649 } },
  { what: 'int32 at range ends', execute: 'blockdev-add', arguments: { driver: 'blkdebug', image: 'x', 'max-transfer': -2147483648, 'opt-write-zero': 2147483647, 'zz-probe': true } },
  { what: 'int32 given a string', execute: 'blockdev-add', arguments: { driver: 'blkdebug', image: 'x', 'max-transfer': 'x' } },
  { what: 'uint32 given -1', execute: 'blockdev-mirror', arguments: { device: 'a', target: 'b', sync: 'full', granularity: -1 } },
  { what: 'uint32 given 2^32', execute: 'blockdev-mirror', arguments: { device: 'a', target: 'b', sync: 'full', granularity: 4294967296 } },
  { what: 'uint32 given a string', execute: 'blockdev-mirror', arguments: { device: 'a', target: 'b', sync: 'full', granularity: 'x' } },
  { what: 'uint16 list element out of range', execute: 'object-add', arguments: { 'qom-type': 'memory-backend-ram', id: 'm', size: 0, 'host-nodes': [1, 65536] } },
  { what: 'bool given 1', execute: 'query-named-block-nodes', arguments: { flat: 1 } },
  // 'any' and unchecked commands
  { what: "'any' member missing", execute: 'qom-set', arguments: { path: '/x', property: 'p' } },
  { what: "'any' takes anything", execute: 'qom-set', arguments: { path: '/x', property: 'p', value: [null, { a: float('1.5') }], 'zz-probe': true } },
  { what: 'device_add ignores unknown keys', execute: 'device_add', arguments: { driver: 'zz-no-such-device', 'zz-bogus': 1 } },
  { what: 'device_add without driver', execute: 'device_add', arguments: { 'zz-bogus': 1 } },
];

/** Seeded LCG: the generated probes are the same on every run. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    return s / 0x80000000;
  };
}

/** Random key sets (1..40 keys) for leftover order, on a command without members and on a flat union. */
function hashOrderProbes(): ArgumentProbe[] {
  const rnd = lcg(7);
  const alphabet = 'abcdefghijklmnopqrstuvwxyz-_ABXYZé';
  const key = () => {
    let k = 'k';
    for (let n = 1 + Math.floor(rnd() * 8); n; n--) k += alphabet[Math.floor(rnd() * alphabet.length)];
    return k;
  };
  const out: ArgumentProbe[] = [];
  for (let i = 0; i < 40; i++) {
    const args: Record<string, number> = {};
    for (let n = 1 + Math.floor(rnd() * 40); n; n--) args[key()] = n;
    out.push({ what: `leftover order #${i}`, execute: 'query-status', arguments: args });
  }
  const declared: [string, unknown][] = [
    ['driver', 'null-co'], ['node-name', 'n'], ['discard', 'unmap'], ['read-only', true], ['auto-read-only', false],
    ['force-share', false], ['detect-zeroes', 'on'], ['size', 4096], ['latency-ns', 1], ['read-zeroes', true],
  ];
  for (let i = 0; i < 30; i++) {
    const keys: [string, unknown][] = declared.filter(([k]) => k === 'driver' || rnd() < 0.6);
    for (let n = 1 + Math.floor(rnd() * 12); n; n--) keys.splice(Math.floor(rnd() * (keys.length + 1)), 0, [key(), 0]);
    out.push({ what: `leftover order after members #${i}`, execute: 'blockdev-add', arguments: Object.fromEntries(keys) });
  }
  return out;
}

export const ARGUMENT_PROBES: readonly ArgumentProbe[] = [...FIXED_PROBES, ...hashOrderProbes()];

// ---- per-machine/accel facts (what libvirt probes and reads at start) ------
// Real QEMU answers these per machine type and accelerator, so each file maps
// a context key "<machine>/<accel>" to what that QEMU said. Which requests
// are sent comes from libvirt 9.0's traffic (/work/notes/libvirt-qmp-traffic.md).

/** A reply as recorded: the return value or the error. */
type Recorded = { return: Json } | { error: { class: string; desc: string } };

function recorded(r: Reply): Recorded {
  return 'error' in r ? { error: { class: r.error.class, desc: r.error.desc } } : { return: r.return };
}

interface TargetContext {
  key: string;
  args: string[];
  /** record the CPU object's QOM properties (a machine with CPUs) */
  cpu: boolean;
}

/** libvirt's probe (-machine none) and its domain start (-machine pc-i440fx-7.2 -cpu qemu64), per usable accel. */
function targetContexts(): TargetContext[] {
  let kvm = true;
  try {
    accessSync('/dev/kvm', fsConstants.R_OK | fsConstants.W_OK);
  } catch {
    kvm = false;
  }
  const out: TargetContext[] = [];
  for (const accel of kvm ? ['kvm', 'tcg'] : ['tcg']) {
    out.push({ key: `none/${accel}`, args: ['-S', '-no-user-config', '-nodefaults', '-nographic', '-machine', `none,accel=${accel}`], cpu: false });
    out.push({
      key: `pc-i440fx-7.2/${accel}`,
      args: ['-S', '-no-user-config', '-nodefaults', '-display', 'none', '-machine', `pc-i440fx-7.2,accel=${accel}`, '-cpu', 'qemu64', '-m', '128', '-smp', '1'],
      cpu: true,
    });
  }
  return out;
}

/** device-list-properties: libvirt 9.0's list, the devices qmp-sim models, and error probes. */
export const DEVICE_PROPERTY_TYPES = [
  'virtio-blk-pci', 'virtio-net-pci', 'virtio-scsi-pci', 'virtio-net-ccw', 'virtio-scsi-ccw', 'vfio-pci', 'scsi-hd', 'ide-hd',
  'PIIX4_PM', 'usb-redir', 'usb-storage', 'kvm-pit', 'VGA', 'vmware-svga', 'qxl', 'virtio-gpu-pci', 'virtio-gpu-device',
  'ICH9-LPC', 'virtio-balloon-pci', 'virtio-balloon-ccw', 'virtio-balloon-device', 'intel-iommu', 'mch', 'nvdimm',
  'pcie-root-port', 'usb-host', 'vhost-user-fs-device', 'virtio-mem-pci', 'virtio-iommu-pci',
  // modelled by qmp-sim (src/hw/)
  'ide-cd', 'scsi-cd', 'virtio-blk-device', 'virtio-scsi-device', 'piix3-ide', 'lsi53c895a',
  // error paths: unknown, abstract, not a device
  'zz-no-such-device', 'virtio-blk-pci-base', 'pci-device', 'memory-backend-ram',
];

/** qom-list-properties: libvirt 9.0's list, this context's machine and CPU, and error probes. */
export const QOM_PROPERTY_TYPES = [
  'memory-backend-file', 'memory-backend-memfd', 'max-x86_64-cpu', 'none-machine',
  'pc-i440fx-7.2-machine', 'qemu64-x86_64-cpu', 'memory-backend-ram', 'x86_64-cpu',
  'zz-no-such-class', 'user-creatable',
];

/** query-cpu-model-expansion: libvirt 9.0's requests, then more models and an unknown one. */
const CPU_EXPANSIONS: Json[] = [
  { type: 'static', model: { name: 'host' } },
  { type: 'static', model: { name: 'host', props: { migratable: false } } },
  { type: 'full', model: { name: 'host', props: { migratable: false, 'hv-passthrough': true } } },
  { type: 'static', model: { name: 'max' } },
  { type: 'full', model: { name: 'max' } },
  { type: 'static', model: { name: 'qemu64' } },
  { type: 'full', model: { name: 'qemu64' } },
  { type: 'full', model: { name: 'zz-no-such-cpu' } },
];

/** Commands recorded as they answer without arguments. */
const PLAIN_QUERIES = [
  'query-machines', 'query-cpu-definitions', 'query-tpm-models', 'query-tpm-types', 'query-command-line-options',
  'query-migrate-capabilities', 'query-migrate-parameters', 'query-sev-capabilities', 'query-sgx-capabilities', 'query-sgx',
  'query-chardev-backends',
];

/** The CPU libvirt reads at start (x86: /machine/unattached/device[0] is the first CPU). */
export const CPU_QOM_PATH = '/machine/unattached/device[0]';

interface TargetRecording {
  plain: Record<string, Recorded>;
  types: Json;
  devices: Record<string, Recorded>;
  classes: Record<string, Recorded>;
  expansions: Json[];
  cpu?: { list: Recorded; get: Record<string, Recorded> };
}

async function recordTarget(mon: QemuQmpClient, ctx: TargetContext): Promise<TargetRecording> {
  mon.exactNumbers = true;
  // qom-list-types before device-list-properties: the latter loads modules
  const all = (await mon.ok('qom-list-types', { abstract: true })) as { name: string; parent?: string; abstract?: boolean }[];
  const plain = (await mon.ok('qom-list-types')) as { name: string }[];
  const concrete = all.filter((t) => !t.abstract).map((t) => t.name);
  if (JSON.stringify(concrete) !== JSON.stringify(plain.map((t) => t.name))) throw new Error('qom-list-types: plain list is not the abstract list filtered');
  // interfaces are not on the parent chain: ask for their implementers
  const interfaces: Record<string, string[]> = {};
  for (const t of all.filter((x) => x.parent === 'interface')) {
    const impl = (await mon.ok('qom-list-types', { implements: t.name, abstract: true })) as { name: string }[];
    interfaces[t.name] = impl.map((x) => x.name);
  }
  const out: TargetRecording = { plain: {}, types: { all, interfaces } as unknown as Json, devices: {}, classes: {}, expansions: [] };
  for (const q of PLAIN_QUERIES) out.plain[q] = recorded(await mon.execute(q));
  for (const t of DEVICE_PROPERTY_TYPES) out.devices[t] = recorded(await mon.execute('device-list-properties', { typename: t }));
  for (const t of QOM_PROPERTY_TYPES) out.classes[t] = recorded(await mon.execute('qom-list-properties', { typename: t }));
  const expansions = [...CPU_EXPANSIONS];
  // libvirt expands the static 'host' result fully when it re-checks a model
  const host = await mon.execute('query-cpu-model-expansion', expansions[0]);
  if ('return' in host) expansions.splice(3, 0, { type: 'full', model: (host.return as { model: Json }).model });
  // arguments may hold exact-number markers (from a reply): send them as literals
  for (const a of expansions) out.expansions.push({ arguments: a, ...recorded(await mon.raw(probeText('query-cpu-model-expansion', a))) } as Json);
  if (ctx.cpu) {
    const list = await mon.execute('qom-list', { path: CPU_QOM_PATH });
    const get: Record<string, Recorded> = {};
    if ('return' in list) {
      for (const p of list.return as { name: string; type: string }[]) {
        if (p.type.startsWith('child<') || p.type.startsWith('link<')) continue;
        get[p.name] = recorded(await mon.execute('qom-get', { path: CPU_QOM_PATH, property: p.name }));
      }
    }
    out.cpu = { list: recorded(list), get };
  }
  return out;
}

/** A value with one line per element or member (two levels for an object of objects): diff-friendly, still JSON. */
function twoLevels(v: Json, depth = 0): string {
  const pad = ' '.repeat(depth + 1);
  if (Array.isArray(v) && v.length) return '[\n' + v.map((e) => pad + JSON.stringify(e)).join(',\n') + '\n' + ' '.repeat(depth) + ']';
  if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length) {
    const inner = (x: Json) => (depth === 0 && x && typeof x === 'object' && !Array.isArray(x) && !('return' in x || 'error' in x) ? twoLevels(x, depth + 1) : JSON.stringify(x));
    return '{\n' + Object.entries(v).map(([k, x]) => `${pad}${JSON.stringify(k)}: ${inner(x)}`).join(',\n') + '\n' + ' '.repeat(depth) + '}';
  }
  return JSON.stringify(v);
}

/** Writes one JSON file per query kind, each keyed by context. */
export async function recordTargetProfiles(opts: { qemu: string; outDir: string }): Promise<void> {
  const byCtx: Record<string, TargetRecording> = {};
  for (const ctx of targetContexts()) byCtx[ctx.key] = await withQemu(opts.qemu, (mon) => recordTarget(mon, ctx), ctx.args);
  const keys = Object.keys(byCtx);
  const per = (pick: (r: TargetRecording) => Json | undefined): string => {
    const parts: string[] = [];
    for (const k of keys) {
      const v = pick(byCtx[k]);
      if (v !== undefined) parts.push(`${JSON.stringify(k)}: ${twoLevels(v)}`);
    }
    return '{\n' + parts.join(',\n') + '\n}\n';
  };
  const files: Record<string, string> = {
    'qom-list-types.json': per((r) => r.types),
    'device-list-properties.json': per((r) => r.devices as unknown as Json),
    'qom-list-properties.json': per((r) => r.classes as unknown as Json),
    'query-cpu-model-expansion.json': per((r) => r.expansions),
    'qom-cpu.json': per((r) => r.cpu as unknown as Json),
  };
  for (const q of PLAIN_QUERIES) files[`${q}.json`] = per((r) => r.plain[q] as unknown as Json);
  const dir = join(opts.outDir, 'target');
  await mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
}
