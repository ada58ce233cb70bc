// The transcript normalisation rules 1-9 of shared/conformance/README.md, as
// record.py applies them (state: automatic node names are renumbered per transcript).
import { intValue, isInt, isPyInt, type JsonObject, type JsonValue } from './json-value.js';
import { pyCompareStr } from './py-text.js';

// Python's \d and \w are Unicode-aware
const AUTONODE_RE = /#block\p{Nd}+/gu;
const W = '[\\p{L}\\p{N}_]';
const D = '\\p{Nd}';
const QEMUIO_STATS_RE = new RegExp(
  `(${D}+(?:\\.${D}+)? ${W}+, ${D}+ ops; )[0-9:.]+ sec \\([0-9.]+ ${W}+/sec and [0-9.]+ ops/sec\\)`,
  'gu',
);
const TIME_NS_KEY_RE = /(^|_)time_ns\n?$/;

export interface TranscriptNormaliser {
  text(s: string): string;
  message(msg: JsonValue): JsonValue;
}

/** --raw: messages recorded exactly as received. */
export class IdentityNormaliser implements TranscriptNormaliser {
  text(s: string): string {
    return s;
  }
  message(msg: JsonValue): JsonValue {
    return msg;
  }
}

export class Normaliser implements TranscriptNormaliser {
  private readonly tmpdirs: string[];
  private readonly autonodes = new Map<string, string>();

  /** tmpdirs: the scratch directory as given and as realpath (rule 3). */
  constructor(tmpdirs: string[]) {
    this.tmpdirs = [...new Set(tmpdirs.filter((t) => t))].sort((a, b) => b.length - a.length);
  }

  /** Rules 3, 4 and 8 on one string. */
  text(s: string): string {
    for (const t of this.tmpdirs) s = s.split(t).join('{tmp}');
    s = s.replace(AUTONODE_RE, (name) => {
      let n = this.autonodes.get(name);
      if (n === undefined) {
        n = `#block{${this.autonodes.size + 1}}`;
        this.autonodes.set(name, n);
      }
      return n;
    });
    return s.replace(QEMUIO_STATS_RE, '$1{time} sec ({rate}/sec and {ops} ops/sec)');
  }

  /** Rules 3-8 on a value; key is the member name it sits under. */
  value(v: JsonValue, key?: string): JsonValue {
    if (typeof v === 'string') return this.text(v);
    if (typeof v === 'boolean' || v === null) return v;
    if (isInt(v)) {
      if (key === 'actual-size' && v >= 0) return '{actual-size}';
      if (key !== undefined && TIME_NS_KEY_RE.test(key) && v > 0) return '{ns}';
      return v;
    }
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (v instanceof Map) {
      const out: JsonObject = new Map();
      for (const [k, x] of v) {
        const nv = this.value(x, k); // Python evaluates the value before the key
        out.set(this.text(k), nv);
      }
      jobProgress(out);
      return out;
    }
    return v;
  }

  /** All rules on one received message (rules 1 and 2 look at the top level). */
  message(msg: JsonValue): JsonValue {
    if (!(msg instanceof Map)) return this.value(msg);
    const out = this.value(msg) as JsonObject;
    const ts = out.get('timestamp');
    if (out.has('event') && ts instanceof Map) {
      const keys = [...ts.keys()];
      const ok =
        ts.size === 2 &&
        ts.has('seconds') &&
        ts.has('microseconds') &&
        keys.every((k) => isInt(ts.get(k)));
      if (ok) out.set('timestamp', new Map(keys.map((k) => [k, `{${k}}`] as [string, JsonValue])));
    }
    const qmp = out.get('QMP');
    if (qmp instanceof Map && qmp.get('version') instanceof Map) version(qmp.get('version') as JsonObject);
    const ret = out.get('return');
    if (ret instanceof Map && ret.size === 2 && ret.has('qemu') && ret.has('package')) version(ret);
    return out;
  }
}

function version(v: JsonObject): void {
  const q = v.get('qemu');
  if (q instanceof Map) {
    for (const k of ['major', 'minor', 'micro']) if (isPyInt(q.get(k))) q.set(k, `{${k}}`);
  }
  if (typeof v.get('package') === 'string') v.set('package', '{package}');
}

// Rule 7: a moving job's progress depends on timing.
function jobProgress(d: JsonObject): void {
  for (const [cur, tot] of [
    ['offset', 'len'],
    ['current-progress', 'total-progress'],
  ]) {
    const c = d.get(cur);
    const t = d.get(tot);
    if (d.has(cur) && d.has(tot) && isPyInt(c) && isPyInt(t) && intValue(c) !== intValue(t)) d.set(cur, '{progress}');
  }
}

/** Rule 9: a list result replaced by its summary (wait-return summarize). */
export function summarizeReturn(msg: JsonValue): JsonValue {
  const ret = msg instanceof Map ? msg.get('return') : undefined;
  if (!(msg instanceof Map) || !Array.isArray(ret)) return msg;
  const keys = new Set<string>();
  const metas = new Set<string>();
  const commands: JsonValue[] = [];
  const events: JsonValue[] = [];
  for (const e of ret) {
    if (!(e instanceof Map)) continue;
    for (const k of e.keys()) keys.add(k);
    const mt = e.get('meta-type');
    if (typeof mt === 'string') metas.add(mt);
    const name = e.has('name') ? e.get('name')! : null;
    if (mt === 'command') commands.push(name);
    else if (mt === 'event') events.push(name);
  }
  const sorted = (xs: Iterable<JsonValue>) =>
    [...xs].filter((x): x is string => typeof x === 'string').sort(pyCompareStr);
  const summary: JsonObject = new Map<string, JsonValue>([
    ['type', 'array'],
    ['element-keys', sorted(keys)],
  ]);
  if (metas.size) {
    summary.set('meta-types', sorted(metas));
    summary.set('commands', sorted(commands));
    summary.set('events', sorted(events));
  }
  const out: JsonObject = new Map();
  for (const [k, v] of msg) out.set(k, k === 'return' ? new Map([['#summary', summary]]) : v);
  return out;
}
