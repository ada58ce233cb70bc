// `npm run bench`: qmp-sim against real QEMU 7.2, measured in the same run.
// Not a test: prints figures and ratios (targets in README.md).
//   spawn → greeting (and a minimal node:net server that only greets)
//   sequential query-status round trip p50 / p99
//   pipelined query-status per second, window 64
//   RSS of the server after the run
//   mirror MB/s: 1 GiB dense raw image, and a 100 GiB sparse one (BENCH_MIRROR=0 skips)
//   seeds per minute of the mirror-pivot property test (BENCH_SEEDS, 0 skips)
//   libvirt: cold capability probe and virsh start, qmp-sim vs QEMU (BENCH_LIBVIRT=0 skips)

import { spawn, ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haveCommand, qmpSimBin } from '../lib/paths.js';
import { cleanEnv } from '../lib/server.js';
import { mirrorArgv, mirrorMBps, simHasMirror } from './mirror-bench.js';
import { pivotSeedsPerMinute } from './pivot-seeds-bench.js';
import { libvirtBench } from './libvirt-bench.js';

interface Target {
  name: string;
  argv: (sock: string) => string[];
}

interface Figures {
  spawnMs: number;
  rttP50Us?: number;
  rttP99Us?: number;
  pipelinedPerSec?: number;
  rssKiB?: number;
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2000);
const PIPELINED = Number(process.env.BENCH_PIPELINED ?? 20000);
const SPAWNS = Number(process.env.BENCH_SPAWNS ?? 7);
const SEEDS = Number(process.env.BENCH_SEEDS ?? 2000);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))];
}

async function connectRetry(path: string, proc: ChildProcess): Promise<net.Socket> {
  for (;;) {
    if (proc.exitCode !== null) throw new Error('server exited');
    const s = await new Promise<net.Socket | undefined>((resolve) => {
      const c = net.connect(path, () => resolve(c));
      c.once('error', () => resolve(undefined));
    });
    if (s) return s;
    await new Promise((r) => setTimeout(r, 1));
  }
}

class LineReader {
  private buf = '';
  private waiting: ((l: string) => void)[] = [];
  private lines: string[] = [];
  constructor(sock: net.Socket) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf('\r\n')) >= 0) {
        const l = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 2);
        const w = this.waiting.shift();
        if (w) w(l);
        else this.lines.push(l);
      }
    });
  }
  next(): Promise<string> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    return new Promise((r) => this.waiting.push(r));
  }
}

function rssKiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

async function measure(t: Target, full: boolean): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'qmp-bench-'));
  const sock = join(dir, 'qmp.sock');
  const t0 = performance.now();
  const proc = spawn(t.argv(sock)[0], t.argv(sock).slice(1), { cwd: dir, stdio: 'ignore', env: cleanEnv() });
  try {
    const s = await connectRetry(sock, proc);
    const r = new LineReader(s);
    await r.next(); // greeting
    const spawnMs = performance.now() - t0;
    if (!full) return { spawnMs };
    s.write('{"execute": "qmp_capabilities"}\n');
    await r.next();
    const rtts: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const a = performance.now();
      s.write('{"execute": "query-status"}\n');
      await r.next();
      rtts.push((performance.now() - a) * 1000);
    }
    const b = performance.now();
    let sent = 0;
    let got = 0;
    const window = 64;
    while (sent < window) {
      s.write('{"execute": "query-status"}\n');
      sent++;
    }
    while (got < PIPELINED) {
      await r.next();
      got++;
      if (sent < PIPELINED) {
        s.write('{"execute": "query-status"}\n');
        sent++;
      }
    }
    const secs = (performance.now() - b) / 1000;
    const rss = rssKiB(proc.pid!);
    s.destroy();
    return { spawnMs, rttP50Us: pct(rtts, 50), rttP99Us: pct(rtts, 99), pipelinedPerSec: PIPELINED / secs, rssKiB: rss };
  } finally {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

async function spawnMedian(t: Target): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < SPAWNS; i++) xs.push((await measure(t, false)).spawnMs);
  return median(xs);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'qmp-bench-greeter-'));
  const greeter = join(dir, 'greeter.mjs');
  writeFileSync(
    greeter,
    `import * as net from 'node:net';\n` +
      `const path = process.argv[2].replace(/^unix:/, '').split(',')[0];\n` +
      `net.createServer((s) => s.write('{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}\\r\\n')).listen(path);\n`,
  );
  const sim: Target = { name: 'qmp-sim', argv: (sock) => [qmpSimBin, 'serve', '-S', '-machine', 'pc', '-qmp', `unix:${sock},server=on,wait=off`] };
  const qemu: Target = { name: 'qemu', argv: (sock) => ['qemu-system-x86_64', '-S', '-nodefaults', '-display', 'none', '-machine', 'pc', '-qmp', `unix:${sock},server=on,wait=off`] };
  const bare: Target = { name: 'node:net greeter', argv: (sock) => [process.execPath, greeter, `unix:${sock}`] };
  const haveQemu = haveCommand('qemu-system-x86_64');

  const rows: [string, string, string, string][] = [];
  const fmt = (x: number | undefined, d = 0) => (x === undefined ? '-' : x.toFixed(d));
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '-' : (a / b).toFixed(2) + '×');

  const simSpawn = await spawnMedian(sim);
  const bareSpawn = await spawnMedian(bare);
  const qemuSpawn = haveQemu ? await spawnMedian(qemu) : undefined;
  const simF = await measure(sim, true);
  const qemuF = haveQemu ? await measure(qemu, true) : undefined;
  rmSync(dir, { recursive: true, force: true });

  rows.push(['spawn → greeting, ms (median of ' + SPAWNS + ')', fmt(simSpawn, 1), fmt(qemuSpawn, 1), `${ratio(simSpawn, qemuSpawn)} QEMU; ${ratio(simSpawn, bareSpawn)} bare node:net greeter (${fmt(bareSpawn, 1)} ms; target ≤ 1.25×)`]);
  rows.push(['query-status round trip p50, µs', fmt(simF.rttP50Us), fmt(qemuF?.rttP50Us), `${ratio(simF.rttP50Us, qemuF?.rttP50Us)} (target ≤ 0.25×)`]);
  rows.push(['query-status round trip p99, µs', fmt(simF.rttP99Us), fmt(qemuF?.rttP99Us), ratio(simF.rttP99Us, qemuF?.rttP99Us)]);
  rows.push(['pipelined query-status / s (window 64)', fmt(simF.pipelinedPerSec), fmt(qemuF?.pipelinedPerSec), `${ratio(simF.pipelinedPerSec, qemuF?.pipelinedPerSec)} (target ≥ 10×)`]);
  rows.push(['RSS after the run, MiB', fmt((simF.rssKiB ?? NaN) / 1024, 1), fmt(qemuF?.rssKiB === undefined ? undefined : qemuF.rssKiB / 1024, 1), ratio(simF.rssKiB, qemuF?.rssKiB)]);

  if (process.env.BENCH_MIRROR !== '0') {
    const gib = 1 << 30;
    const sims = [qmpSimBin, 'serve'];
    const qemus = ['qemu-system-x86_64', '-nodefaults', '-display', 'none'];
    if (!simHasMirror(qmpSimBin)) {
      rows.push(['mirror 1 GiB dense raw, MB/s', '-', '-', 'qmp-sim has no drive-mirror yet']);
    } else {
      for (const [label, img] of [
        ['mirror 1 GiB dense raw, MB/s', { size: gib, dense: gib }],
        ['mirror 100 GiB sparse raw (64 MiB written), MB/s', { size: 100 * gib, dense: 64 << 20 }],
      ] as const) {
        const simMB = await mirrorMBps(mirrorArgv(sims), img);
        const qemuMB = haveQemu ? await mirrorMBps(mirrorArgv(qemus), img) : undefined;
        rows.push([label, fmt(simMB), fmt(qemuMB), `${ratio(simMB, qemuMB)}${label.includes('dense') ? ' (target ≥ 1.0×)' : ''}`]);
      }
    }
  }

  if (SEEDS > 0) {
    const r = pivotSeedsPerMinute(SEEDS);
    rows.push([
      `mirror pivot property test, seeds/min (${r.seeds} seeds)`,
      fmt(r.perMinute),
      '-',
      `${fmt(r.perCpuMinute)} per CPU-minute; ${r.failed} failed (target ≥ 10000/min)`,
    ]);
  }

  if (process.env.BENCH_LIBVIRT !== '0') {
    for (const r of await libvirtBench()) {
      rows.push([r.measure, fmt(r.sim), fmt(r.qemu), `${ratio(r.sim, r.qemu)}${r.note ? ` ${r.note}` : ''}`]);
    }
  }

  process.stdout.write(`qmp-sim benchmark${haveQemu ? '' : ' (QEMU not installed: no ratios against it)'}\n\n`);
  process.stdout.write('| measure | qmp-sim | QEMU 7.2 | ratio |\n|---|---|---|---|\n');
  for (const r of rows) process.stdout.write(`| ${r.join(' | ')} |\n`);
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e) + '\n');
  process.exitCode = 1;
});
