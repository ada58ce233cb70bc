// `npm run test:libvirt`: the libvirt tier (test/libvirt/*.tier.ts, one at a
// time: each starts its own private libvirtd) through tap; ends with
// "N passed, N failed" like test/run.ts. Skips, saying so, when libvirtd is
// not installed. QMP_SIM_LIBVIRT_EMULATOR=qemu runs the same steps against
// real QEMU, to compare what virsh prints.

import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { haveLibvirt } from './libvirt-env.js';
import { runTap } from '../lib/tap-runner.js';

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
  runTap(root, files, { timeoutSec: 900, jobs: 1 });
}
