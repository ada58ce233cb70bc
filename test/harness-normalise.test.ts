// Normalisation rules 1-9 of shared/conformance/README.md, each with the
// README's examples, applied as record.py applies them.
import t from 'tap';
import { Normaliser, parseJson, qjson, summarizeReturn, Transcript, IdentityNormaliser } from '../src/harness/index.js';

const TMP = '/tmp/qmprec-abc123';
const REAL = '/private/tmp/qmprec-abc123';
/** Normalise one message text with a fresh normaliser and print it back. */
const norm1 = (text: string, n = new Normaliser([TMP, REAL])) => qjson(n.message(parseJson(text)));

t.test('rule 1: event timestamps', async (t) => {
  t.equal(
    norm1('{"timestamp": {"seconds": 1700000000, "microseconds": 12}, "event": "STOP"}'),
    '{"timestamp": {"seconds": "{seconds}", "microseconds": "{microseconds}"}, "event": "STOP"}',
  );
  t.equal(
    norm1('{"event": "X", "timestamp": {"microseconds": 1, "seconds": 2}}'),
    '{"event": "X", "timestamp": {"microseconds": "{microseconds}", "seconds": "{seconds}"}}',
    'member order kept',
  );
  for (const bad of [
    '{"seconds": 1.5, "microseconds": 2}',
    '{"seconds": true, "microseconds": 2}',
    '{"seconds": 1, "microseconds": 2, "nanoseconds": 3}',
    '{"seconds": 1}',
    '[1, 2]',
  ]) {
    const msg = `{"timestamp": ${bad}, "event": "X"}`;
    t.equal(norm1(msg), msg, `malformed timestamp left alone: ${bad}`);
  }
  const notEvent = '{"timestamp": {"seconds": 1, "microseconds": 2}, "return": {}}';
  t.equal(norm1(notEvent), notEvent, 'only events');
});

t.test('rule 2: version', async (t) => {
  t.equal(
    norm1('{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7"}, "capabilities": ["oob"]}}'),
    '{"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}',
  );
  t.equal(
    norm1('{"return": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "id": 1}'),
    '{"return": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "id": 1}',
  );
  const extra = '{"return": {"qemu": {"major": 7}, "package": "p", "extra": 1}}';
  t.equal(norm1(extra), extra, 'a result with other members is not a query-version result');
  t.equal(
    norm1('{"return": {"qemu": {"major": 7.0, "minor": "2"}, "package": 5}}'),
    '{"return": {"qemu": {"major": 7, "minor": "2"}, "package": 5}}',
    'only integers and a string package are replaced',
  );
});

t.test('rule 3: scratch directory, both spellings, longest first', async (t) => {
  t.equal(
    norm1(`{"return": {"file": "${TMP}/a.img", "json": "json:{\\"file\\": \\"${REAL}/b\\"}", "${TMP}": "key", "desc": "Could not open '${TMP}/x': No such file"}}`),
    '{"return": {"file": "{tmp}/a.img", "json": "json:{\\"file\\": \\"{tmp}/b\\"}", "{tmp}": "key", "desc": "Could not open \'{tmp}/x\': No such file"}}',
  );
  const n = new Normaliser([TMP, REAL]);
  t.equal(n.text(`shell output ${REAL}/c and ${TMP}/d`), 'shell output {tmp}/c and {tmp}/d');
});

t.test('rule 4: automatic node names renumbered in order of appearance', async (t) => {
  const n = new Normaliser([]);
  t.equal(norm1('{"return": [{"node-name": "#block158"}, {"node-name": "#block299", "file": "#block158"}]}', n),
    '{"return": [{"node-name": "#block{1}"}, {"node-name": "#block{2}", "file": "#block{1}"}]}');
  t.equal(norm1('{"event": "X", "data": {"node": "#block299", "other": "x#block7y"}}', n),
    '{"event": "X", "data": {"node": "#block{2}", "other": "x#block{3}y"}}', 'same node, same name, across messages');
  t.equal(n.text('#block158 in text'), '#block{1} in text');
  t.equal(n.text('#block{1} stays'), '#block{1} stays', 'idempotent');
  const k = new Normaliser([]);
  t.equal(norm1('{"#block5": "#block6"}', k), '{"#block{2}": "#block{1}"}', 'a value is normalised before its key (Python evaluation order)');
});

t.test('rule 5: actual-size', async (t) => {
  t.equal(norm1('{"return": {"actual-size": 200704, "virtual-size": 1048576, "x": {"actual-size": 0}}}'),
    '{"return": {"actual-size": "{actual-size}", "virtual-size": 1048576, "x": {"actual-size": "{actual-size}"}}}');
  t.equal(norm1('{"actual-size": -1}'), '{"actual-size": -1}', 'negative stays');
  t.equal(norm1('{"actual-size": 1.0}'), '{"actual-size": 1}', 'a float stays (and prints as %.17g)');
  t.equal(norm1('{"actual-size": true}'), '{"actual-size": true}');
});

t.test('rule 6: block statistics timings', async (t) => {
  t.equal(
    norm1('{"rd_total_time_ns": 1234, "wr_total_time_ns": 0, "flush_total_time_ns": 5, "unmap_total_time_ns": 0, "idle_time_ns": 99, "time_ns": 3, "xtime_ns": 4, "time_ns_x": 5, "idle_time_ns2": 6}'),
    '{"rd_total_time_ns": "{ns}", "wr_total_time_ns": 0, "flush_total_time_ns": "{ns}", "unmap_total_time_ns": 0, "idle_time_ns": "{ns}", "time_ns": "{ns}", "xtime_ns": 4, "time_ns_x": 5, "idle_time_ns2": 6}',
  );
  t.equal(norm1('{"idle_time_ns": -5, "rd_total_time_ns": 2.5}'), '{"idle_time_ns": -5, "rd_total_time_ns": 2.5}');
  t.equal(norm1('{"idle_time_ns\\n": 5}'), '{"idle_time_ns\\n": "{ns}"}', "Python's $ matches before a final newline");
});

t.test('rule 7: job progress', async (t) => {
  t.equal(norm1('{"return": [{"offset": 65536, "len": 1048576, "type": "mirror"}]}'),
    '{"return": [{"offset": "{progress}", "len": 1048576, "type": "mirror"}]}');
  t.equal(norm1('{"offset": 1048576, "len": 1048576}'), '{"offset": 1048576, "len": 1048576}', 'a finished job compares exactly');
  t.equal(norm1('{"current-progress": 3, "total-progress": 10}'), '{"current-progress": "{progress}", "total-progress": 10}');
  t.equal(norm1('{"current-progress": 10, "total-progress": 10}'), '{"current-progress": 10, "total-progress": 10}');
  t.equal(norm1('{"offset": 5}'), '{"offset": 5}', 'needs both members');
  t.equal(norm1('{"offset": 1.5, "len": 2}'), '{"offset": 1.5, "len": 2}', 'integers only');
  t.equal(norm1('{"offset": true, "len": false}'), '{"offset": "{progress}", "len": false}', 'bool is an int in Python');
  t.equal(norm1('{"offset": 1, "len": true}'), '{"offset": 1, "len": true}', 'True == 1');
});

t.test('rule 8: qemu-io statistics', async (t) => {
  const n = new Normaliser([]);
  t.equal(
    n.text('wrote 65536/65536 bytes at offset 0\n64 KiB, 1 ops; 00.00 sec (81.380 MiB/sec and 1302.0833 ops/sec)\n'),
    'wrote 65536/65536 bytes at offset 0\n64 KiB, 1 ops; {time} sec ({rate}/sec and {ops} ops/sec)\n',
  );
  t.equal(
    n.text('1 MiB, 16 ops; 00:00:00.01 sec (97.656 MiB/sec and 1562.5000 ops/sec)'),
    '1 MiB, 16 ops; {time} sec ({rate}/sec and {ops} ops/sec)',
  );
  t.equal(n.text('64 KiB, 1 ops; soon'), '64 KiB, 1 ops; soon');
});

t.test('rule 9: summaries', async (t) => {
  const msg = parseJson(
    '{"return": [{"name": "query-status", "meta-type": "command", "ret-type": "1"}, {"name": "STOP", "meta-type": "event", "arg-type": "0"}, {"name": "int", "meta-type": "builtin", "json-type": "int"}, {"name": "cont", "meta-type": "command"}, 7, {"meta-type": "command"}], "id": "schema"}',
  );
  t.equal(
    qjson(summarizeReturn(msg)),
    '{"return": {"#summary": {"type": "array", "element-keys": ["arg-type", "json-type", "meta-type", "name", "ret-type"], "meta-types": ["builtin", "command", "event"], "commands": ["cont", "query-status"], "events": ["STOP"]}}, "id": "schema"}',
  );
  t.equal(qjson(summarizeReturn(parseJson('{"return": [1, {"b": 1, "a": 2}]}'))), '{"return": {"#summary": {"type": "array", "element-keys": ["a", "b"]}}}', 'no meta-types: no lists');
  t.equal(qjson(summarizeReturn(parseJson('{"return": {"x": 1}}'))), '{"return": {"x": 1}}', 'only a list result');
  t.equal(qjson(summarizeReturn(parseJson('[1]'))), '[1]');
  t.same(
    (summarizeReturn(parseJson('{"return": [{"name": "\\ud83d\\ude00", "meta-type": "command"}, {"name": "\\uffff", "meta-type": "command"}]}')) as any)
      .get('return').get('#summary').get('commands'),
    ['\uffff', '\u{1f600}'],
    'sorted by code point',
  );
});

t.test('received lines: QEMU layout, non-JSON kept as text', async (t) => {
  const tr = new Transcript(new Normaliser([TMP]), true);
  t.same(tr.received(Buffer.from('{"return": {"x": inf}}')), parseJson('{"return": {"x": Infinity}}'), 'inf read leniently');
  tr.received(Buffer.from(`{"return":{"file":"${TMP}/a","n":1.0}}`));
  tr.received(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]));
  tr.received(Buffer.from('null'));
  tr.sent('{"execute": "x"}');
  tr.sent('', '>b');
  tr.note('two\n\nlines');
  t.same(tr.lines, [
    '< {"return": {"x": inf}}',
    '< {"return": {"file": "{tmp}/a", "n": 1}}',
    '< {"\\xff"}',
    '< null',
    '> {"execute": "x"}',
    '>b',
    '# two',
    '#',
    '# lines',
  ]);
  t.same(tr.warnings, [
    `non-JSON message: b'{"return": {"x": inf}}'`,
    `re-serialisation differs from the bytes received: '{"return":{"file":"${TMP}/a","n":1.0}}'`,
    `non-JSON message: b'{"\\xff"}'`,
    "non-JSON message: b'null'",
  ]);
  const raw = new Transcript(new IdentityNormaliser());
  raw.received(Buffer.from(`{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "X", "data": "${TMP}"}`));
  t.same(raw.lines, [`< {"timestamp": {"seconds": 1, "microseconds": 2}, "event": "X", "data": "${TMP}"}`], 'raw mode');
});
