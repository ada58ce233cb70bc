// The Python semantics the harness reproduces, checked against Python itself
// (python3 with shared/conformance/tools): compare_lines on mutated golden
// lines, difflib.unified_diff, shlex.split, json.loads + qjson, '%.17g',
// UTF-8 decoding with error handlers, the Normaliser, repr().
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  compareLines,
  formatG17,
  Normaliser,
  parseJson,
  qjson,
  shlexSplit,
  unifiedDiff,
} from '../src/harness/index.js';
import { pyReprFloat, pyReprStr } from '../src/harness/py-text.js';
import { decodeUtf8 } from '../src/harness/utf8.js';

const TOOLS = '/work/shared/conformance/tools';
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'qemu-7.2');

function pythonMissing(): string | false {
  if (!existsSync(join(TOOLS, 'record.py'))) return `${TOOLS}/record.py not found`;
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return false;
  } catch {
    return 'python3 not available';
  }
}
const noPython = pythonMissing();

// Reads {task: [...inputs]} on stdin, answers {task: [...outputs]} in the same order.
const DRIVER = String.raw`
import sys, json, shlex, difflib, struct
sys.path.insert(0, sys.argv[1])
sys.dont_write_bytecode = True
import record, compare
req = json.load(sys.stdin)
out = {}
def err(e): return 'ERR: ' + str(e)
def loads(text):
    try: return record.qjson(json.loads(text))
    except ValueError as e: return err(e)
def split(s):
    try: return shlex.split(s)
    except ValueError as e: return err(e)
def dec(h, mode):
    try: return bytes.fromhex(h).decode('utf-8', mode)
    except UnicodeDecodeError as e: return err(e)
out['compare'] = [compare.compare_lines(e, a, s) for e, a, s in req['compare']]
out['diff'] = [list(difflib.unified_diff(a, b, 'golden', 'actual', lineterm='', n=n)) for a, b, n in req['diff']]
out['shlex'] = [split(s) for s in req['shlex']]
out['json'] = [loads(s) for s in req['json']]
out['g17'] = ['%.17g' % struct.unpack('>d', bytes.fromhex(h))[0] for h in req['g17']]
out['repr_float'] = [repr(struct.unpack('>d', bytes.fromhex(h))[0]) for h in req['g17']]
out['utf8'] = [[dec(h, 'strict'), dec(h, 'replace'), dec(h, 'backslashreplace')] for h in req['utf8']]
n = record.Normaliser(['/tmp/qmprec-x1', '/private/tmp/qmprec-x1'])
out['norm'] = [record.qjson(n.message(json.loads(s))) for s in req['norm']]
out['repr_str'] = [repr(s) for s in req['repr_str']]
json.dump(out, sys.stdout)
`;

// deterministic pseudo-random numbers (xorshift32)
let seed = 0x2545f491;
const rnd = (n: number) => {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed % n;
};
const pick = <T>(xs: T[]): T => xs[rnd(xs.length)];

function goldens(): string[][] {
  const out: string[][] = [];
  for (const fam of readdirSync(FIXTURES).sort()) {
    const dir = join(FIXTURES, fam);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir).sort()) {
      if (f.endsWith('.golden')) out.push(readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l && !l.startsWith('##')));
    }
  }
  return out;
}

/** One random edit of a received line's JSON, printed back (keys reordered, a value changed...). */
function mutateJson(line: string): string {
  const v = parseJson(line.slice(2));
  const edit = (x: any, depth: number): any => {
    if (x instanceof Map) {
      const keys = [...x.keys()];
      const r = rnd(6);
      if (r === 0 && keys.length > 1) return new Map([...x].reverse());
      if (r === 1 && keys.length) {
        const m = new Map(x);
        m.delete(pick(keys));
        return m;
      }
      if (r === 2) return new Map([...x, ['extra', 1]]);
      if (keys.length) {
        const k = pick(keys);
        const m = new Map(x);
        m.set(k, edit(x.get(k), depth + 1));
        return m;
      }
      return x;
    }
    if (Array.isArray(x)) {
      if (!x.length || rnd(4) === 0) return [...x, 'more'];
      const i = rnd(x.length);
      return rnd(3) === 0 ? x.slice(1) : x.map((y, j) => (j === i ? edit(y, depth + 1) : y));
    }
    return pick([null, true, false, 0, 1, 1.5, 'x', 'prelaunch', 'GenericError', 'STOP', [], new Map(), 'x'.repeat(150)]);
  };
  return '< ' + qjson(edit(v, 0));
}

function mutate(lines: string[]): string[] {
  const out = [...lines];
  const i = rnd(out.length);
  switch (rnd(6)) {
    case 0:
      out.splice(i, 1);
      break;
    case 1:
      out.splice(i, 0, pick(['# connection closed by server', '< {"return": {}}', '> x', '< inf']));
      break;
    case 2:
      if (i + 1 < out.length) [out[i], out[i + 1]] = [out[i + 1], out[i]];
      break;
    case 3:
      out[i] = out[i] + ' ';
      break;
    default: {
      const j = out.findIndex((l, k) => k >= i && l.startsWith('< {'));
      if (j >= 0) out[j] = mutateJson(out[j]);
    }
  }
  return out;
}

function doubles(): string[] {
  const fixed = [0, -0, 1, 0.1, 1e-7, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1e16, 1e17, 123456789.125,
    2251799813685247.75, 2251799813685246.75, 0.5, 1e-5, 1e-4, 9.5, 1e21, 1e22, 1 / 3, NaN, Infinity, -Infinity, 4.35, 0.3];
  const out = fixed.map((x) => {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(x);
    return b.toString('hex');
  });
  for (let i = 0; i < 400; i++) {
    const b = Buffer.alloc(8);
    for (let k = 0; k < 8; k++) b[k] = rnd(256);
    if (i % 3 === 0) b[0] = 0x40 + rnd(8); // moderate exponents
    if (i % 5 === 0) for (let k = 4; k < 8; k++) b[k] = 0; // short mantissas: ties
    out.push(b.toString('hex'));
  }
  return out;
}

function byteStrings(): string[] {
  const interesting = [0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x82, 0xa0, 0x90, 0x8f, 0x9f];
  const out: string[] = ['', 'e282ac', 'eda080', 'f09f9880', 'c080', 'f08282ac', 'e282', 'f09f98'];
  for (let i = 0; i < 300; i++) {
    const n = 1 + rnd(7);
    out.push(Buffer.from(Array.from({ length: n }, () => pick(interesting))).toString('hex'));
  }
  return out;
}

t.test('python differential', { skip: noPython }, async (t) => {
  const gold = goldens();
  const req = {
    compare: [] as [string[], string[], boolean][],
    diff: [] as [string[], string[], number][],
    shlex: [
      `a 'b c' "d \\" e" f\\ g '' "" h\\\\ "x\\y" 'it'"'"'s'`, `'open`, 'end\\', '"a\\', 'a"b"c d\'e\'f', '\t x\ny\r', '\\\\\\"', '"\\$x \\`"',
      `-blockdev '{"driver": "null-co"}' -S`, "''", '""x', 'x""', '\\ ', 'a\\\nb', '"\\\n"', 'é "ü ß"',
    ],
    json: [
      '1.0', '-0.0', '-0', '1e400', '1E+2', '1e', '1.', '.5', '-', '--1', '01', '1.5e-3', 'NaN', '-Infinity', 'Infinity ', 'nan', 'inf',
      '{"a": 1, "a": 2}', '{"b": 1, "a": {"c": [true, false, null]}}', '[1 2]', '[1,]', '{"a" 1}', '{"a": 1,}', '{', '[', '"\\ud800"', '"\\ud83d\\ude00"',
      '"\\ud83d\\u0041"', '"\\ud83d\\uzzzz"', '"\\u12"', '"\\u0041', '"\\q"', '"a\tb"', '"\\/"', ' \t\n\r1\r\n', '\ufeff1', '"é"', '"\u2028"',
      '123456789012345678901234567890', '1' + '0'.repeat(4300), '1' + '0'.repeat(4299), '{"__proto__": 1}', '{"1": 1, "0": 2}', '"\\u0000"',
      '[[[[[]]]]]', '{"a":{"b":{}}}', 'true', 'false', 'null', 'nul', 'truex', '1 2', '"abc', '"\\', '{"a": 1} x', '[1e-400, -1e-400, 2.5e-324]',
    ],
    g17: doubles(),
    utf8: byteStrings(),
    norm: [
      '{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "X", "data": {"file": "/tmp/qmprec-x1/a", "n": "#block12"}}',
      '{"return": [{"actual-size": 5, "rd_total_time_ns": 3, "offset": 1, "len": 2, "node-name": "#block99"}, {"#block12": "/private/tmp/qmprec-x1/b"}]}',
      '{"QMP": {"version": {"qemu": {"micro": true, "minor": 2, "major": 7}, "package": "p"}, "capabilities": []}}',
      '{"return": {"qemu": {"major": 7}, "package": "x"}}',
      '{"event": "Y", "timestamp": {"seconds": 1.0, "microseconds": 2}}',
      '{"return": "1 MiB, 16 ops; 00:00:00.01 sec (97.656 MiB/sec and 1562.5000 ops/sec)"}',
      '{"current-progress": 1, "total-progress": true, "time_ns": 0, "x_time_ns": 2, "idle_time_ns\\n": 1}',
      '["#block5", "#block٣"]',
    ],
    repr_str: ['', "it's", '"q"', `'"`, 'a\\b\n\t\r\x00\x7f\x80\xa0é\u2028\ud800😀\u00ad', 'x'],
  };
  for (let i = 0; i < 300; i++) {
    const g = pick(gold);
    const m = mutate(g);
    req.compare.push([g, m, rnd(2) === 0]);
    if (i % 3 === 0) req.diff.push([g, mutate(mutate(m)), pick([0, 1, 2, 3])]);
  }
  // long transcripts exercise the popular-line heuristic of difflib
  const longA = Array.from({ length: 260 }, (_, i) => (i % 3 ? '< {"return": {}}' : `> line ${i}`));
  req.diff.push([longA, mutate(mutate(longA)), 2], [longA, [...longA].reverse(), 3], [[], ['x'], 2], [['x'], [], 2], [[], [], 2]);
  const py = JSON.parse(execFileSync('python3', ['-c', DRIVER, TOOLS], { input: JSON.stringify(req), maxBuffer: 1 << 28 }).toString('utf8'));
  const err = (f: () => unknown) => {
    try {
      return f();
    } catch (e) {
      return 'ERR: ' + (e as Error).message;
    }
  };
  let bad = 0;
  const check = (what: string, ours: unknown[], theirs: unknown[]) => {
    t.equal(ours.length, theirs.length, `${what}: count`);
    ours.forEach((o, i) => {
      if (JSON.stringify(o) !== JSON.stringify(theirs[i]) && bad++ < 20) t.same(o, theirs[i], `${what} #${i}`);
    });
  };
  check('compare_lines', req.compare.map(([e, a, s]) => compareLines(e, a, s)), py.compare);
  check('unified_diff', req.diff.map(([a, b, n]) => unifiedDiff(a, b, 'golden', 'actual', n)), py.diff);
  check('shlex.split', req.shlex.map((s) => err(() => shlexSplit(s))), py.shlex);
  check('json.loads + qjson', req.json.map((s) => err(() => qjson(parseJson(s)))), py.json);
  const dbl = (h: string) => Buffer.from(h, 'hex').readDoubleBE();
  check('%.17g', req.g17.map((h) => formatG17(dbl(h))), py.g17);
  check('repr(float)', req.g17.map((h) => pyReprFloat(dbl(h))), py.repr_float);
  check('decode', req.utf8.map((h) => ['strict', 'replace', 'backslashreplace'].map((m) => err(() => decodeUtf8(Buffer.from(h, 'hex'), m as 'strict')))), py.utf8);
  const n = new Normaliser(['/tmp/qmprec-x1', '/private/tmp/qmprec-x1']);
  check('Normaliser', req.norm.map((s) => qjson(n.message(parseJson(s)))), py.norm);
  check('repr(str)', req.repr_str.map(pyReprStr), py.repr_str);
  t.equal(bad, 0, 'no differences');
});
