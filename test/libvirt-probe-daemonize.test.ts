// libvirt's capability probe runs the emulator with -daemonize -pidfile:
// the foreground exits 0 only once the QMP socket listens and the pidfile
// holds the daemon's pid; the caller's stderr pipe reaches EOF (QEMU's daemon
// lets go of stdio); the daemon exits on SIGTERM and removes its pidfile; a
// second daemon on the same pidfile is refused with QEMU's text.

import t from 'tap';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './lib/paths.js';
import { cleanEnv } from './lib/server.js';
import { QmpTestClient } from './lib/qmp-client.js';
import { alive } from './lib/process-alive.js';

const bin = join(repoRoot, 'bin', 'qmp-sim-qemu');

function runFg(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    // execFile resolves only when stdout/stderr reach EOF: a daemon holding
    // them open would hang here (tap's timeout fails the test)
    execFile(process.execPath, [bin, ...args], { env: cleanEnv() }, (err, _out, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr: String(stderr) });
    });
  });
}

async function gone(pid: number): Promise<void> {
  while (alive(pid)) await new Promise((r) => setTimeout(r, 20));
}

const probeArgv = (dir: string, accel: string) => [
  '-S', '-no-user-config', '-nodefaults', '-nographic',
  '-machine', `none,accel=${accel}`,
  '-qmp', `unix:${join(dir, 'qmp.monitor')},server=on,wait=off`,
  '-pidfile', join(dir, 'qmp.pid'),
  '-daemonize',
];

for (const accel of ['kvm:tcg', 'tcg']) {
  t.test(`probe pass with accel=${accel}`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'qmp-sim-probe-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const fg = await runFg(probeArgv(dir, accel));
    t.equal(fg.code, 0, fg.stderr);
    const pid = Number(readFileSync(join(dir, 'qmp.pid'), 'utf8'));
    t.ok(Number.isInteger(pid) && pid > 0 && alive(pid), 'the pidfile names a live daemon');
    t.teardown(() => alive(pid) && process.kill(pid, 'SIGKILL'));

    // the socket listens already: no retry needed
    const q = await QmpTestClient.connect(join(dir, 'qmp.monitor'));
    t.match(await q.next(), { QMP: { version: { qemu: { major: 7, minor: 2 } }, capabilities: ['oob'] } });
    t.same((await q.cmd('qmp_capabilities')).return, {});
    t.match((await q.cmd('query-status')).return, { status: 'prelaunch', running: false });

    const again = await runFg(probeArgv(dir, accel));
    t.equal(again.code, 1, 'a second daemon on the same pidfile fails');
    t.equal(again.stderr, 'qemu-system-x86_64: cannot create PID file: Cannot lock pid file: Resource temporarily unavailable\n');
    t.ok(alive(pid), 'the first daemon is untouched');

    process.kill(pid, 'SIGTERM');
    t.match(await q.next(), { event: 'SHUTDOWN', data: { guest: false, reason: 'host-signal' } });
    await gone(pid);
    t.notOk(existsSync(join(dir, 'qmp.pid')), 'pidfile removed at exit');
    t.notOk(existsSync(join(dir, 'qmp.monitor')), 'socket removed at exit');
    q.close();
  });
}

t.test('a daemon that fails to start: the foreground relays its error and exits 1', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qmp-sim-probe-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const fg = await runFg([...probeArgv(dir, 'tcg'), '-blockdev', `driver=file,node-name=f,filename=${join(dir, 'missing.img')}`, '--image-dir', dir]);
  t.equal(fg.code, 1);
  t.match(fg.stderr, `Could not open '${join(dir, 'missing.img')}': No such file or directory`);
  t.notOk(existsSync(join(dir, 'qmp.pid')), 'no pidfile left behind');
});

t.test('pidfile errors are QEMU\'s', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'qmp-sim-probe-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const p = join(dir, 'no', 'such', 'dir', 'x.pid');
  const fg = await runFg(['-S', '-machine', 'none', '-nodefaults', '-pidfile', p, '-daemonize', '-qmp', `unix:${join(dir, 'q.sock')},server=on,wait=off`]);
  t.equal(fg.code, 1);
  t.equal(fg.stderr, `qemu-system-x86_64: cannot create PID file: Could not create '${p}': No such file or directory\n`);
});
