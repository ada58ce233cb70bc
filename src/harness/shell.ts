// `# setup:` and `shell` steps: /bin/sh -c CMD in the scratch directory, its
// stdout and stderr interleaved in one capture (like stderr=STDOUT).
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ShellResult {
  /** exit status; minus the signal number if killed (Python's returncode) */
  status: number;
  output: Buffer;
}

export async function runShell(cmd: string, cwd: string): Promise<ShellResult> {
  // the capture file lives outside the scratch directory, which the command may list
  const dir = mkdtempSync(join(tmpdir(), 'qmpsh-'));
  const path = join(dir, 'out');
  const fd = openSync(path, 'w');
  try {
    const status = await new Promise<number>((resolve) => {
      const child = spawn('/bin/sh', ['-c', cmd], { cwd, stdio: ['inherit', fd, fd] });
      child.once('error', () => resolve(127));
      child.once('exit', (code, signal) =>
        resolve(code ?? -((constants.signals as Record<string, number>)[signal ?? ''] ?? 0)),
      );
    });
    return { status, output: readFileSync(path) };
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}
