// `npm run test:libvirt`: the libvirt tier (test/libvirt/*.tier.ts, one at a
// time: each starts its own private libvirtd) through tap; ends with
// "N passed, N failed" like test/run.ts. Skips, saying so, when libvirtd is
// not installed. QMP_SIM_LIBVIRT_EMULATOR=qemu runs the same steps against
// real QEMU, to compare what virsh prints.

import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { haveLibvirt } from './libvirt-env.js';

const here = dirname(fileURLToPath(import.meta.url)); // dist/test/libvirt
const root = dirname(dirname(dirname(here)));
const tierDir = join(root, 'test', 'libvirt');

if (!haveLibvirt()) {
  process.stdout.write('# libvirt tier SKIPPED: libvirtd, virsh or unshare is not installed (apt-get install libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients)\n');
  process.stdout.write('\n0 passed, 0 failed\n');
} else {
  const only = process.argv.slice(2);
  const files = readdirSync(tierDir)
    .filter((n) => n.endsWith('.tier.ts'))
    .sort()
    .map((n) => join(tierDir, n))
    .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
  const tapBin = join(root, 'node_modules', 'tap', 'dist', 'esm', 'run.mjs');
  const child = spawn(
    process.execPath,
    [tapBin, '--disable-coverage', '--allow-empty-coverage', '-R', 'tap', '--timeout', '900', '-j', '1', ...files.map((f) => relative(root, f))],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env } },
  );
  let tail = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    process.stdout.write(chunk);
    tail = (tail + chunk).slice(-4000);
  });
  child.on('close', (code) => {
    // tap's closing summary: "# { total: 12, pass: 11, fail: 1, ... }"
    const m = /#\s*\{\s*total:\s*(\d+)([^}]*)\}/.exec(tail);
    const field = (k: string) => Number(new RegExp(`${k}:\\s*(\\d+)`).exec(m?.[2] ?? '')?.[1] ?? 0);
    const pass = field('pass');
    let fail = m ? field('fail') : 1;
    if (code !== 0 && fail === 0) fail = 1;
    process.stdout.write(`\n${pass} passed, ${fail} failed\n`);
    process.exitCode = fail === 0 && code === 0 ? 0 : 1;
  });
}
