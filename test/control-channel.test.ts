// The JSON-RPC 2.0 control channel beside QMP: vm.list, vm.state,
// clock.advance, and JSON-RPC errors for bad input.

import t from 'tap';
import * as net from 'node:net';
import { join } from 'node:path';
import { spawnServer } from './lib/server.js';
import { QmpTestClient } from './lib/qmp-client.js';

function rpc(path: string, lines: string[]): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const s = net.connect(path);
    let buf = '';
    const out: any[] = [];
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        out.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
        if (out.length === lines.length) {
          s.end();
          resolve(out);
        }
      }
    });
    s.on('error', reject);
    s.on('connect', () => s.write(lines.map((l) => l + '\n').join('')));
  });
}

t.test('control channel', async (t) => {
  const srv = spawnServer(['--clock', 'virtual', '--control', 'unix:ctl.sock', '-S', '-name', 'vm1']);
  t.teardown(() => srv.kill());
  const q = await QmpTestClient.connectRetry(srv.sock);
  await q.next();
  const ctl = join(srv.dir, 'ctl.sock');
  const [list, state, adv, state2, bad, unknown, garbage] = await rpc(ctl, [
    '{"jsonrpc": "2.0", "id": 1, "method": "vm.list"}',
    '{"jsonrpc": "2.0", "id": 2, "method": "vm.state"}',
    '{"jsonrpc": "2.0", "id": 3, "method": "clock.advance", "params": {"ms": 1.5}}',
    '{"jsonrpc": "2.0", "id": 4, "method": "vm.state", "params": {"vm": "vm1"}}',
    '{"jsonrpc": "2.0", "id": 5, "method": "clock.advance", "params": {"ns": -1}}',
    '{"jsonrpc": "2.0", "id": 6, "method": "no.such"}',
    'not json',
  ]);
  t.same(list.result, [{ index: 0, name: 'vm1', status: 'prelaunch' }]);
  t.match(state.result, { status: 'prelaunch', running: false, clock: 'virtual', seed: 0, nowNs: 0 });
  t.same(adv.result, { nowNs: 1_500_000 }, 'virtual clock advanced by 1.5 ms');
  t.equal(state2.result.nowNs, 1_500_000);
  t.equal(bad.error.code, -32602, 'invalid params');
  t.equal(unknown.error.code, -32601, 'method not found');
  t.equal(garbage.error.code, -32700, 'parse error');
  await q.cmd('qmp_capabilities');
  await q.cmd('cont');
  const [after] = await rpc(ctl, ['{"jsonrpc": "2.0", "id": 7, "method": "vm.state"}']);
  t.equal(after.result.status, 'running', 'state follows QMP');
  q.close();
});
