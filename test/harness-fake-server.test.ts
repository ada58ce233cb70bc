// Transcript semantics pinned with a scripted QMP server: step kinds, wait claiming,
// reading only during waits, normalisation, notes, failure messages; and, when
// python3 and shared/conformance/tools are present, the same runs through
// compare.py/record.py must print the same lines and write the same transcripts.
import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { recordMain, replayMain } from '../src/harness/index.js';

const TOOLS = '/work/shared/conformance/tools';
const run = promisify(execFile);

// node fake-qmp.mjs SOCK SCRIPT.json: greets, then answers each input line
// (keyed by its "execute" name, else the raw line) with the script's actions.
const FAKE_SERVER = String.raw`// Scripted QMP server for harness tests: node fake-qmp.mjs SOCK SCRIPT.json
import net from 'node:net';
import fs from 'node:fs';
const [sock, scriptPath] = process.argv.slice(2);
const script = JSON.parse(fs.readFileSync(scriptPath, 'utf8'));
console.log(script.banner ?? 'fake qmp server');
const subst = (s) => s.split('{cwd}').join(process.cwd());
const GREETING = '{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "Debian 1:7.2"}, "capabilities": ["oob"]}}';
const server = net.createServer((c) => {
  c.on('error', () => {});
  const run = async (actions) => {
    for (const a of actions) {
      if ('send' in a) c.write(subst(a.send) + '\r\n');
      else if ('text' in a) c.write(subst(a.text));
      else if ('hex' in a) c.write(Buffer.from(a.hex, 'hex'));
      else if ('delay' in a) await new Promise((r) => setTimeout(r, a.delay));
      else if ('close' in a) await new Promise((r) => c.end(() => { c.destroy(); r(); }));
      else if ('exit' in a) { await new Promise((r) => c.end(() => { c.destroy(); r(); })); process.exit(0); }
      else if ('log' in a) console.log(a.log);
    }
  };
  let chain = run(script.greeting ?? [{ send: GREETING }]);
  let buf = '';
  c.on('data', (d) => {
    buf += d.toString('latin1');
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let key = line;
      try { const o = JSON.parse(line); if (o && typeof o.execute === 'string') key = o.execute; } catch {}
      const acts = (script.commands ?? {})[key] ?? script.default ?? [];
      chain = chain.then(() => run(acts));
    }
  });
});
server.listen(sock);
process.on('SIGTERM', () => process.exit(0));
`;
interface Case {
  name: string;
  /** SCRIPT stands for the server script's path */
  scn: string;
  script: object;
  /** a deliberately different golden (python cross-check); '(none)': no golden file */
  golden: string;
}

const CAPS = { qmp_capabilities: [{ send: '{"return": {}}' }] };
const EV = (name: string, data?: string, ts = '{"seconds": 1700000000, "microseconds": 12345}') =>
  `{"timestamp": ${ts}, "event": "${name}"${data ? `, "data": ${data}` : ''}}`;
const CASES: Case[] = [
  {
    name: 'events',
    scn: `# Events before and after replies, claimed by later waits.
# args: SCRIPT
> {"execute": "qmp_capabilities"}
wait-return
> {"execute": "ev"}
wait-return
wait-event STOP
wait-event JOB_STATUS_CHANGE status=null id=j
> {"execute": "deep"}
wait-return
wait-event DEEP a.b=true a.n=1 a.s="x" a.t=plain
wait-event DEEP a.n=1.0 a.f=2.5e0
wait-event DEEP a.b=1 0.2
wait-event NOPE x=1 y="q" 0.2
`,
    script: { commands: { ...CAPS,
      ev: [{ send: EV('STOP') }, { send: '{"return": {}, "id": 1}' }, { delay: 10 },
           { send: EV('JOB_STATUS_CHANGE', '{"status": "created", "id": "j"}') },
           { send: EV('JOB_STATUS_CHANGE', '{"status": "null", "id": "j"}') }],
      deep: [{ send: '{"return": {}}' }, { send: EV('DEEP', '{"a": {"b": true, "n": 1, "s": "x", "t": "plain", "f": 2.5}}') },
             { send: EV('DEEP', '{"a": {"b": true, "n": 1.0, "f": 2.5}}') }] } },
    golden: `< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
> {"execute": "ev"}
< {"event": "STOP", "timestamp": {"seconds": "{seconds}", "microseconds": "{microseconds}"}}
< {"return": {}, "id": 2}
`,
  },
  {
    name: 'normalise',
    scn: `# args: SCRIPT
> {"execute": "qmp_capabilities"}
wait-return
> {"execute": "query-version"}
wait-return
> {"execute": "paths"}
wait-return
> {"execute": "stats"}
wait-return
> {"execute": "jobs"}
wait-return
wait-event BLOCK_JOB_READY
wait-event BAD_TS
wait-event BAD_TS2
`,
    script: { commands: { ...CAPS,
      'query-version': [{ send: '{"return": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": "v7.2.0"}}' }],
      paths: [{ send: '{"return": {"file": "{cwd}/a.img", "json": "json:{\\"file\\": \\"{cwd}/b\\"}", "{cwd}": 1, "node": "#block123", "other": "#block456", "again": ["#block123", "x#block99y"], "#block456": "key"}}' }],
      stats: [{ send: '{"return": [{"actual-size": 4096, "rd_total_time_ns": 5, "wr_total_time_ns": 0, "idle_time_ns": -1, "time_ns": 7, "xtime_ns": 8, "nested": {"actual-size": -1, "flush_total_time_ns": true}, "io": "64 KiB, 1 ops; 00.00 sec (81.380 MiB/sec and 1302.0833 ops/sec)", "list": [{"actual-size": 1}]}]}' }],
      jobs: [{ send: '{"return": [{"offset": 5, "len": 10, "current-progress": 3, "total-progress": 3}, {"offset": true, "len": false}, {"offset": 1, "len": true}, {"offset": 1.5, "len": 2}]}' },
             { send: EV('BLOCK_JOB_READY', '{"offset": 10, "len": 10}') },
             { send: EV('BAD_TS', undefined, '{"seconds": 1.5, "microseconds": 2}') },
             { send: EV('BAD_TS2', undefined, '{"seconds": true, "microseconds": 2, "extra": 1}') }] } },
    golden: ``,
  },
  {
    name: 'summarize',
    scn: `# args: SCRIPT
> {"execute": "qmp_capabilities"}
wait-return
> {"execute": "schema", "id": "s"}
wait-return summarize
> {"execute": "plain"}
wait-return summarize 2
> {"execute": "schema"}
wait-return
`,
    script: { commands: { ...CAPS,
      schema: [{ send: EV('EARLY') }, { send: '{"return": [{"name": "b-cmd", "meta-type": "command", "arg-type": "0"}, {"name": "a-cmd", "meta-type": "command"}, {"name": "EV", "meta-type": "event"}, {"name": "int", "meta-type": "builtin", "json-type": "int"}, 5, {"meta-type": "command", "name": 7}, {"name": "\\u00e9", "meta-type": "command"}, {"name": "\\ud83d\\ude00", "meta-type": "command"}, {"name": "\\uffff", "meta-type": "command"}], "id": "s"}' }],
      plain: [{ send: '{"return": [1, 2, {"x": 1}]}' }] } },
    golden: `< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
`,
  },
  {
    name: 'nonjson',
    scn: `# args: SCRIPT
> {"execute": "qmp_capabilities"}
wait-return
> {"execute": "inf"}
wait-return
> {"execute": "badutf8"}
wait-return
> {"execute": "blank"}
wait-return
> {"execute": "partial"}
wait-close 2
`,
    script: { commands: { ...CAPS,
      inf: [{ send: '{"return": {"x": inf, "y": -inf, "z": nan, "s": "inf nan", "w": infinity}}' }, { send: '{"return": inf}' }],
      badutf8: [{ hex: '7b2272657475726e223a2022ff20e282ac20e282227d0d0a' }, { hex: '7b226576656e74223a20225822207d0a' }, { send: '{"return": "real"}' }],
      blank: [{ text: '\r\n  \t\n\x0b\n' }, { send: 'null' }, { send: '  {"return": 1}  ' }, { text: '{"return": 2}\n' }],
      partial: [{ send: '{"return": {}}' }, { text: '{"event": "TAIL"}\r' }, { close: true }] } },
    golden: `< {"QMP": {}}
`,
  },
  {
    name: 'numbers',
    scn: `# args: SCRIPT
> {"execute": "qmp_capabilities"}
wait-return
> {"execute": "nums"}
wait-return
> {"execute": "nums2"}
wait-return
`,
    script: { commands: { ...CAPS,
      nums: [{ send: '{"return": {"a": 1.0, "b": 1e400, "c": -0.0, "d": 123456789012345678901234567890, "e": 0.1, "f": 1e-7, "g": 5e-324, "h": Infinity, "i": NaN, "j": -0, "k": 1.7976931348623157e308, "l": 2251799813685247.75, "m": 100000000000000000000.0, "n": 1E+2, "o": 12345678901234567.0, "p": -9007199254740993}}' }],
      nums2: [{ send: '{"return": [0.30000000000000004, 1e16, 1e17, 123e-20, 0.0001, 0.00001, 9007199254740993, 2.5e-5, -Infinity]}' }] } },
    golden: `< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
> {"execute": "nums"}
< {"return": {"a": 1, "b": inf}}
`,
  },
  {
    name: 'unicode',
    scn: `# args: SCRIPT
> {"execute": "qmp_capabilities"}
wait-return
> {"execute": "uni", "id": "é€😀"}
wait-return
>b {"execute": "uni2"}\\n
wait-return
>b \\xff\\xfe\\s\\t\\r\\\\x\\n
>b {"execute": "uni3"}\\x0a
wait-return
`,
    script: { commands: { ...CAPS,
      uni: [{ send: '{"return": {"s": "\\u00e9\\ud83d\\ude00\\u0001/\\\\\\/\\"\\b\\f\\n\\r\\t\\u007f\\u0080", "raw": "é€😀", "lone": "\\ud800", "lone2": "\\udc00x\\ud800\\u0041"}}' }],
      uni2: [{ send: '{"return": {"a": 1, "b": 2, "a": 3}, "id": {"z": 1, "y": 2}}' }],
      uni3: [{ send: '{"return": {"ctl": "\\u0000\\u001f", "bom": "\\ufeff"}}' }] } },
    golden: `< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
> {"execute": "uni", "id": "é€😀"}
< {"return": {"s": "x"}}
`,
  },
  {
    name: 'reconnect',
    scn: `# args: SCRIPT
> {"execute": "qmp_capabilities"}
wait-return
close
connect
> {"execute": "qmp_capabilities"}
wait-return
> {"execute": "quit"}
wait-return
wait-event SHUTDOWN
wait-close
`,
    script: { commands: { ...CAPS,
      quit: [{ send: EV('SHUTDOWN', '{"guest": false, "reason": "host-qmp-quit"}') }, { send: '{"return": {}}' }, { exit: true }] } },
    golden: `< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
# client closed the connection
# client connected again
< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
> {"execute": "quit"}
< {"return": {}}
< {"timestamp": {"seconds": "{seconds}", "microseconds": "{microseconds}"}, "event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}
# connection closed by server
`,
  },
  {
    name: 'send-after-close',
    scn: `# args: SCRIPT
> {"execute": "qmp_capabilities"}
wait-return
close
> {"execute": "x"}
>b abc
`,
    script: { commands: { ...CAPS } },
    golden: `< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
# client closed the connection
> {"execute": "x"}
`,
  },
  {
    name: 'shell',
    scn: `# setup: echo hello > f.txt
# setup: printf 'x\\n' >> {tmp}/f.txt
# args: SCRIPT   
# timeout: 5
# drain: 100
> {"execute": "qmp_capabilities"}
wait-return
shell cat f.txt; pwd; echo err >&2; ls {tmp} | sort
shell exit 3
shell printf 'a\\n\\n\\n'
shell printf 'no newline'
shell echo "#block77 and #block77 #block1 64 KiB, 1 ops; 00.00 sec (81.380 MiB/sec and 1302.0833 ops/sec)"
shell kill -9 $$
`,
    script: { commands: { ...CAPS } },
    golden: `< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
# shell: cat f.txt; pwd; echo err >&2; ls {tmp} | sort
# | hello
`,
  },
  {
    name: 'setup-fails',
    scn: `# setup: echo setting up; echo oops >&2; exit 4
# args: SCRIPT
> {"execute": "qmp_capabilities"}
wait-return
`,
    script: { commands: { ...CAPS } },
    golden: `< {"QMP": {}}
`,
  },
  {
    name: 'timeouts',
    scn: `# args: SCRIPT
> {"execute": "qmp_capabilities"}
wait-return
> {"execute": "silent"}
wait-return 0.3
wait-event NEVER 0.3
wait-close 0.2
> {"execute": "late"}
sleep 300
wait-event LATE
`,
    script: { banner: 'line one\nlast line of server output', commands: { ...CAPS, silent: [],
      late: [{ send: '{"return": {}}' }, { delay: 10 }, { send: EV('LATE') }] } },
    golden: `< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
> {"execute": "silent"}
# wait-return: no reply (timeout)
`,
  },
  {
    name: 'drain',
    scn: `# args: SCRIPT
# drain: 10000
> {"execute": "qmp_capabilities"}
wait-return
> {"execute": "late"}
wait-return
`,
    script: { commands: { ...CAPS, late: [{ send: '{"return": {}}' }, { delay: 10 }, { send: EV('LATE') }, { close: true }] } },
    golden: `< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
> {"execute": "late"}
< {"return": {}}
`,
  },
  {
    name: 'no-greeting',
    scn: `# args: SCRIPT
wait-return 0.2
`,
    script: { greeting: [{ send: EV('HELLO') }, { close: true }] },
    golden: `< {"QMP": {}}
`,
  },
  { name: 'bad-step', scn: `# args: SCRIPT\n> x\nfrobnicate now\n`, script: {}, golden: '' },
  { name: 'bad-escape', scn: `# args: SCRIPT\n>b abc\\q\n`, script: {}, golden: '' },
  { name: 'bad-hex', scn: `# args: SCRIPT\n>b abc\\xZZ\n`, script: {}, golden: '' },
  { name: 'bad-timeout', scn: `# args: SCRIPT\n# timeout: soon\n`, script: {}, golden: '' },
  { name: 'bad-event', scn: `# args: SCRIPT\nwait-event\n`, script: {}, golden: '' },
  { name: 'bad-filter', scn: `# args: SCRIPT\nwait-event X a="unterminated\n`, script: {}, golden: '' },
  { name: 'bad-filter2', scn: `# args: SCRIPT\nwait-event X a=01\n`, script: {}, golden: '' },
  { name: 'bad-sleep', scn: `# args: SCRIPT\nsleep 1 2\n`, script: {}, golden: '' },
  { name: 'no-golden', scn: `# args: SCRIPT\n`, script: {}, golden: '(none)' },
  {
    name: 'quoting',
    scn: `# args: SCRIPT 'a b' "c\\"d" e\\ f '' "{tmp}/x"
# args: -blockdev '{"driver": "null-co", "node-name": "n"}'
> {"execute": "qmp_capabilities"}
wait-return
`,
    script: { commands: { ...CAPS } },
    golden: `< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
`,
  },
];

// What the transcripts must be (as compare.py --save-actual writes them, header dropped).
const EXPECTED: Record<string, string> = {
  'drain': String.raw`< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
> {"execute": "late"}
< {"return": {}}
< {"timestamp": {"seconds": "{seconds}", "microseconds": "{microseconds}"}, "event": "LATE"}
# connection closed by server
`,
  'events': String.raw`< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
> {"execute": "ev"}
< {"timestamp": {"seconds": "{seconds}", "microseconds": "{microseconds}"}, "event": "STOP"}
< {"return": {}, "id": 1}
< {"timestamp": {"seconds": "{seconds}", "microseconds": "{microseconds}"}, "event": "JOB_STATUS_CHANGE", "data": {"status": "created", "id": "j"}}
< {"timestamp": {"seconds": "{seconds}", "microseconds": "{microseconds}"}, "event": "JOB_STATUS_CHANGE", "data": {"status": "null", "id": "j"}}
> {"execute": "deep"}
< {"return": {}}
< {"timestamp": {"seconds": "{seconds}", "microseconds": "{microseconds}"}, "event": "DEEP", "data": {"a": {"b": true, "n": 1, "s": "x", "t": "plain", "f": 2.5}}}
< {"timestamp": {"seconds": "{seconds}", "microseconds": "{microseconds}"}, "event": "DEEP", "data": {"a": {"b": true, "n": 1, "f": 2.5}}}
# wait-event DEEP a.b=1: not received (timeout)
# wait-event NOPE x=1 y="q": not received (timeout)
`,
  'no-greeting': String.raw`< {"timestamp": {"seconds": "{seconds}", "microseconds": "{microseconds}"}, "event": "HELLO"}
# connection closed by server
# no greeting
# wait-return: no reply (connection closed)
`,
  'nonjson': String.raw`< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
> {"execute": "inf"}
< {"return": {"x": inf, "y": -inf, "z": nan, "s": "inf nan", "w": infinity}}
< {"return": inf}
> {"execute": "badutf8"}
< {"return": "\xff € \xe2\x82"}
< {"event": "X"}
< {"return": "real"}
> {"execute": "blank"}
< null
< {"return": 1}
> {"execute": "partial"}
< {"return": 2}
< {"return": {}}
< {"event": "TAIL"}
# connection closed by server
`,
  'normalise': String.raw`< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
> {"execute": "query-version"}
< {"return": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}}
> {"execute": "paths"}
< {"return": {"file": "{tmp}/a.img", "json": "json:{\"file\": \"{tmp}/b\"}", "{tmp}": 1, "node": "#block{1}", "other": "#block{2}", "again": ["#block{1}", "x#block{3}y"], "#block{2}": "key"}}
> {"execute": "stats"}
< {"return": [{"actual-size": "{actual-size}", "rd_total_time_ns": "{ns}", "wr_total_time_ns": 0, "idle_time_ns": -1, "time_ns": "{ns}", "xtime_ns": 8, "nested": {"actual-size": -1, "flush_total_time_ns": true}, "io": "64 KiB, 1 ops; {time} sec ({rate}/sec and {ops} ops/sec)", "list": [{"actual-size": "{actual-size}"}]}]}
> {"execute": "jobs"}
< {"return": [{"offset": "{progress}", "len": 10, "current-progress": 3, "total-progress": 3}, {"offset": "{progress}", "len": false}, {"offset": 1, "len": true}, {"offset": 1.5, "len": 2}]}
< {"timestamp": {"seconds": "{seconds}", "microseconds": "{microseconds}"}, "event": "BLOCK_JOB_READY", "data": {"offset": 10, "len": 10}}
< {"timestamp": {"seconds": 1.5, "microseconds": 2}, "event": "BAD_TS"}
< {"timestamp": {"seconds": true, "microseconds": 2, "extra": 1}, "event": "BAD_TS2"}
`,
  'numbers': String.raw`< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
> {"execute": "nums"}
< {"return": {"a": 1, "b": inf, "c": -0, "d": 123456789012345678901234567890, "e": 0.10000000000000001, "f": 9.9999999999999995e-08, "g": 4.9406564584124654e-324, "h": inf, "i": nan, "j": 0, "k": 1.7976931348623157e+308, "l": 2251799813685247.8, "m": 1e+20, "n": 100, "o": 12345678901234568, "p": -9007199254740993}}
> {"execute": "nums2"}
< {"return": [0.30000000000000004, 10000000000000000, 1e+17, 1.23e-18, 0.0001, 1.0000000000000001e-05, 9007199254740993, 2.5000000000000001e-05, -inf]}
`,
  'quoting': String.raw`< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
`,
  'reconnect': String.raw`< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
# client closed the connection
# client connected again
< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
> {"execute": "quit"}
< {"timestamp": {"seconds": "{seconds}", "microseconds": "{microseconds}"}, "event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}
< {"return": {}}
# connection closed by server
`,
  'send-after-close': String.raw`< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
# client closed the connection
> {"execute": "x"}
# send failed: Bad file descriptor
>b abc
# send failed: Bad file descriptor
`,
  'setup-fails': String.raw`
`,
  'shell': String.raw`< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
# shell: cat f.txt; pwd; echo err >&2; ls {tmp} | sort
# | hello
# | x
# | {tmp}
# | err
# | f.txt
# | qmp.sock
# | server.log
# exit status 0
# shell: exit 3
# exit status 3
# shell: printf 'a\n\n\n'
# | a
# exit status 0
# shell: printf 'no newline'
# | no newline
# exit status 0
# shell: echo "#block77 and #block77 #block1 64 KiB, 1 ops; 00.00 sec (81.380 MiB/sec and 1302.0833 ops/sec)"
# | #block{1} and #block{1} #block{2} 64 KiB, 1 ops; {time} sec ({rate}/sec and {ops} ops/sec)
# exit status 0
# shell: kill -9 $$
# exit status -9
`,
  'summarize': String.raw`< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
> {"execute": "schema", "id": "s"}
< {"timestamp": {"seconds": "{seconds}", "microseconds": "{microseconds}"}, "event": "EARLY"}
< {"return": {"#summary": {"type": "array", "element-keys": ["arg-type", "json-type", "meta-type", "name"], "meta-types": ["builtin", "command", "event"], "commands": ["a-cmd", "b-cmd", "\u00E9", "\uFFFF", "\uD83D\uDE00"], "events": ["EV"]}}, "id": "s"}
> {"execute": "plain"}
< {"return": {"#summary": {"type": "array", "element-keys": ["x"]}}}
> {"execute": "schema"}
< {"timestamp": {"seconds": "{seconds}", "microseconds": "{microseconds}"}, "event": "EARLY"}
< {"return": [{"name": "b-cmd", "meta-type": "command", "arg-type": "0"}, {"name": "a-cmd", "meta-type": "command"}, {"name": "EV", "meta-type": "event"}, {"name": "int", "meta-type": "builtin", "json-type": "int"}, 5, {"meta-type": "command", "name": 7}, {"name": "\u00E9", "meta-type": "command"}, {"name": "\uD83D\uDE00", "meta-type": "command"}, {"name": "\uFFFF", "meta-type": "command"}], "id": "s"}
`,
  'timeouts': String.raw`< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
> {"execute": "silent"}
# wait-return: no reply (timeout)
# wait-event NEVER: not received (timeout)
# wait-close: connection still open (timeout)
> {"execute": "late"}
< {"return": {}}
< {"timestamp": {"seconds": "{seconds}", "microseconds": "{microseconds}"}, "event": "LATE"}
`,
  'unicode': String.raw`< {"QMP": {"version": {"qemu": {"micro": "{micro}", "minor": "{minor}", "major": "{major}"}, "package": "{package}"}, "capabilities": ["oob"]}}
> {"execute": "qmp_capabilities"}
< {"return": {}}
> {"execute": "uni", "id": "é€😀"}
< {"return": {"s": "\u00E9\uD83D\uDE00\u0001/\\/\"\b\f\n\r\t\u007F\u0080", "raw": "\u00E9\u20AC\uD83D\uDE00", "lone": "\uD800", "lone2": "\uDC00x\uD800A"}}
>b {"execute": "uni2"}\n
< {"return": {"a": 3, "b": 2}, "id": {"z": 1, "y": 2}}
>b \xff\xfe\s\t\r\\x\n
>b {"execute": "uni3"}\x0a
< {"return": {"ctl": "\u0000\u001F", "bom": "\uFEFF"}}
`,
};

t.setTimeout(300_000);
process.env.QMP_WAIT_CAP = '2'; // bounds every wait step of these runs

const work = mkdtempSync(join(tmpdir(), 'harness-fake-'));
t.teardown(() => rmSync(work, { recursive: true, force: true }));
const fakePath = join(work, 'fake-qmp.mjs');
writeFileSync(fakePath, FAKE_SERVER);
const SERVER_CMD = `${process.execPath} ${fakePath} {sock} {args}`;

/** Lay the cases out as <root>/fam/<name>.scn with the chosen goldens; returns root. */
function layout(name: string, golden: (c: Case) => string | null, cases: Case[] = CASES): string {
  const root = join(work, name);
  const fam = join(root, 'fam');
  mkdirSync(fam, { recursive: true });
  for (const c of cases) {
    const script = join(root, c.name + '.json');
    writeFileSync(script, JSON.stringify(c.script));
    writeFileSync(join(fam, c.name + '.scn'), c.scn.replace('SCRIPT', script));
    const g = c.golden === '(none)' ? null : golden(c);
    if (g !== null) writeFileSync(join(fam, c.name + '.golden'), '## recorded for a test\n' + g);
  }
  return root;
}

const anonymise = (s: string) => s.replace(/qmprec-[A-Za-z0-9_]+/g, 'qmprec-X');

async function replay(paths: string[], extra: Partial<Parameters<typeof replayMain>[0]> = {}) {
  const lines: string[] = [];
  const summary = await replayMain({ paths, target: 'cmd', targetCmd: SERVER_CMD, jobs: 4, out: (l) => lines.push(l), ...extra });
  return { lines, summary };
}

async function pythonMissing(): Promise<string | false> {
  if (!existsSync(join(TOOLS, 'compare.py'))) return `${TOOLS}/compare.py not found`;
  try {
    await run('python3', ['--version']);
    return false;
  } catch {
    return 'python3 not available';
  }
}
const noPython = await pythonMissing();

async function python(tool: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('python3', [join(TOOLS, tool), ...args], { env: process.env, maxBuffer: 1 << 26 });
  } catch (e) {
    const r = e as { stdout: string; stderr: string };
    return { stdout: r.stdout, stderr: r.stderr };
  }
}

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const n of readdirSync(d, { withFileTypes: true })) {
      if (n.isDirectory()) walk(join(d, n.name), rel + n.name + '/');
      else out[rel + n.name] = readFileSync(join(d, n.name), 'utf8');
    }
  };
  if (existsSync(dir)) walk(dir, '');
  return out;
}

t.test('replay pins the transcript of every step kind and failure', async (t) => {
  const root = layout('pinned', (c) => EXPECTED[c.name] ?? '');
  const fam = join(root, 'fam');
  const actual = join(work, 'pinned-actual');
  const { lines, summary } = await replay([root], { saveActual: actual });
  t.same(lines, [
    'FAIL fam/bad-escape: bad scenario: bad escape \\q in >b line',
    `FAIL fam/bad-event: bad scenario: ${fam}/bad-event.scn:2: wait-event needs a name`,
    'FAIL fam/bad-filter: bad scenario: Unterminated string starting at: line 1 column 1 (char 0)',
    'FAIL fam/bad-filter2: bad scenario: Extra data: line 1 column 2 (char 1)',
    "FAIL fam/bad-hex: bad scenario: invalid literal for int() with base 16: 'ZZ'",
    "FAIL fam/bad-sleep: bad scenario: invalid literal for int() with base 10: '1 2'",
    `FAIL fam/bad-step: bad scenario: ${fam}/bad-step.scn:3: unknown step 'frobnicate'`,
    "FAIL fam/bad-timeout: bad scenario: could not convert string to float: 'soon'",
    'PASS fam/drain',
    'FAIL fam/events: line 13: wait-event DEEP a.b=1 failed (timeout); line 14: wait-event NOPE x=1 y="q" failed (timeout) (server said: fake qmp server)',
    `FAIL fam/no-golden: no golden transcript ${fam}/no-golden.golden`,
    'FAIL fam/no-greeting: no greeting; line 2: wait-return failed (connection closed) (server said: fake qmp server)',
    'PASS fam/nonjson',
    'PASS fam/normalise',
    'PASS fam/numbers',
    'PASS fam/quoting',
    'PASS fam/reconnect',
    'PASS fam/send-after-close',
    'FAIL fam/setup-fails: setup failed (4): echo setting up; echo oops >&2; exit 4: setting up\noops\n',
    'PASS fam/shell',
    'PASS fam/summarize',
    'FAIL fam/timeouts: line 5: wait-return failed (timeout); line 6: wait-event NEVER failed (timeout); line 7: wait-close timed out (server said: last line of server output)',
    'PASS fam/unicode',
    '10 passed, 13 failed',
  ]);
  t.same(summary, { passed: 10, failed: 13, pending: 0 });
  const saved = readTree(actual);
  for (const [name, text] of Object.entries(EXPECTED)) {
    t.equal(saved[`fam/${name}.actual`], `## actual transcript (fam/${name})\n` + text, `saved transcript of ${name}`);
  }
});

t.test('repeat reports the failing run; pending scenarios are counted apart', async (t) => {
  const root = layout('pending', (c) => EXPECTED[c.name] ?? '');
  const fam = join(root, 'fam');
  const rep = await replay([join(fam, 'events.scn'), join(fam, 'drain.scn')], { repeat: 2 });
  t.same(rep.lines, [
    'FAIL events: run 1: line 13: wait-event DEEP a.b=1 failed (timeout); line 14: wait-event NOPE x=1 y="q" failed (timeout) (server said: fake qmp server)',
    'PASS drain',
    '1 passed, 1 failed',
  ]);
  writeFileSync(join(root, 'pending.json'), JSON.stringify({ 'fam/timeouts': 'later issue', 'fam/drain': 'already fixed' }));
  const pend = await replay([root + '/fam/timeouts.scn', root + '/fam/drain.scn', root + '/fam/numbers.scn']);
  t.same(pend.lines, [
    'PENDING timeouts: line 5: wait-return failed (timeout); line 6: wait-event NEVER failed (timeout); line 7: wait-close timed out (server said: last line of server output)',
    'PASS drain',
    'PASS numbers',
    '1 pending (listed as pending but passed: drain)',
    '2 passed, 0 failed',
  ]);
  t.same(pend.summary, { passed: 2, failed: 0, pending: 1 });
});

t.test('record writes goldens with the server named in the header', async (t) => {
  const root = layout('record', () => '');
  const out: string[] = [];
  const err: string[] = [];
  const dest = join(work, 'recorded');
  const rc = await recordMain({ scn: [join(root, 'fam', 'numbers.scn'), join(root, 'fam', 'timeouts.scn')], serverCmd: SERVER_CMD, outDir: dest, out: (l) => out.push(l), err: (l) => err.push(l) });
  t.equal(rc, 1, 'a failed wait makes the recording fail');
  t.same(out, [`recorded ${dest}/numbers.golden (7 lines)`]);
  t.equal(readFileSync(join(dest, 'numbers.golden'), 'utf8'), `## recorded with --server-cmd ${SERVER_CMD}\n` + EXPECTED.numbers);
  t.notOk(existsSync(join(dest, 'timeouts.golden')), 'no golden without --force');
  t.ok(err.some((l) => l.startsWith(`ERROR ${root}/fam/timeouts.scn: line 5: wait-return failed (timeout)`)), 'the failure is reported');
  t.ok(err.some((l) => l.includes('re-serialisation differs from the bytes received')), 're-serialisation is checked');
});

t.test('compare.py and replay agree (lines and transcripts)', { skip: noPython }, async (t) => {
  const GROUPS = 4; // compare.py runs one scenario at a time: split the cases
  // strict mode and diffs only matter where the golden has received lines
  const STRICT = ['events', 'nonjson', 'numbers', 'unicode', 'reconnect', 'drain', 'no-greeting', 'summarize'];
  for (const flags of [[], ['--strict', '--diff']]) {
    const tag = 'cross' + flags.join('');
    const cases = flags.length ? CASES.filter((c) => STRICT.includes(c.name)) : CASES;
    await Promise.all(
      Array.from({ length: GROUPS }, async (_, g) => {
        const root = layout(`${tag}-${g}`, (c) => c.golden, cases.filter((_, i) => i % GROUPS === g));
        const pyDir = join(work, `${tag}-${g}-py`);
        const tsDir = join(work, `${tag}-${g}-ts`);
        const [py, ts] = await Promise.all([
          python('compare.py', ['--server-cmd', SERVER_CMD, '--save-actual', pyDir, ...flags, root]),
          replay([root], { saveActual: tsDir, strict: flags.includes('--strict'), diff: flags.includes('--diff'), jobs: 1 }),
        ]);
        t.equal(anonymise(ts.lines.join('\n') + '\n'), anonymise(py.stdout), `same output ${flags.join(' ')} (group ${g})`);
        t.same(readTree(tsDir), readTree(pyDir), `same transcripts ${flags.join(' ')} (group ${g})`);
      }),
    );
  }
});

t.test('record.py and record agree', { skip: noPython }, async (t) => {
  const root = layout('cross-record', () => '');
  const scns = ['nonjson', 'unicode', 'numbers', 'summarize', 'shell'].map((n) => join(root, 'fam', n + '.scn'));
  const pyDir = join(work, 'rec-py');
  const tsDir = join(work, 'rec-ts');
  const err: string[] = [];
  const out: string[] = [];
  const [py] = await Promise.all([
    python('record.py', ['--server-cmd', SERVER_CMD, '--out-dir', pyDir, ...scns]),
    recordMain({ scn: scns, serverCmd: SERVER_CMD, outDir: tsDir, out: (l) => out.push(l), err: (l) => err.push(l) }),
  ]);
  t.equal(out.join('\n').split(tsDir).join('DIR'), py.stdout.trimEnd().split(pyDir).join('DIR'));
  t.equal(anonymise(err.join('\n')), anonymise(py.stderr.trimEnd()));
  t.same(readTree(tsDir), readTree(pyDir));
});
