// End to end against real QEMU 7.2: the protocol greeting and every run-state
// scenario replay and PASS; a deliberately wrong golden FAILs with the
// expected first difference; record reproduces a golden byte for byte; and
// compare.py prints the same lines as replay for the same runs.
import t from 'tap';
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseScenario, readGolden, recordMain, replayMain, runScenario } from '../src/harness/index.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'qemu-7.2');
const TOOLS = '/work/shared/conformance/tools';

function missing(cmd: string, ...args: string[]): string | false {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return false;
  } catch {
    return `${cmd} is not installed`;
  }
}
const noQemu = missing('qemu-system-x86_64', '--version');
const noPython = noQemu || missing('python3', '--version') || missing('test', '-f', join(TOOLS, 'compare.py'));

t.setTimeout(600_000);
const work = mkdtempSync(join(tmpdir(), 'harness-qemu-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));

async function replay(paths: string[], extra: Partial<Parameters<typeof replayMain>[0]> = {}) {
  const lines: string[] = [];
  const summary = await replayMain({ paths, target: 'qemu', out: (l) => lines.push(l), ...extra });
  return { lines, summary };
}

const runstate = readdirSync(join(FIXTURES, 'runstate'))
  .filter((f) => f.endsWith('.scn'))
  .sort()
  .map((f) => join(FIXTURES, 'runstate', f));

/** A copy of greeting.scn whose golden says the VM is running. */
function wrongGreeting(): string {
  const dir = join(work, 'wrong', 'protocol');
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(FIXTURES, 'protocol', 'greeting.scn'), join(dir, 'greeting.scn'));
  const golden = readFileSync(join(FIXTURES, 'protocol', 'greeting.golden'), 'utf8');
  writeFileSync(join(dir, 'greeting.golden'), golden.replace('"status": "prelaunch"', '"status": "running"'));
  return join(work, 'wrong');
}

t.test('greeting and run-state scenarios pass against QEMU', { skip: noQemu }, async (t) => {
  // blockdev-add-null is in fixtures/qemu-7.2/pending.json: target 'qemu' ignores that list
  const null_ = join(FIXTURES, 'block', 'blockdev-add-null.scn');
  const { lines, summary } = await replay([join(FIXTURES, 'protocol', 'greeting.scn'), ...runstate, null_], { jobs: 2 });
  t.same(lines, [
    'PASS greeting',
    ...runstate.map((p) => `PASS ${p.split('/').pop()!.replace(/\.scn$/, '')}`),
    'PASS blockdev-add-null',
    `${runstate.length + 2} passed, 0 failed`,
  ]);
  t.same(summary, { passed: runstate.length + 2, failed: 0, pending: 0 });
});

t.test('a wrong golden fails with its first difference', { skip: noQemu }, async (t) => {
  const root = wrongGreeting();
  const { lines, summary } = await replay([root]);
  t.same(lines, ['FAIL protocol/greeting: line 5: at return.status: expected "running", got "prelaunch"', '0 passed, 1 failed']);
  t.same(summary, { passed: 0, failed: 1, pending: 0 });
  const strict = await replay([root], { strict: true, diff: true });
  t.same(strict.lines, [
    [
      'FAIL protocol/greeting: line 5: at return.status: expected "running", got "prelaunch"',
      '--- golden',
      '+++ actual',
      '@@ -3,4 +3,4 @@',
      ' < {"return": {}}',
      ' > {"execute": "query-status"}',
      '-< {"return": {"status": "running", "singlestep": false, "running": false}}',
      '+< {"return": {"status": "prelaunch", "singlestep": false, "running": false}}',
      ' # client closed the connection',
    ].join('\n'),
    '0 passed, 1 failed',
  ]);
});

t.test('runScenario returns the golden transcript; record writes it byte for byte', { skip: noQemu }, async (t) => {
  const scn = parseScenario(join(FIXTURES, 'protocol', 'greeting.scn'));
  const res = await runScenario(scn, 'qemu-system-x86_64 {args} -qmp unix:{sock},server=on,wait=off');
  t.same(res.errors, []);
  t.same(res.lines, readGolden(join(FIXTURES, 'protocol', 'greeting.golden')));
  const out: string[] = [];
  const dest = join(work, 'recorded');
  const rc = await recordMain({ scn: [join(FIXTURES, 'protocol', 'greeting.scn'), join(FIXTURES, 'runstate', 'quit.scn')], outDir: dest, out: (l) => out.push(l), err: () => {} });
  t.equal(rc, 0);
  for (const [family, name] of [['protocol', 'greeting'], ['runstate', 'quit']]) {
    t.equal(readFileSync(join(dest, `${name}.golden`), 'utf8'), readFileSync(join(FIXTURES, family, `${name}.golden`), 'utf8'), `${name}.golden`);
  }
  t.match(out[0], /^recorded .*greeting\.golden \(6 lines\)$/);
});

t.test('compare.py and replay print the same lines against QEMU', { skip: noPython }, async (t) => {
  const root = wrongGreeting();
  const paths = [join(FIXTURES, 'protocol', 'escapes-unicode.scn'), join(FIXTURES, 'runstate', 'quit.scn'), root];
  const [py, ts] = await Promise.all([
    promisify(execFile)('python3', [join(TOOLS, 'compare.py'), ...paths]).catch((e: { stdout: string }) => e),
    replay(paths),
  ]);
  t.equal(ts.lines.join('\n') + '\n', py.stdout);
  t.match(py.stdout, /^PASS escapes-unicode\nPASS quit\nFAIL protocol\/greeting: line 5: /);
});
