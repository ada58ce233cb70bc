// `diff`: two transcript files compared the way replay compares them (after
// normalisation, key order ignored unless strict), with a unified diff.
import { compareLines } from './compare-lines.js';
import { unifiedDiff } from './difflib.js';
import { readGolden } from './golden.js';
import { tryParseJson } from './json-reader.js';
import type { JsonValue } from './json-value.js';
import { Normaliser } from './normalise.js';
import { pyCompareStr } from './py-text.js';
import { qjson } from './qjson.js';

export interface DiffOptions {
  strict?: boolean;
  out?: (line: string) => void;
}

/** Normalise a transcript again (idempotent on goldens; raw transcripts get rules 1-9 but 3). */
export function normaliseTranscript(lines: string[]): string[] {
  const norm = new Normaliser([]);
  return lines.map((ln) => {
    if (ln.startsWith('< ')) {
      const v = tryParseJson(ln.slice(2));
      return v === undefined || v === null ? '< ' + norm.text(ln.slice(2)) : '< ' + qjson(norm.message(v));
    }
    if (ln.startsWith('# | ')) return '# | ' + norm.text(ln.slice(4));
    return ln;
  });
}

function sortKeys(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v instanceof Map) {
    const keys = [...v.keys()].sort(pyCompareStr);
    return new Map(keys.map((k) => [k, sortKeys(v.get(k)!)] as [string, JsonValue]));
  }
  return v;
}

/** A line's identity for diffing: key order does not count unless strict. */
function canonical(line: string, strict: boolean): string {
  if (strict || !line.startsWith('< ')) return line;
  const v = tryParseJson(line.slice(2));
  return v === undefined || v === null ? line : '< ' + qjson(sortKeys(v));
}

/** Exit status: 0 equal, 1 different, 2 unreadable input. */
export function diffMain(a: string, b: string, opts: DiffOptions = {}): number {
  const out = opts.out ?? ((l: string) => process.stdout.write(l + '\n'));
  let la: string[];
  let lb: string[];
  try {
    la = normaliseTranscript(readGolden(a));
    lb = normaliseTranscript(readGolden(b));
  } catch (e) {
    out(`diff: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const problem = compareLines(la, lb, opts.strict);
  if (problem === null) return 0;
  out(problem);
  const strict = !!opts.strict;
  for (const line of unifiedDiff(
    la.map((l) => canonical(l, strict)),
    lb.map((l) => canonical(l, strict)),
    a,
    b,
    3,
    [la, lb],
  )) {
    out(line);
  }
  return 1;
}
