// `qmp-sim demo` (npm start): one VM on a unix socket, and how to reach it.

import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveMain } from './serve.js';

export async function demoMain(opts: { dir?: string }): Promise<number> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'qmp-sim-demo-'));
  mkdirSync(dir, { recursive: true });
  const qmp = join(dir, 'qmp.sock');
  const control = join(dir, 'control.sock');
  const argv = ['-S', '-machine', 'pc', '-name', 'demo', '-qmp', `unix:${qmp},server=on,wait=off`, '--control', `unix:${control}`, '--image-dir', dir];
  const lines = [
    `qmp-sim: demo VM "demo" (QEMU 7.2 machine pc, paused in prelaunch) is listening.`,
    ``,
    `  QMP:      socat READLINE UNIX-CONNECT:${qmp}`,
    `            then type: {"execute": "qmp_capabilities"}`,
    `                       {"execute": "query-status"}`,
    `                       {"execute": "cont"}`,
    `  control:  echo '{"jsonrpc": "2.0", "id": 1, "method": "vm.state"}' | socat - UNIX-CONNECT:${control}`,
    ``,
    `Ctrl-C stops it.`,
  ];
  setImmediate(() => process.stdout.write(lines.join('\n') + '\n'));
  return serveMain(argv);
}
