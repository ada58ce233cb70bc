// Benchmark (not a test): libvirt 9.0 driving qmp-sim vs real QEMU 7.2 in the
// same private libvirtd, same run:
//   cold capability probe: the first `virsh domcapabilities --emulatorbin X`
//     (libvirt's cache is per binary and starts empty)
//   `virsh start` wall time, median of 5 (destroy in between)
// Target (issue 6): start <= 1.0x QEMU.
//   npm run build && node dist/test/bench/libvirt-bench.js

import { realpathSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { haveCommand } from '../lib/paths.js';
import { haveLibvirt, startLibvirt, teardownLibvirt, type LibvirtEnv } from '../libvirt/libvirt-env.js';
import { domainXml, makeDisks } from '../libvirt/domain-xml.js';

const QEMU = '/usr/bin/qemu-system-x86_64';

async function timed(fn: () => Promise<{ code: number; stderr: string }>): Promise<number> {
  const t0 = performance.now();
  const r = await fn();
  if (r.code !== 0) throw new Error(r.stderr.trim());
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function startTimes(env: LibvirtEnv, name: string, emulator: string, n: number): Promise<number> {
  const xml = join(env.dir, `${name}.xml`);
  writeFileSync(xml, domainXml(name, emulator, makeDisks(env.imgDir, name, ['vda'])));
  await env.virsh('define', xml);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    times.push(await timed(() => env.virsh('start', name)));
    await env.virsh('destroy', name);
  }
  return median(times);
}

export interface LibvirtBenchRow {
  measure: string;
  sim?: number;
  qemu?: number;
  note?: string;
}

export async function libvirtBench(): Promise<LibvirtBenchRow[]> {
  if (!haveLibvirt()) return [{ measure: 'libvirt', note: 'libvirtd/virsh/unshare not installed' }];
  const env = await startLibvirt({ kind: 'qmp-sim' });
  const rows: LibvirtBenchRow[] = [];
  const haveQemu = haveCommand('qemu-system-x86_64');
  try {
    const probe = (bin: string) => timed(() => env.virsh('domcapabilities', '--emulatorbin', bin, '--virttype', 'qemu', '--machine', 'pc'));
    rows.push({ measure: 'cold capability probe (virsh domcapabilities), ms', sim: await probe(env.emulator), qemu: haveQemu ? await probe(QEMU) : undefined });
    const sim = await startTimes(env, 'bench-sim', env.emulator, 5).catch((e) => {
      rows.push({ measure: 'virsh start, ms', note: `qmp-sim failed: ${(e as Error).message.split('\n')[0]}` });
      return undefined;
    });
    const qemu = haveQemu ? await startTimes(env, 'bench-qemu', QEMU, 5) : undefined;
    if (sim !== undefined) rows.push({ measure: 'virsh start (median of 5), ms', sim, qemu, note: 'target <= 1.0x' });
  } finally {
    await teardownLibvirt(env, ['bench-sim', 'bench-qemu']);
  }
  return rows;
}

async function main(): Promise<void> {
  const rows = await libvirtBench();
  const fmt = (x?: number) => (x === undefined ? '-' : x.toFixed(0));
  const ratio = (a?: number, b?: number) => (a === undefined || b === undefined ? '-' : `${(a / b).toFixed(2)}x`);
  process.stdout.write('libvirt 9.0 benchmark\n\n| measure | qmp-sim | QEMU 7.2 | ratio | note |\n|---|---|---|---|---|\n');
  for (const r of rows) process.stdout.write(`| ${r.measure} | ${fmt(r.sim)} | ${fmt(r.qemu)} | ${ratio(r.sim, r.qemu)} | ${r.note ?? ''} |\n`);
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`libvirt bench: ${(e as Error)?.stack ?? e}\n`);
    process.exitCode = 1;
  });
}
