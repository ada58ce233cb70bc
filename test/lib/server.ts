// Spawns bin/qmp-sim serve for integration tests.

import { spawn, ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { qmpSimBin } from './paths.js';

export interface SpawnedServer {
  dir: string;
  sock: string;
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  kill(): Promise<void>;
}

export function spawnServer(args: string[], opts: { setup?: (dir: string) => void } = {}): SpawnedServer {
  const dir = mkdtempSync(join(tmpdir(), 'qmp-sim-test-'));
  const sock = join(dir, 'qmp.sock');
  const argv = ['serve', ...args, '-qmp', `unix:${sock},server=on,wait=off`];
  opts.setup?.(dir);
  const proc = spawn(qmpSimBin, argv, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)));
  return {
    dir,
    sock,
    proc,
    output: () => out,
    exited,
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The environment without tap's loader hooks (NODE_OPTIONS), as a user would run it. */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  for (const k of Object.keys(env)) if (k.startsWith('TAP') || k.startsWith('_TAPJS')) delete env[k];
  return env;
}
