// A private libvirtd for the libvirt tier: real libvirtd 9.0 in its own
// mount namespace, whose /etc/libvirt, /run/libvirt, /var/{lib,cache,log}/libvirt
// are bind mounts of one scratch directory, so it shares nothing with any
// other libvirtd on the machine. virsh reaches it from outside through
// qemu:///system?socket=DIR/run/libvirt-sock. See /work/notes/libvirt-setup.md.

import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../lib/paths.js';
import { alive } from '../lib/process-alive.js';

export type EmulatorKind = 'qmp-sim' | 'qemu';

export interface VirshResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface LibvirtEnv {
  dir: string;
  uri: string;
  kind: EmulatorKind;
  /** the <emulator> of the tier's domains */
  emulator: string;
  imgDir: string;
  /** DIR/<guest name>.sock: each qmp-sim VM's control channel */
  controlDir: string;
  virsh(...args: string[]): Promise<VirshResult>;
  /** SIGTERM libvirtd, wait for it to exit, start a new one on the same dirs */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** the domain's QEMU log (libvirt's stdio_handler "file") */
  domainLog(name: string): string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function haveLibvirt(): boolean {
  return ['libvirtd', 'virsh', 'unshare'].every((c) => {
    try {
      execFileSync('sh', ['-c', `command -v ${c}`], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
}

/** The user and groups libvirt's QEMU driver looks up even with user = "root". */
function ensureAccounts(): void {
  const has = (db: string, name: string) => {
    try {
      execFileSync('getent', [db, name], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (!has('group', 'kvm')) execFileSync('groupadd', ['-r', 'kvm']);
  if (!has('group', 'libvirt-qemu')) execFileSync('groupadd', ['-r', 'libvirt-qemu']);
  if (!has('passwd', 'libvirt-qemu')) {
    execFileSync('useradd', ['-r', '-g', 'libvirt-qemu', '-G', 'kvm', '-d', '/var/lib/libvirt', '-s', '/usr/sbin/nologin', 'libvirt-qemu']);
  }
}

const QEMU_CONF = `user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
`;

const BIND = [
  ['etc', '/etc/libvirt'],
  ['run', '/run/libvirt'],
  ['lib', '/var/lib/libvirt'],
  ['cache', '/var/cache/libvirt'],
  ['log', '/var/log/libvirt'],
] as const;

/** Writes the scratch tree, the configs, the start script and (for qmp-sim) the emulator wrapper. */
function layout(dir: string, kind: EmulatorKind): { emulator: string; binDir: string } {
  for (const [sub, target] of BIND) {
    mkdirSync(join(dir, sub), { recursive: true });
    mkdirSync(target, { recursive: true }); // the mount point
  }
  for (const sub of ['img', 'control', 'bin']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'etc', 'qemu.conf'), QEMU_CONF);
  writeFileSync(
    join(dir, 'etc', 'libvirtd.conf'),
    `auth_unix_rw = "none"\nauth_unix_ro = "none"\nlog_filters = "1:qemu.qemu_monitor 3:*"\nlog_outputs = "1:file:${dir}/libvirtd.log"\n`,
  );
  const binDir = join(dir, 'bin');
  // libvirt starts the emulator with a scrubbed environment: the wrapper puts
  // back what qmp-sim needs (its control channel and image directories).
  const wrapper = join(binDir, 'qemu-system-x86_64');
  if (kind === 'qmp-sim') {
    writeFileSync(
      wrapper,
      `#!/bin/sh\nQMP_SIM_CONTROL_DIR='${dir}/control' QMP_SIM_IMAGE_DIRS='${dir}/img' exec '${process.execPath}' '${join(repoRoot, 'bin', 'qmp-sim-qemu')}' "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
  }
  const mounts = BIND.map(([sub, target]) => `mount --bind '${dir}/${sub}' ${target}`).join('\n');
  const path = kind === 'qmp-sim' ? `${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}` : (process.env.PATH ?? '/usr/bin:/bin');
  writeFileSync(
    join(dir, 'start.sh'),
    `#!/bin/sh\nset -e\nmount --make-rprivate /\n${mounts}\nexport PATH='${path}'\nexec libvirtd -d --config /etc/libvirt/libvirtd.conf --pid-file '${dir}/libvirtd.pid'\n`,
  );
  chmodSync(join(dir, 'start.sh'), 0o755);
  return { emulator: kind === 'qmp-sim' ? wrapper : '/usr/bin/qemu-system-x86_64', binDir };
}

function run(cmd: string, args: string[], timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<VirshResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) + (err && (err as { killed?: boolean }).killed ? `\n[killed after ${timeoutMs} ms]` : '') });
    });
  });
}

/** Start a private libvirtd (tier-wide; QMP_SIM_LIBVIRT_EMULATOR=qemu points the domains at real QEMU). */
export async function startLibvirt(opts: { dir?: string; kind?: EmulatorKind } = {}): Promise<LibvirtEnv> {
  const kind: EmulatorKind = opts.kind ?? (process.env.QMP_SIM_LIBVIRT_EMULATOR === 'qemu' ? 'qemu' : 'qmp-sim');
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'qmp-sim-libvirt-'));
  ensureAccounts();
  const { emulator } = layout(dir, kind);
  const uri = `qemu:///system?socket=${dir}/run/libvirt-sock`;
  const pidOf = () => {
    try {
      return Number(readFileSync(join(dir, 'libvirtd.pid'), 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  };
  const virsh = (...args: string[]) => run('virsh', ['-c', uri, ...args], 180_000, { ...process.env, LC_ALL: 'C' });
  const launch = async () => {
    const r = await run('unshare', ['-m', join(dir, 'start.sh')], 60_000);
    if (r.code !== 0) throw new Error(`cannot start libvirtd in a private mount namespace (unshare -m): ${r.stderr.trim()}`);
    // ready once it answers
    for (let i = 0; i < 300; i++) {
      if (existsSync(join(dir, 'run', 'libvirt-sock')) && (await virsh('uri')).code === 0) return;
      await sleep(100);
    }
    throw new Error(`libvirtd did not come up; see ${dir}/libvirtd.log`);
  };
  const stop = async () => {
    const pid = pidOf();
    if (pid === undefined || !alive(pid)) return;
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 600 && alive(pid); i++) await sleep(50);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  };
  await launch();
  return {
    dir,
    uri,
    kind,
    emulator,
    imgDir: join(dir, 'img'),
    controlDir: join(dir, 'control'),
    virsh,
    async restart() {
      await stop();
      await launch();
    },
    stop,
    domainLog: (name) => {
      try {
        return readFileSync(join(dir, 'log', 'qemu', `${name}.log`), 'utf8');
      } catch {
        return '';
      }
    },
  };
}

/** Destroy and undefine what a test left, stop libvirtd, remove the scratch dir (kept with QMP_SIM_LIBVIRT_KEEP=1). */
export async function teardownLibvirt(env: LibvirtEnv, domains: string[]): Promise<void> {
  for (const d of domains) {
    await env.virsh('destroy', d);
    await env.virsh('undefine', d);
  }
  await env.stop();
  if (process.env.QMP_SIM_LIBVIRT_KEEP !== '1') rmSync(env.dir, { recursive: true, force: true });
}
