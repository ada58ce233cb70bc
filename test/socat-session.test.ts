// A socat session as a person types it: greeting, negotiation, query-status,
// stop/cont with STOP/RESUME, quit with SHUTDOWN and the connection closed.

import t from 'tap';
import { spawn } from 'node:child_process';
import { haveCommand } from './lib/paths.js';
import { spawnServer } from './lib/server.js';
import { QmpTestClient } from './lib/qmp-client.js';

const lines = [
  '{"execute": "qmp_capabilities"}',
  '{"execute": "query-status"}',
  '{"execute": "cont"}',
  '{"execute": "stop"}',
  '{"execute": "nonsense"}',
  '{"execute": "quit"}',
];

t.test('socat session', { skip: haveCommand('socat') ? false : 'socat not installed' }, async (t) => {
  const srv = spawnServer(['-S', '-machine', 'pc']);
  t.teardown(() => srv.kill());
  // wait until the socket accepts
  (await QmpTestClient.connectRetry(srv.sock)).close();
  // the first client's departure lets socat in; give the server a moment to take it
  const socat = spawn('socat', ['-t', '5', '-', `UNIX-CONNECT:${srv.sock}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  socat.stdout.on('data', (d) => (out += d));
  // one line at a time, as typed, each after the previous answer
  const waitFor = async (n: number) => {
    const end = Date.now() + 10000;
    while ((out.match(/\r\n/g) ?? []).length < n) {
      if (Date.now() > end) throw new Error(`timeout; got: ${out}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await waitFor(1);
  const counts = [2, 3, 5, 7, 8, 10];
  for (let i = 0; i < lines.length; i++) {
    socat.stdin.write(lines[i] + '\n');
    await waitFor(counts[i]);
  }
  const code = await new Promise((r) => socat.on('exit', r));
  t.equal(code, 0, 'socat ends when the server closes');
  const msgs = out.trim().split('\r\n').map((l) => JSON.parse(l));
  t.match(msgs[0], { QMP: { version: { qemu: { major: 7, minor: 2 } }, capabilities: ['oob'] } }, 'greeting');
  t.same(msgs[1], { return: {} }, 'qmp_capabilities');
  t.same(msgs[2], { return: { status: 'prelaunch', singlestep: false, running: false } }, 'query-status');
  t.match(msgs[3], { event: 'RESUME', timestamp: { seconds: Number, microseconds: Number } }, 'RESUME before the reply');
  t.same(msgs[4], { return: {} });
  t.match(msgs[5], { event: 'STOP' });
  t.same(msgs[6], { return: {} });
  t.same(msgs[7], { error: { class: 'CommandNotFound', desc: 'The command nonsense has not been found' } });
  t.match(msgs[8], { event: 'SHUTDOWN', data: { guest: false, reason: 'host-qmp-quit' } }, 'SHUTDOWN before the reply');
  t.same(msgs[9], { return: {} });
  t.equal(await srv.exited, 0, 'the server exits after quit');
});
