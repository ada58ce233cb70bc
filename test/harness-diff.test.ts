// diffMain: two transcripts compared after normalisation, key order ignored
// unless strict; exit status 0 equal, 1 different (first difference and a
// unified diff printed), 2 unreadable.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffMain, unifiedDiff } from '../src/harness/index.js';

const dir = mkdtempSync(join(tmpdir(), 'harness-diff-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, lines: string[]) => {
  const p = join(dir, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
};

const golden = file('a.golden', [
  '## recorded from QEMU 7.2',
  '> {"execute": "query-block"}',
  '< {"return": [{"node-name": "#block{1}", "ro": false}], "id": 1}',
  '< {"timestamp": {"seconds": "{seconds}", "microseconds": "{microseconds}"}, "event": "STOP"}',
  '# exit status 0',
]);

t.test('equal after normalisation and whatever the key order', async (t) => {
  const raw = file('raw.txt', [
    '> {"execute": "query-block"}',
    '< {"id": 1, "return": [{"ro": false, "node-name": "#block417"}]}',
    '< {"timestamp": {"seconds": 1700000000, "microseconds": 5}, "event": "STOP"}',
    '# exit status 0',
  ]);
  const out: string[] = [];
  t.equal(diffMain(golden, raw, { out: (l) => out.push(l) }), 0);
  t.same(out, []);
  t.equal(diffMain(golden, raw, { strict: true, out: () => {} }), 1, 'strict: key order counts');
});

t.test('different: first difference, then a unified diff', async (t) => {
  const other = file('b.golden', [
    '## recorded from QEMU 7.2',
    '> {"execute": "query-block"}',
    '< {"id": 1, "return": [{"ro": true, "node-name": "#block{1}"}]}',
    '< {"timestamp": {"seconds": "{seconds}", "microseconds": "{microseconds}"}, "event": "STOP"}',
    '# exit status 1',
  ]);
  const out: string[] = [];
  t.equal(diffMain(golden, other, { out: (l) => out.push(l) }), 1);
  t.same(out, [
    'line 2: at return[0].ro: expected false, got true',
    `--- ${golden}`,
    `+++ ${other}`,
    '@@ -1,4 +1,4 @@',
    ' > {"execute": "query-block"}',
    '-< {"return": [{"node-name": "#block{1}", "ro": false}], "id": 1}',
    '+< {"id": 1, "return": [{"ro": true, "node-name": "#block{1}"}]}',
    ' < {"timestamp": {"seconds": "{seconds}", "microseconds": "{microseconds}"}, "event": "STOP"}',
    '-# exit status 0',
    '+# exit status 1',
  ]);
});

t.test('unreadable input', async (t) => {
  const out: string[] = [];
  t.equal(diffMain(golden, join(dir, 'missing.golden'), { out: (l) => out.push(l) }), 2);
  t.same(out, [`diff: [Errno 2] No such file or directory: '${join(dir, 'missing.golden')}'`]);
});

t.test('unifiedDiff hunks', async (t) => {
  const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'];
  const b = ['1', '2', 'three', '4', '5', '6', '7', '8', '9', '10', '11'];
  t.same(unifiedDiff(a, b, 'golden', 'actual', 2), [
    '--- golden', '+++ actual',
    '@@ -1,5 +1,5 @@', ' 1', ' 2', '-3', '+three', ' 4', ' 5',
    '@@ -9,2 +9,3 @@', ' 9', ' 10', '+11',
  ]);
  t.same(unifiedDiff(a, a), [], 'no output for equal inputs');
  t.same(unifiedDiff([], ['x']), ['--- ', '+++ ', '@@ -0,0 +1 @@', '+x']);
});
