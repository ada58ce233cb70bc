// compareLines: key order ignored unless strict, one-line first-difference
// messages worded as compare.py words them.
import t from 'tap';
import { compareLines, jsonDiff, parseJson } from '../src/harness/index.js';

const G = '< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}';

t.test('equal transcripts', async (t) => {
  t.equal(compareLines([G, '> x', '# note'], [G, '> x', '# note']), null);
  t.equal(compareLines([], []), null);
});

t.test('key order does not count unless strict', async (t) => {
  const e = ['< {"return": {"status": "prelaunch", "running": false}, "id": {"tag": 1, "seq": 2}}'];
  const a = ['< {"id": {"seq": 2, "tag": 1}, "return": {"running": false, "status": "prelaunch"}}'];
  t.equal(compareLines(e, a), null);
  t.equal(compareLines(e, a, true), 'line 1: at (top) (key order): expected ["return", "id"], got ["id", "return"]');
  t.equal(
    compareLines(['< {"a": {"x": 1, "y": 2}}'], ['< {"a": {"y": 2, "x": 1}}'], true),
    'line 1: at a (key order): expected ["x", "y"], got ["y", "x"]',
  );
  t.equal(
    compareLines(['< {"id": "\\u00E9"}'], ['< {"id": "\\u00e9"}'], true),
    'line 1: expected < {"id": "\\u00E9"} | got < {"id": "\\u00e9"}',
    'strict: same value, different text',
  );
  t.equal(compareLines(['< {"id": "\\u00E9"}'], ['< {"id": "\\u00e9"}']), null, 'escape style does not count by default');
  t.equal(compareLines(['< {"n": 1}'], ['< {"n": 1.0}']), null, '1 == 1.0 as in Python');
});

t.test('first-difference messages', async (t) => {
  t.equal(compareLines([G, '> a'], [G]), 'line 2: missing line: > a');
  t.equal(compareLines([G], [G, '# connection closed by server']), 'line 2: unexpected extra line: # connection closed by server');
  t.equal(
    compareLines(['< {"return": {}}'], ['< {"timestamp": {"seconds": "{seconds}", "microseconds": "{microseconds}"}, "event": "STOP"}']),
    'line 1: expected return, got event STOP: < {"timestamp": {"seconds": "{seconds}", "microseconds": "{microseconds}"}, "event": "STOP"}',
  );
  t.equal(
    compareLines(['< {"error": {"class": "GenericError", "desc": "x"}}'], ['< {"error": {"class": "CommandNotFound", "desc": "x"}}']),
    'line 1: expected error GenericError, got error CommandNotFound: < {"error": {"class": "CommandNotFound", "desc": "x"}}',
  );
  t.equal(compareLines([G], ['< [1]']), 'line 1: expected greeting, got non-object: < [1]');
  t.equal(compareLines(['< {"error": {}}'], ['< {"x": 1}']), 'line 1: expected error, got other: < {"x": 1}');
  t.equal(compareLines(['< {"event": null}'], ['< {"event": ["a", 1.5]}']), "line 1: expected event None, got event ['a', 1.5]: < {\"event\": [\"a\", 1.5]}");
  t.equal(
    compareLines(['< {"return": {"status": "running"}}'], ['< {"return": {"status": "paused"}}']),
    'line 1: at return.status: expected "running", got "paused"',
  );
  t.equal(compareLines(['< {"return": {"a": 1}}'], ['< {"return": {}}']), 'line 1: at return.a: expected 1, got (absent)');
  t.equal(compareLines(['< {"return": {}}'], ['< {"return": {"b": [1]}}']), 'line 1: at return.b: expected (absent), got [1]');
  t.equal(compareLines(['< {"return": [1, 2]}'], ['< {"return": [1]}']), 'line 1: at return[1]: expected 2, got (absent)');
  t.equal(compareLines(['< {"return": [[1, 2]]}'], ['< {"return": [[1, 3]]}']), 'line 1: at return[0][1]: expected 2, got 3');
  t.equal(compareLines(['< {"return": 1}'], ['< {"return": true}']), 'line 1: at return: expected 1, got true', 'bool is not a number');
  t.equal(compareLines(['< {"return": "1"}'], ['< {"return": 1}']), 'line 1: at return: expected "1", got 1');
  t.equal(compareLines(['< {"return": {"x": inf}}'], ['< {"return": {"x": nan}}']), 'line 1: expected < {"return": {"x": inf}} | got < {"return": {"x": nan}}', 'non-JSON lines compare as text');
  t.equal(compareLines(['# exit status 0'], ['# exit status 1']), 'line 1: expected # exit status 0 | got # exit status 1');
  t.equal(compareLines(['< null'], ['< 1']), 'line 1: expected < null | got < 1', 'null counts as unparsed, as json.loads -> None');
});

t.test('long values are clipped', async (t) => {
  const long = 'x'.repeat(300);
  t.equal(compareLines([], [`# ${long}`]), `line 1: unexpected extra line: # ${'x'.repeat(155)}...`);
  t.equal(compareLines([`> ${long}`], [`> ${long}y`]), `line 1: expected > ${'x'.repeat(105)}... | got > ${'x'.repeat(105)}...`);
  t.equal(
    compareLines([`< {"return": "${long}"}`], ['< {"return": "y"}']),
    `line 1: at return: expected "${'x'.repeat(96)}..., got "y"`,
  );
  t.equal(compareLines([], ['# ' + '😀'.repeat(200)]), 'line 1: unexpected extra line: # ' + '😀'.repeat(155) + '...', 'clipped by code points');
});

t.test('jsonDiff', async (t) => {
  t.equal(jsonDiff(parseJson('{"a": [1, {"b": null}]}'), parseJson('{"a": [1, {"b": null}]}')), null);
  t.same(jsonDiff(parseJson('{"a": [1, {"b": null}]}'), parseJson('{"a": [1, {"b": false}]}')), ['a[1].b', null, false]);
  t.same(jsonDiff(parseJson('12345678901234567890'), parseJson('12345678901234567891')), ['(top)', 12345678901234567890n, 12345678901234567891n], 'big integers compare exactly');
  t.not(jsonDiff(parseJson('9007199254740993'), parseJson('9007199254740992.0')), null, 'int vs float compare by exact value');
});
