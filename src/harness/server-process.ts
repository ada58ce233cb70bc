// Starting the server under test in its own process group and ending it
// (SIGTERM to the group, SIGKILL after 5 s), as record.py does.
import { closeSync, openSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { argsText, type Scenario } from './scenario.js';
import { pyOSError } from './py-errors.js';
import { shlexSplit } from './shlex.js';
import { sleep, type HarnessClock } from './wall-clock.js';

export const DEFAULT_SERVER_CMD = 'qemu-system-x86_64 {args} -qmp unix:{sock},server=on,wait=off';
export const CONNECT_TIMEOUT = 15.0;

/** {tmp} and {sock} substitution. */
export function expand(template: string, tmp: string, sock: string): string {
  return template.split('{tmp}').join(tmp).split('{sock}').join(sock);
}

/**
 * The server's argv: the template split like a shell command line, a word
 * `{args}` replaced by the scenario's argument words. Throws ShlexError.
 */
export function buildCommand(serverCmd: string, scn: Scenario, tmp: string, sock: string): string[] {
  const args = shlexSplit(expand(argsText(scn), tmp, sock));
  const cmd: string[] = [];
  for (const tok of shlexSplit(serverCmd)) {
    if (tok === '{args}') cmd.push(...args);
    else cmd.push(expand(tok, tmp, sock));
  }
  return cmd;
}

export class ServerProcess {
  private exitPromise: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.exitPromise = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Spawn argv in cwd with stdout+stderr to logPath, in a new session. Throws PyOSError. */
  static async start(argv: string[], cwd: string, logPath: string): Promise<ServerProcess> {
    const fd = openSync(logPath, 'w');
    try {
      const child = spawn(argv[0], argv.slice(1), { cwd, stdio: ['ignore', fd, fd], detached: true });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (e) => reject(pyOSError(e, argv[0])));
      });
      return new ServerProcess(child);
    } finally {
      closeSync(fd);
    }
  }

  private async waitExit(clock: HarnessClock, seconds: number): Promise<boolean> {
    if (this.exited) return true;
    let done = false;
    await Promise.race([this.exitPromise.then(() => (done = true)), sleep(clock, seconds * 1000)]);
    return done || this.exited;
  }

  /** End the server's process group (it was started as its leader). */
  async killGroup(clock: HarnessClock): Promise<void> {
    if (this.exited) return;
    const pid = this.child.pid!;
    for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
      try {
        process.kill(-pid, sig);
      } catch {
        return;
      }
      if (await this.waitExit(clock, 5)) return;
    }
  }
}
