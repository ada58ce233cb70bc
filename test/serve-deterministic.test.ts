// `qmp-sim serve --seed 7 --clock virtual` gives the same transcript twice,
// byte for byte (event timestamps included: they come from the virtual clock).

import t from 'tap';
import { spawnServer } from './lib/server.js';
import { QmpTestClient } from './lib/qmp-client.js';

const SCRIPT = [
  '{"execute": "qmp_capabilities"}',
  '{"execute": "cont", "id": 1}',
  '{"execute": "system_reset", "id": 2}',
  '{"execute": "stop", "id": 3}',
  '{"execute": "system_powerdown", "id": 4}',
  '{"execute": "query-status", "id": 5}',
  '{"execute": "human-monitor-command", "arguments": {"command-line": "info status"}, "id": 6}',
  '{"execute": "quit", "id": 7}',
];

async function transcript(): Promise<string> {
  const srv = spawnServer(['--seed', '7', '--clock', 'virtual', '-S', '-machine', 'pc']);
  try {
    const c = await QmpTestClient.connectRetry(srv.sock);
    let raw = '';
    c.sock.on('data', (d) => (raw += d));
    for (const line of SCRIPT) {
      c.send(line + '\n');
      for (;;) {
        const m = await c.next();
        if (m.return !== undefined || m.error !== undefined) break;
      }
    }
    await c.closedByServer();
    await srv.exited;
    return raw;
  } finally {
    await srv.kill();
  }
}

t.test('same seed, virtual clock: identical bytes', async (t) => {
  const a = await transcript();
  const b = await transcript();
  t.ok(a.includes('"event": "RESET"') && a.includes('"event": "SHUTDOWN"'), 'the run has events');
  t.equal(a, b, 'identical transcripts');
});
