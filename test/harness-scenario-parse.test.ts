// Scenario files parse as record.py's Scenario does: every header and step
// kind, the >b escapes, Python's error messages, file order, word splitting.
import t from 'tap';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildCommand,
  decodeEscapes,
  findScenarios,
  JsonFloat,
  parseScenario,
  parseScenarioText,
  shlexQuote,
  shlexSplit,
} from '../src/harness/index.js';

const parse = (text: string) => parseScenarioText(text, 'x/demo.scn');

t.test('headers', async (t) => {
  const scn = parse(
    [
      '# A comment line.',
      '# args: -S -nodefaults',
      '#args:-machine pc   ',
      '# setup: qemu-img create -f raw {tmp}/a.img 1M',
      '#  setup :  echo two ',
      '# timeout: 2.5',
      '# drain: 50',
      '# ARGS: not a header',
      '# argsx: not a header either',
      '',
      '   ',
    ].join('\n'),
  );
  t.equal(scn.name, 'demo');
  t.same(scn.args, ['-S -nodefaults', '-machine pc']);
  t.same(scn.setup, ['qemu-img create -f raw {tmp}/a.img 1M', 'echo two']);
  t.equal(scn.timeout, 2.5);
  t.equal(scn.drainMs, 50);
  t.same(scn.steps, []);
  const dflt = parse('> x\n');
  t.equal(dflt.timeout, 10, 'default timeout');
  t.equal(dflt.drainMs, 300, 'default drain');
  t.same(parse('# timeout: inf\n# drain: 1_000\n').timeout, Infinity, "float('inf')");
  t.same(parse('# drain: 1_000\n').drainMs, 1000, "int('1_000')");
});

t.test('every step kind', async (t) => {
  const scn = parse(
    [
      '> {"execute": "qmp_capabilities"}',
      '>{"execute": "no-space"}',
      '>  two spaces',
      '>',
      '>b {"a": 1}\\n',
      '>b',
      'wait-return',
      'wait-return 2',
      'wait-return summarize',
      '  wait-return 0.5 summarize  ',
      'wait-event RESUME',
      'wait-event JOB_STATUS_CHANGE status=null id="job0" n=1 f=-2.5e1 ok=true no=false d.e=x 3',
      'wait-event E k=1 k=2 j=0',
      'wait-close',
      'wait-close 1.5',
      'sleep 1000',
      'close',
      'connect',
      'shell qemu-img compare -U {tmp}/a {tmp}/b',
    ].join('\r\n') + '\r\n',
  );
  const kinds = scn.steps.map((s) => s.kind);
  t.same(kinds, [
    'send', 'send', 'send', 'send', 'sendb', 'sendb', 'wait-return', 'wait-return', 'wait-return', 'wait-return',
    'wait-event', 'wait-event', 'wait-event', 'wait-close', 'wait-close', 'sleep', 'close', 'connect', 'shell',
  ]);
  t.same(scn.steps.map((s) => s.line), Array.from({ length: 19 }, (_, i) => i + 1), 'line numbers');
  const [s0, s1, s2, s3, s4, s5, w0, w1, w2, w3, e0, e1, e2, c0, c1, sl, , , sh] = scn.steps as any[];
  t.equal(s0.text, '{"execute": "qmp_capabilities"}');
  t.equal(s1.text, '{"execute": "no-space"}');
  t.equal(s2.text, ' two spaces', 'only one space after > is dropped');
  t.equal(s3.text, '');
  t.equal(s4.text, '{"a": 1}\\n', '>b keeps its escapes until sent');
  t.equal(s5.text, '');
  t.same([w0.timeout, w0.summarize], [null, false]);
  t.same([w1.timeout, w1.summarize], [2, false]);
  t.same([w2.timeout, w2.summarize], [null, true]);
  t.same([w3.timeout, w3.summarize], [0.5, true]);
  t.same([e0.name, [...e0.match], e0.timeout], ['RESUME', [], null]);
  t.equal(e1.name, 'JOB_STATUS_CHANGE');
  t.equal(e1.timeout, 3);
  const m = [...e1.match];
  t.same(m.map(([k]: [string]) => k), ['status', 'id', 'n', 'f', 'ok', 'no', 'd.e']);
  t.equal(e1.match.get('status'), 'null', 'a bare word is a plain string, even null');
  t.equal(e1.match.get('id'), 'job0', 'a quoted value is a JSON string');
  t.equal(e1.match.get('n'), 1, 'an integer');
  t.ok(e1.match.get('f') instanceof JsonFloat && e1.match.get('f').value === -25, 'a float');
  t.equal(e1.match.get('ok'), true);
  t.equal(e1.match.get('no'), false);
  t.equal(e1.match.get('d.e'), 'x');
  t.same([...e2.match], [['k', 2], ['j', 0]], 'a repeated key keeps its first place and last value');
  t.same([c0.timeout, c1.timeout], [null, 1.5]);
  t.equal(sl.ms, 1000);
  t.equal(sh.cmd, 'qemu-img compare -U {tmp}/a {tmp}/b');
});

t.test('>b escapes', async (t) => {
  t.same([...decodeEscapes('\\xff\\xFE\\x00')], [0xff, 0xfe, 0x00]);
  t.same([...decodeEscapes('a\\nb\\rc\\td\\\\e\\sf')], [...Buffer.from('a\nb\rc\td\\e f')]);
  t.same([...decodeEscapes('é😀')], [...Buffer.from('é😀', 'utf8')], 'other characters as UTF-8');
  t.same([...decodeEscapes('end\\')], [...Buffer.from('end\\')], 'a trailing backslash is literal');
  t.same([...decodeEscapes('\\x4')], [4], "int('4', 16) at the end of the line");
  t.same([...decodeEscapes('\\x 9z')], [9, 0x7a], "int(' 9', 16): Python strips spaces");
  t.same([...decodeEscapes('')], []);
  t.throws(() => decodeEscapes('\\q'), { message: 'bad escape \\q in >b line' });
  t.throws(() => decodeEscapes('\\xZZ'), { message: "invalid literal for int() with base 16: 'ZZ'" });
  t.throws(() => decodeEscapes('\\x'), { message: "invalid literal for int() with base 16: ''" });
  t.throws(() => decodeEscapes('\\x-1'), { message: 'byte must be in range(0, 256)' });
  t.throws(() => parse('>b ok\\z\n'), { message: 'bad escape \\z in >b line' }, 'checked when parsing');
});

t.test('errors are worded as record.py words them', async (t) => {
  t.throws(() => parse('> a\nfrobnicate x\n'), { message: "x/demo.scn:2: unknown step 'frobnicate'" });
  t.throws(() => parse('  > indented\n'), { message: "x/demo.scn:1: unknown step '>'" });
  t.throws(() => parse('wait-event\n'), { message: 'x/demo.scn:1: wait-event needs a name' });
  t.throws(() => parse('sleep soon\n'), { message: "invalid literal for int() with base 10: 'soon'" });
  t.throws(() => parse('wait-return 1 2x\n'), { message: "could not convert string to float: '2x'" });
  t.throws(() => parse('# timeout:\n'), { message: "could not convert string to float: ''" });
  t.throws(() => parse('wait-event E a="open\n'), { message: 'Unterminated string starting at: line 1 column 1 (char 0)' });
  t.throws(() => parse('wait-event E a=01\n'), { message: 'Extra data: line 1 column 2 (char 1)' });
  t.throws(() => parseScenario('/nonexistent/x.scn'), { message: "[Errno 2] No such file or directory: '/nonexistent/x.scn'" });
  const dir = mkdtempSync(join(tmpdir(), 'harness-parse-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'bad.scn'), Buffer.from([0x3e, 0x20, 0xff, 0x0a]));
  t.throws(() => parseScenario(join(dir, 'bad.scn')), { message: "'utf-8' codec can't decode byte 0xff in position 2: invalid start byte" });
});

t.test('every fixture scenario parses', async (t) => {
  const all = findScenarios([join(import.meta.dirname, '..', 'fixtures', 'qemu-7.2')]);
  t.ok(all.length >= 59, `${all.length} scenarios`);
  for (const p of all) t.doesNotThrow(() => parseScenario(p), p);
});

t.test('findScenarios: os.walk order, files before subdirectories', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'harness-find-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const d of ['b', 'a', 'a/z', 'B']) mkdirSync(join(dir, d), { recursive: true });
  for (const f of ['b/2.scn', 'b/1.scn', 'a/z/x.scn', 'a/y.scn', 'a/y.golden', 'B/u.scn', 'top.scn', 'Top.scn']) {
    writeFileSync(join(dir, f), '');
  }
  symlinkSync(join(dir, 'b'), join(dir, 'c-link'));
  t.same(findScenarios([dir, '/explicit/file.scn']), [
    `${dir}/Top.scn`,
    `${dir}/top.scn`,
    `${dir}/B/u.scn`,
    `${dir}/a/y.scn`,
    `${dir}/a/z/x.scn`,
    `${dir}/b/1.scn`,
    `${dir}/b/2.scn`,
    '/explicit/file.scn',
  ]);
});

t.test('command templates split like a POSIX shell', async (t) => {
  t.same(shlexSplit(`a 'b c' "d \\" e" f\\ g '' "" h\\\\ "x\\y" 'it'"'"'s'`), ['a', 'b c', 'd " e', 'f g', '', '', 'h\\', 'x\\y', "it's"]);
  t.same(shlexSplit('  \t\n'), []);
  t.same(shlexSplit(`-blockdev '{"driver": "file", "filename": "{tmp}/a"}'`), ['-blockdev', '{"driver": "file", "filename": "{tmp}/a"}']);
  t.throws(() => shlexSplit(`'open`), { message: 'No closing quotation' });
  t.throws(() => shlexSplit(`end\\`), { message: 'No escaped character' });
  t.equal(shlexQuote(''), "''");
  t.equal(shlexQuote('/a/b-c_d.e'), '/a/b-c_d.e');
  t.equal(shlexQuote("it's here"), `'it'"'"'s here'`);
  const scn = parse(`# args: -S -drive 'file={tmp}/a b.img,if=none'\n# args: -name "x y"\n`);
  t.same(buildCommand('/opt/q --sock={sock} {args} -pidfile {tmp}/pid', scn, '/T', '/T/qmp.sock'), [
    '/opt/q', '--sock=/T/qmp.sock', '-S', '-drive', 'file=/T/a b.img,if=none', '-name', 'x y', '-pidfile', '/T/pid',
  ]);
  t.same(buildCommand('q x{args}', scn, '/T', '/S'), ['q', 'x{args}'], '{args} counts only as a whole word');
});
