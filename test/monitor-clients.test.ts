// One client per monitor at a time; later clients wait without a greeting;
// several monitors each negotiate on their own and all get events; a client
// that leaves with requests queued does not disturb the VM.

import t from 'tap';
import { join } from 'node:path';
import { spawnServer } from './lib/server.js';
import { QmpTestClient } from './lib/qmp-client.js';

t.test('a second client waits for the first to leave', async (t) => {
  const srv = spawnServer(['-S']);
  t.teardown(() => srv.kill());
  const a = await QmpTestClient.connectRetry(srv.sock);
  t.ok((await a.next()).QMP, 'first client greeted');
  const b = await QmpTestClient.connect(srv.sock);
  await new Promise((r) => setTimeout(r, 200));
  t.same(b.pending(), [], 'second client: no greeting while the first is connected');
  a.close();
  t.ok((await b.next()).QMP, 'second client greeted once the first left');
  t.same((await b.cmd('query-status')).error.class, 'CommandNotFound', 'and it starts in negotiation mode');
  b.close();
});

t.test('two monitors, events to both, negotiation per monitor', async (t) => {
  const srv = spawnServer(['-S', '-chardev', 'socket,id=m2,path=second.sock,server=on,wait=off', '-mon', 'chardev=m2,mode=control']);
  t.teardown(() => srv.kill());
  const a = await QmpTestClient.connectRetry(srv.sock);
  const b = await QmpTestClient.connectRetry(join(srv.dir, 'second.sock'));
  await a.next();
  await b.next();
  t.same(await a.cmd('qmp_capabilities'), { return: {} });
  t.same(await a.cmd('cont'), { return: {} }, 'cont on the first monitor');
  t.same((await b.cmd('query-status')).error.desc, "Expecting capabilities negotiation with 'qmp_capabilities'", 'the second is still negotiating');
  t.same(b.pending(), [], 'no RESUME for a monitor still negotiating');
  t.same(await b.cmd('qmp_capabilities'), { return: {} });
  await a.cmd('stop');
  t.match(await b.next(), { event: 'STOP' }, 'the second monitor sees STOP');
  a.close();
  b.close();
});

t.test('a client that leaves with requests queued', async (t) => {
  const srv = spawnServer(['-S']);
  t.teardown(() => srv.kill());
  const a = await QmpTestClient.connectRetry(srv.sock);
  await a.next();
  a.send('{"execute": "qmp_capabilities"}\n' + '{"execute": "query-status"}\n'.repeat(500) + '{"execute": "cont"}\n');
  a.close();
  const b = await QmpTestClient.connectRetry(srv.sock);
  await b.next();
  await b.cmd('qmp_capabilities');
  const st = await b.cmd('query-status');
  t.ok(['prelaunch', 'running'].includes(st.return.status), 'server alive and answering');
  b.close();
});

t.test('malformed input never kills the session', async (t) => {
  const srv = spawnServer(['-S']);
  t.teardown(() => srv.kill());
  const a = await QmpTestClient.connectRetry(srv.sock);
  await a.next();
  a.sock.write(Buffer.from([0xff, 0x00]));
  a.send('{"execute": ]]]}}}{{{"a"\n');
  a.sock.write(Buffer.from([0xff])); // resets the parser (json-lexer.c)
  a.send('\n{"execute": "qmp_capabilities"}\n');
  let m;
  do m = await a.next();
  while (!m.return);
  t.same(m, { return: {} }, 'negotiation after garbage');
  t.same((await a.cmd('query-status')).return.status, 'prelaunch');
  a.close();
});
