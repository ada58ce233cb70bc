// Control channel vm.crash {after}: the emulator dies like SIGKILL when the
// named QMP command arrives, before replying (libvirt's THREADS.txt case).
// The channel for a libvirt-launched VM sits at QMP_SIM_CONTROL_DIR/<guest name>.sock.

import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnServer } from './lib/server.js';
import { QmpTestClient } from './lib/qmp-client.js';
import { controlMessage } from './libvirt/control-client.js';

const rpc = (path: string, req: { method: string; params?: Record<string, unknown> }) => controlMessage(path, req.method, req.params);

t.test('vm.crash after a command', async (t) => {
  const srv = spawnServer(['--control-dir', '.', '-S', '-name', 'guest=crashvm,debug-threads=on']);
  t.teardown(() => srv.kill());
  const q = await QmpTestClient.connectRetry(srv.sock);
  await q.next();
  t.same((await q.cmd('qmp_capabilities')).return, {});
  const ctl = join(srv.dir, 'crashvm.sock');
  t.ok(existsSync(ctl), 'control channel at <control dir>/<guest name>.sock');

  const bad = await rpc(ctl, { method: 'vm.crash', params: {} });
  t.equal(bad.error?.code, -32602, 'after is required');
  const armed = await rpc(ctl, { method: 'vm.crash', params: { after: 'query-block' } });
  t.same(armed.result, { armed: ['query-block'] });

  // other commands still answer
  t.match((await q.cmd('query-status')).return, { status: 'prelaunch' });
  q.send('{"execute": "query-block", "id": "dies-here"}\n');
  await t.rejects(q.next(), /connection closed/, 'no reply: the process died first');
  const code = await srv.exited;
  t.equal(code, null, 'no exit status');
  t.equal(srv.proc.signalCode, 'SIGKILL', 'killed by SIGKILL');
  t.notMatch(srv.output(), /SHUTDOWN|terminating/, 'no orderly shutdown');
});

t.test('QMP_SIM_CONTROL_DIR from the environment (libvirt scrubs argv-less config)', async (t) => {
  const prev = process.env.QMP_SIM_CONTROL_DIR;
  process.env.QMP_SIM_CONTROL_DIR = '.';
  t.teardown(() => {
    if (prev === undefined) delete process.env.QMP_SIM_CONTROL_DIR;
    else process.env.QMP_SIM_CONTROL_DIR = prev;
  });
  const srv = spawnServer(['-S', '-name', 'envvm']);
  t.teardown(() => srv.kill());
  const q = await QmpTestClient.connectRetry(srv.sock);
  await q.next();
  const r = await rpc(join(srv.dir, 'envvm.sock'), { method: 'vm.list' });
  t.same(r.result, [{ index: 0, name: 'envvm', status: 'prelaunch' }]);
  q.close();
});
