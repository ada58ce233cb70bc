// Runs tap over test files and ends the output with "N passed, N failed"
// (assertions), the line CI reads. Shared by `npm test` and the libvirt tier.

import { spawn } from 'node:child_process';
import { join, relative } from 'node:path';

export function runTap(root: string, files: string[], opts: { timeoutSec: number; jobs: number }): void {
  const tapBin = join(root, 'node_modules', 'tap', 'dist', 'esm', 'run.mjs');
  const child = spawn(
    process.execPath,
    [tapBin, '--disable-coverage', '--allow-empty-coverage', '-R', 'tap', '--timeout', String(opts.timeoutSec), '-j', String(opts.jobs), ...files.map((f) => relative(root, f))],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env } },
  );
  let tail = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    process.stdout.write(chunk);
    tail = (tail + chunk).slice(-4000);
  });
  child.on('close', (code) => {
    // tap's closing summary: "# { total: 12, pass: 11, fail: 1, skip: 0 }"
    const m = /#\s*\{\s*total:\s*(\d+)([^}]*)\}/.exec(tail);
    const field = (k: string) => Number(new RegExp(`${k}:\\s*(\\d+)`).exec(m?.[2] ?? '')?.[1] ?? 0);
    const pass = field('pass');
    let fail = m ? field('fail') : 1;
    if (code !== 0 && fail === 0) fail = 1;
    process.stdout.write(`\n${pass} passed, ${fail} failed\n`);
    process.exitCode = fail === 0 && code === 0 ? 0 : 1;
  });
}
