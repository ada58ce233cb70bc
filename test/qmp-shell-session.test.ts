// A session shaped like QEMU's python client (python/qemu/qmp, behind
// qmp-shell): it enables OOB when offered, tags every request with a
// "__qmp#NNNNN" id, reads events between replies, and leaves without quit.
// Then the next client gets a fresh greeting and the VM state is unchanged.

import t from 'tap';
import { spawnServer } from './lib/server.js';
import { QmpTestClient } from './lib/qmp-client.js';

t.test('qmp-shell-style session', async (t) => {
  const srv = spawnServer(['-S', '-machine', 'pc', '-name', 'shell-vm']);
  t.teardown(() => srv.kill());
  const c = await QmpTestClient.connectRetry(srv.sock);
  const greeting = await c.next();
  t.same(greeting.QMP.capabilities, ['oob'], 'OOB offered');
  let seq = 0;
  const exec = async (execute: string, args?: Record<string, unknown>, oob = false) => {
    const id = `__qmp#${String(++seq).padStart(5, '0')}`;
    const msg: Record<string, unknown> = { [oob ? 'exec-oob' : 'execute']: execute, id };
    if (args) msg.arguments = args;
    c.send(JSON.stringify(msg));
    const events: any[] = [];
    for (;;) {
      const m = await c.next();
      if (m.event) events.push(m);
      else {
        t.equal(m.id, id, `${execute}: reply carries its id`);
        return { reply: m, events };
      }
    }
  };
  t.same((await exec('qmp_capabilities', { enable: ['oob'] })).reply.return, {});
  t.same((await exec('query-name')).reply.return, { name: 'shell-vm' });
  const cont = await exec('cont');
  t.same(cont.events.map((e) => e.event), ['RESUME'], 'RESUME before the reply');
  t.same((await exec('query-status')).reply.return, { status: 'running', singlestep: false, running: true });
  const oob = await exec('migrate-pause', undefined, true);
  t.equal(oob.reply.error.desc, 'migrate-pause is currently only supported during postcopy-active state', 'exec-oob answered');
  const bad = await exec('query-status', { verbose: true });
  t.equal(bad.reply.error.desc, "Parameter 'verbose' is unexpected");
  const hmp = await exec('human-monitor-command', { 'command-line': 'info name' });
  t.equal(hmp.reply.return, 'shell-vm\r\n');
  c.close();
  const d = await QmpTestClient.connectRetry(srv.sock);
  t.ok((await d.next()).QMP, 'fresh greeting for the next client');
  await d.cmd('qmp_capabilities');
  t.equal((await d.cmd('query-status')).return.status, 'running', 'the VM kept running');
  d.close();
});
