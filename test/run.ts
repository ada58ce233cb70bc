// `npm test`: runs every tap test (test/**/*.test.ts, through tap's
// TypeScript loader; bin/qmp-sim runs the build in dist/) and ends with the
// line "N passed, N failed" (assertions), which CI reads.

import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url)); // dist/test
const root = dirname(dirname(here));

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const only = process.argv.slice(2);
const files = findTests(join(root, 'test')).filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
const tapBin = join(root, 'node_modules', 'tap', 'dist', 'esm', 'run.mjs');

const child = spawn(
  process.execPath,
  [tapBin, '--disable-coverage', '--allow-empty-coverage', '-R', 'tap', '--timeout', '600', '-j', '2', ...files.map((f) => relative(root, f))],
  { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env } },
);

let tail = '';
let pass = 0;
let fail = 0;
let found = false;
child.stdout.setEncoding('utf8');
child.stdout.on('data', (chunk: string) => {
  process.stdout.write(chunk);
  tail = (tail + chunk).slice(-4000);
});
child.on('close', (code) => {
  // tap's closing summary: "# { total: 12, pass: 11, fail: 1, skip: 0 }"
  const m = /#\s*\{\s*total:\s*(\d+)([^}]*)\}/.exec(tail);
  if (m) {
    found = true;
    const field = (k: string) => Number(new RegExp(`${k}:\\s*(\\d+)`).exec(m[2])?.[1] ?? 0);
    pass = field('pass');
    fail = field('fail');
  }
  if (!found) fail = Math.max(fail, 1);
  if (code !== 0 && fail === 0) fail = 1;
  process.stdout.write(`\n${pass} passed, ${fail} failed\n`);
  process.exitCode = fail === 0 && code === 0 ? 0 : 1;
});
