// Scenario files (*.scn): headers and steps, parsed as record.py's Scenario
// does (see shared/conformance/README.md).
import { readdirSync, readFileSync, statSync, lstatSync } from 'node:fs';
import { basename } from 'node:path';
import { parseJson } from './json-reader.js';
import type { JsonValue } from './json-value.js';
import { pyOSError } from './py-errors.js';
import { pyFloat, pyInt, pyIntHex, PyValueError } from './py-number.js';
import { pyCompareStr, pyReprStr, pySplit, pyStrip } from './py-text.js';
import { decodeUtf8 } from './utf8.js';

export const DEFAULT_TIMEOUT = 10.0; // seconds, for wait steps
export const DEFAULT_DRAIN_MS = 300;

export class ScenarioError extends Error {}

export type Step =
  | { line: number; kind: 'send'; text: string }
  | { line: number; kind: 'sendb'; text: string }
  | { line: number; kind: 'wait-return'; timeout: number | null; summarize: boolean }
  | { line: number; kind: 'wait-event'; name: string; match: Map<string, JsonValue>; timeout: number | null }
  | { line: number; kind: 'wait-close'; timeout: number | null }
  | { line: number; kind: 'sleep'; ms: number }
  | { line: number; kind: 'close' }
  | { line: number; kind: 'connect' }
  | { line: number; kind: 'shell'; cmd: string };

export interface Scenario {
  path: string;
  name: string;
  /** one entry per "# args:" line */
  args: string[];
  setup: string[];
  steps: Step[];
  drainMs: number;
  timeout: number;
}

export function argsText(scn: Scenario): string {
  return scn.args.join(' ');
}

/** os.path.splitext */
export function splitext(p: string): [string, string] {
  const slash = p.lastIndexOf('/');
  const dot = p.lastIndexOf('.');
  if (dot <= slash + 1) return [p, ''];
  // leading dots of the last component do not start an extension
  let k = slash + 1;
  while (k < dot && p[k] === '.') k++;
  if (k === dot) return [p, ''];
  return [p.slice(0, dot), p.slice(dot)];
}

/** os.path.join for two parts. */
export function pyJoin(a: string, b: string): string {
  if (b.startsWith('/')) return b;
  if (a === '' || a.endsWith('/')) return a + b;
  return a + '/' + b;
}

const WS = '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const HEADER_RE = new RegExp(`^#[${WS}]*(args|setup|drain|timeout)[${WS}]*:[${WS}]?([^\\n]*)$`);
const NUMBER_FILTER_RE = /^-?\p{Nd}+(\.\p{Nd}+)?([eE][-+]?\p{Nd}+)?$/u;

/** Value of a key=value filter of wait-event (record.py's _match_value). */
export function matchValue(v: string): JsonValue {
  if (v === 'true' || v === 'false' || v.startsWith('"') || NUMBER_FILTER_RE.test(v)) return parseJson(v);
  return v;
}

/** Bytes of a '>b' payload: \xNN \n \r \t \\ \s escapes, no newline added. */
export function decodeEscapes(text: string): Buffer {
  const out: number[] = [];
  const cps = Array.from(text);
  let i = 0;
  while (i < cps.length) {
    const c = cps[i];
    if (c === '\\' && i + 1 < cps.length) {
      const n = cps[i + 1];
      if (n === 'x') {
        const v = pyIntHex(cps.slice(i + 2, i + 4).join(''));
        if (v < 0 || v > 255) throw new PyValueError('byte must be in range(0, 256)');
        out.push(v);
        i += 4;
        continue;
      }
      const simple: Record<string, number> = { n: 0x0a, r: 0x0d, t: 0x09, '\\': 0x5c, s: 0x20 };
      if (n in simple) {
        out.push(simple[n]);
        i += 2;
        continue;
      }
      throw new ScenarioError(`bad escape \\${n} in >b line`);
    }
    out.push(...Buffer.from(c, 'utf8'));
    i++;
  }
  return Buffer.from(out);
}

/** Parse scenario text; `path` names it in messages. */
export function parseScenarioText(text: string, path: string): Scenario {
  const scn: Scenario = {
    path,
    name: splitext(basename(path))[0],
    args: [],
    setup: [],
    steps: [],
    drainMs: DEFAULT_DRAIN_MS,
    timeout: DEFAULT_TIMEOUT,
  };
  // text-mode read: universal newlines
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  lines.forEach((line, idx) => {
    const no = idx + 1;
    if (line.startsWith('>')) {
      const isBytes = line.startsWith('>b');
      let t = line.slice(isBytes ? 2 : 1);
      if (t.startsWith(' ')) t = t.slice(1);
      if (isBytes) {
        decodeEscapes(t); // validate early
        scn.steps.push({ line: no, kind: 'sendb', text: t });
      } else scn.steps.push({ line: no, kind: 'send', text: t });
      return;
    }
    const s = pyStrip(line);
    if (!s) return;
    if (s.startsWith('#')) {
      const m = HEADER_RE.exec(s);
      if (m) {
        const val = pyStrip(m[2]);
        if (m[1] === 'args') scn.args.push(val);
        else if (m[1] === 'setup') scn.setup.push(val);
        else if (m[1] === 'drain') scn.drainMs = pyInt(val);
        else scn.timeout = pyFloat(val);
      }
      return;
    }
    const words = pySplit(s, 1);
    const kw = words[0];
    const rest = words.length > 1 ? words[1] : '';
    switch (kw) {
      case 'wait-return': {
        let timeout: number | null = null;
        let summarize = false;
        for (const o of pySplit(rest)) {
          if (o === 'summarize') summarize = true;
          else timeout = pyFloat(o);
        }
        scn.steps.push({ line: no, kind: 'wait-return', timeout, summarize });
        break;
      }
      case 'wait-event': {
        const opts = pySplit(rest);
        if (!opts.length) throw new ScenarioError(`${path}:${no}: wait-event needs a name`);
        let timeout: number | null = null;
        const match = new Map<string, JsonValue>();
        for (const o of opts.slice(1)) {
          const eq = o.indexOf('=');
          if (eq >= 0) match.set(o.slice(0, eq), matchValue(o.slice(eq + 1)));
          else timeout = pyFloat(o);
        }
        scn.steps.push({ line: no, kind: 'wait-event', name: opts[0], match, timeout });
        break;
      }
      case 'wait-close':
        scn.steps.push({ line: no, kind: 'wait-close', timeout: pyStrip(rest) ? pyFloat(rest) : null });
        break;
      case 'sleep':
        scn.steps.push({ line: no, kind: 'sleep', ms: pyInt(rest) });
        break;
      case 'close':
      case 'connect':
        scn.steps.push({ line: no, kind: kw });
        break;
      case 'shell':
        scn.steps.push({ line: no, kind: 'shell', cmd: rest });
        break;
      default:
        throw new ScenarioError(`${path}:${no}: unknown step ${pyReprStr(kw)}`);
    }
  });
  return scn;
}

/**
 * Read and parse a scenario file. Throws ScenarioError, PyValueError,
 * JsonDecodeError, Utf8DecodeError or PyOSError (compare.py's "bad scenario").
 */
export function parseScenario(path: string): Scenario {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw pyOSError(e, path);
  }
  return parseScenarioText(decodeUtf8(bytes, 'strict'), path);
}

/** Scenario files under the given files/directories, in record.py's order. */
export function findScenarios(paths: string[]): string[] {
  const found: string[] = [];
  const walk = (root: string) => {
    let names: string[];
    try {
      names = readdirSync(root);
    } catch {
      return;
    }
    const dirs: string[] = [];
    const files: string[] = [];
    for (const n of names) {
      let isDir = false;
      try {
        isDir = statSync(pyJoin(root, n)).isDirectory();
      } catch {
        isDir = false;
      }
      (isDir ? dirs : files).push(n);
    }
    dirs.sort(pyCompareStr);
    files.sort(pyCompareStr);
    for (const f of files) if (f.endsWith('.scn')) found.push(pyJoin(root, f));
    for (const d of dirs) {
      const sub = pyJoin(root, d);
      let link = false;
      try {
        link = lstatSync(sub).isSymbolicLink();
      } catch {
        link = true;
      }
      if (!link) walk(sub);
    }
  };
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      isDir = false;
    }
    if (isDir) walk(p);
    else found.push(p);
  }
  return found;
}
