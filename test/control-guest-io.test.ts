// guest.write / guest.read / guest.flush on the control channel: the write
// goes through the virtio-blk device into the real image file, and is
// accounted in query-blockstats like any guest request.

import t from 'tap';
import * as net from 'node:net';
import { createHash } from 'node:crypto';
import { openSync, readSync, closeSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnServer } from './lib/server.js';
import { QmpTestClient } from './lib/qmp-client.js';

function call(path: string, method: string, params: unknown): Promise<any> {
  return new Promise((resolve, reject) => {
    const s = net.connect(path, () => s.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) + '\n'));
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      if (buf.includes('\n')) {
        s.end();
        resolve(JSON.parse(buf));
      }
    });
    s.on('error', reject);
  });
}

t.test('guest I/O through the control channel', async (t) => {
  const srv = spawnServer(
    ['--control', 'unix:ctl.sock', '-S', '-drive', 'if=none,id=d0,file=a.img,format=raw', '-device', 'virtio-blk-pci,drive=d0,id=vd0'],
    { setup: (dir) => writeFileSync(join(dir, 'a.img'), Buffer.alloc(1 << 20)) },
  );
  t.teardown(() => srv.kill());
  const q = await QmpTestClient.connectRetry(srv.sock);
  await q.next();
  await q.cmd('qmp_capabilities');
  await q.cmd('cont');
  const ctl = join(srv.dir, 'ctl.sock');
  const w = await call(ctl, 'guest.write', { device: 'vd0', offset: 4096, length: 8192, pattern: 0x5a });
  t.same(w.result, { ok: true }, 'write completed');
  const r = await call(ctl, 'guest.read', { device: 'vd0', offset: 4096, length: 8192 });
  t.equal(r.result.sha256, createHash('sha256').update(Buffer.alloc(8192, 0x5a)).digest('hex'), 'read back what was written');
  t.same((await call(ctl, 'guest.flush', { device: 'vd0' })).result, { ok: true });
  const fd = openSync(join(srv.dir, 'a.img'), 'r');
  const buf = Buffer.alloc(8192);
  readSync(fd, buf, 0, 8192, 4096);
  closeSync(fd);
  t.ok(buf.every((b) => b === 0x5a), 'the image file holds the data');
  const stats = (await q.cmd('query-blockstats')).return[0].stats;
  t.match(stats, { wr_bytes: 8192, wr_operations: 1 }, 'accounted as guest I/O');
  const bad = await call(ctl, 'guest.write', { device: 'vd0', offset: 100 });
  t.match(bad.error.message, /multiples of the block size/, 'unaligned requests refused');
  q.close();
});
