// Fuzzing a whole QMP session in-process: 100 000 generated and mutated
// inputs, written in random splits. No exception escapes, nothing hangs, and
// afterwards the session still answers query-status.

import t from 'tap';
import { inProcessVm } from './lib/in-process.js';

// a small seeded PRNG (xorshift32) so a failure reproduces
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

const CORPUS = [
  '{"execute": "query-status"}',
  '{"execute": "query-status", "id": [1, {"a": null}]}',
  "{'execute': 'query-version', 'id': 'x'}",
  '{"execute": "stop"}',
  '{"execute": "cont"}',
  '{"execute": "query-commands"}',
  '{"execute": "human-monitor-command", "arguments": {"command-line": "info status"}}',
  '{"execute": "block_resize", "arguments": {"node-name": "n", "size": 1e3}}',
  '{"execute": "query-named-block-nodes", "arguments": {"flat": true}}',
  '{"exec-oob": "migrate-pause", "id": 9}',
  '{"execute": "qmp_capabilities", "arguments": {"enable": ["oob"]}}',
  '{"execute": "query-status", "id": "\\u00e9\\uD83D\\uDE00\\n"}',
  '[1, 2, {"x": -0.0}]',
  '{"execute": "blockdev-add", "arguments": {"driver": "null-co", "node-name": "n0"}}',
];
const SPECIAL = ['{', '}', '[', ']', '"', "'", '\\', ':', ',', '\n', '\x00', '\x01', '\t', '\\u', 'tru', '1e', '-'];

t.test('100 000 fuzzed inputs through one session', async (t) => {
  const N = 100_000;
  const vm = inProcessVm({ startPaused: true });
  vm.feed('{"execute": "qmp_capabilities"}\n');
  vm.settle();
  const r = rng(0x5eed);
  let thrown: unknown;
  const t0 = process.hrtime.bigint();
  try {
    for (let i = 0; i < N; i++) {
      let s = CORPUS[r(CORPUS.length)];
      const mutations = r(4);
      for (let m = 0; m < mutations; m++) {
        const at = r(s.length + 1);
        switch (r(4)) {
          case 0: s = s.slice(0, at) + SPECIAL[r(SPECIAL.length)] + s.slice(at); break;
          case 1: s = s.slice(0, at) + s.slice(at + 1 + r(3)); break;
          case 2: s = s.slice(0, at); break;
          default: s = s + CORPUS[r(CORPUS.length)];
        }
      }
      let bytes = Buffer.from(s + (r(3) ? '\n' : ''), 'utf8');
      if (r(50) === 0) bytes = Buffer.concat([bytes, Buffer.from([0xff])]);
      // random splits
      let off = 0;
      while (off < bytes.length) {
        const n = 1 + r(Math.max(1, bytes.length - off));
        vm.feed(bytes.subarray(off, off + n));
        off += n;
      }
      if (i % 64 === 0) vm.settle();
      if (vm.out.length > 10000) vm.out.splice(0);
    }
  } catch (e) {
    thrown = e;
  }
  t.equal(thrown, undefined, 'no exception escapes the session');
  vm.settle();
  t.notOk(vm.machine.kernel.mainLoop.exited, 'the VM is still there');
  vm.out.splice(0);
  // 0xFF resets the parser wherever it was (json-lexer.c)
  vm.feed(Buffer.from([0xff]));
  vm.feed('\n{"execute": "query-status", "id": "final"}\n');
  vm.settle();
  const last = vm.out.map((l) => JSON.parse(l.replace(/\binf\b/g, '0'))).find((m) => m.id === 'final');
  t.match(last, { return: { status: String, running: Boolean }, id: 'final' }, 'query-status still answered');
  t.same(vm.logs.filter((l) => /internal error/.test(l)), [], 'no internal errors logged');
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  t.comment(`${N} inputs in ${secs.toFixed(1)} s`);
});
