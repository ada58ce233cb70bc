// libvirt's domain mode: the monitor is a listening socket libvirt bound
// itself, passed as -chardev socket,id=charmonitor,fd=N,server=on,wait=off.
// The emulator keeps accepting on it (libvirtd reconnects after a restart,
// with a fresh greeting), and SIGTERM sends SHUTDOWN host-signal and exits
// even while libvirt keeps its end open.

import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, haveCommand } from './lib/paths.js';
import { cleanEnv } from './lib/server.js';
import { QmpTestClient } from './lib/qmp-client.js';

// python3 binds the socket and execs the emulator with the fd inherited,
// as libvirt does (node cannot hand a listening fd to an exec'd child).
const launcher = `
import os, socket, sys
path, fdnum = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(8)
os.dup2(s.fileno(), fdnum)
os.set_inheritable(fdnum, True)
os.execv(sys.argv[3], sys.argv[3:])
`;

t.test('fd= monitor: reconnects, then SIGTERM', { skip: haveCommand('python3') ? false : 'python3 not installed' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qmp-sim-fdmon-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sock = join(dir, 'monitor.sock');
  const argv = [
    process.execPath, join(repoRoot, 'bin', 'qmp-sim-qemu'),
    '-name', 'guest=fdvm,debug-threads=on', '-S', '-machine', 'pc-i440fx-7.2,usb=off,dump-guest-core=off', '-accel', 'tcg',
    '-cpu', 'qemu64', '-m', '128', '-overcommit', 'mem-lock=off', '-smp', '1,sockets=1,cores=1,threads=1',
    '-uuid', '03aefbf9-bb0d-4876-8e7c-45209a7ceaf1', '-display', 'none', '-no-user-config', '-nodefaults',
    '-chardev', 'socket,id=charmonitor,fd=26,server=on,wait=off', '-mon', 'chardev=charmonitor,id=monitor,mode=control',
    '-rtc', 'base=utc', '-no-shutdown', '-boot', 'strict=on', '-audiodev', '{"id":"audio1","driver":"none"}',
    '-sandbox', 'on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny', '-msg', 'timestamp=on',
  ];
  const proc = spawn('python3', ['-c', launcher, sock, '26', ...argv], { cwd: dir, env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  t.teardown(() => proc.exitCode === null && proc.kill('SIGKILL'));

  const a = await QmpTestClient.connectRetry(sock);
  t.match(await a.next(), { QMP: { capabilities: ['oob'] } });
  t.same((await a.cmd('qmp_capabilities')).return, {});
  t.same((await a.cmd('query-status')).return, { status: 'prelaunch', singlestep: false, running: false });
  t.same((await a.cmd('cont')).return, {});
  a.close(); // libvirtd goes away

  const b = await QmpTestClient.connect(sock); // ... and comes back
  t.match(await b.next(), { QMP: { capabilities: ['oob'] } }, 'a fresh greeting');
  t.same((await b.cmd('qmp_capabilities')).return, {});
  t.same((await b.cmd('query-status')).return, { status: 'running', singlestep: false, running: true });

  proc.kill('SIGTERM');
  t.match(await b.next(), { event: 'SHUTDOWN', data: { guest: false, reason: 'host-signal' } });
  // b keeps its end open, as libvirt does while it waits for the process
  t.same(await exited, { code: 0, signal: null });
  t.match(stderr, /terminating on signal 15/);
  await b.closedByServer();
});
