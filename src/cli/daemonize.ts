// -daemonize (os-posix.c os_daemonize / os_setup_post). QEMU forks; the
// foreground waits on a pipe for one zero byte the daemon writes once it is
// initialised (monitors listening, pidfile written), then exits 0 (1 if the
// daemon died first). Node cannot fork: the foreground spawns a detached copy
// of itself (same argv minus -daemonize, plus --daemon-child=FD) and relays
// the daemon's stderr until the byte arrives, so the caller's stderr pipe
// reaches EOF when the foreground exits (QEMU's daemon points stdio at /dev/null).

import { spawn } from 'node:child_process';
import { closeSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The daemon's readiness fd (stdio slot 3 of the spawned child). */
export const READY_FD = 3;

/** argv for the daemon: node, its flags, main.js, serve, the rest. */
export function daemonChildArgv(simArgv: readonly string[], qemuArgv: readonly string[], daemonizeAt: readonly number[]): string[] {
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  const qemu = qemuArgv.filter((_, i) => !daemonizeAt.includes(i));
  return [...process.execArgv, main, 'serve', ...simArgv, `--daemon-child=${READY_FD}`, ...qemu];
}

/** The foreground half: resolves with the exit status QEMU's parent returns. */
export function runDaemonForeground(childArgv: string[], stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, childArgv, {
      detached: true, // setsid()
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      env: process.env,
    });
    let done = false;
    const finish = (code: number) => {
      if (done) return;
      done = true;
      child.stderr?.removeAllListeners('data');
      child.stderr?.destroy();
      (child.stdio[READY_FD] as NodeJS.ReadableStream & { destroy(): void } | null)?.destroy();
      child.unref();
      resolve(code);
    };
    child.stderr?.on('data', (chunk: Buffer) => stderr.write(chunk));
    child.stderr?.on('error', () => {});
    const ready = child.stdio[READY_FD] as NodeJS.ReadableStream | null;
    ready?.on('data', (b: Buffer) => finish(b[0] === 0 ? 0 : 1));
    ready?.on('error', () => {});
    child.once('error', (e) => {
      stderr.write(`qmp-sim: cannot start the daemon: ${e.message}\n`);
      finish(1);
    });
    // the daemon died before it was ready: 'close' comes after its last stderr
    child.once('close', () => finish(1));
  });
}

/** The daemon half, once initialised: tell the foreground, then stop writing
 * to the stderr it relays (it goes away when the foreground exits). */
export function daemonReady(fd: number, muteStderr: () => void): void {
  try {
    writeSync(fd, Buffer.from([0]));
    closeSync(fd);
  } catch {
    /* foreground gone: carry on as a daemon anyway */
  }
  muteStderr();
  process.stderr.on('error', () => {});
  try {
    process.chdir('/');
  } catch {
    /* stays where it was */
  }
  process.umask(0o027);
}
