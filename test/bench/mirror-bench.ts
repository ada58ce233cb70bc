// Mirror throughput: drive-mirror sync full of a file-backed raw image to a
// new raw target, then block-job-complete; MB/s = source size / wall time
// from the drive-mirror command to BLOCK_JOB_COMPLETED. The same QMP
// sequence runs against qmp-sim and real QEMU.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, writeSync, closeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QmpTestClient } from '../lib/qmp-client.js';
import { cleanEnv } from '../lib/server.js';

export interface MirrorImage {
  /** bytes */
  size: number;
  /** bytes written with a pattern from offset 0 (the rest stays a hole) */
  dense: number;
}

/** Makes a raw image of `size` bytes whose first `dense` bytes hold a pattern. */
export function makeImage(path: string, img: MirrorImage): void {
  const fd = openSync(path, 'w');
  try {
    ftruncateSync(fd, img.size);
    const chunk = Buffer.alloc(4 << 20);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31 + 7) & 0xff;
    for (let off = 0; off < img.dense; off += chunk.length) {
      writeSync(fd, chunk, 0, Math.min(chunk.length, img.dense - off), off);
    }
  } finally {
    closeSync(fd);
  }
}

async function waitEvent(c: QmpTestClient, name: string, ms: number): Promise<any> {
  for (;;) {
    const m = await c.next(ms);
    if (m?.event === name) return m;
    if (m?.event === 'BLOCK_JOB_COMPLETED' && m.data?.error) throw new Error(`mirror failed: ${m.data.error}`);
  }
}

async function expectReturn(c: QmpTestClient, what: string): Promise<void> {
  for (;;) {
    const m = await c.next(60000);
    if (m?.error) throw new Error(`${what}: ${m.error.desc}`);
    if (m?.return !== undefined) return;
  }
}

/**
 * Runs one mirror and returns MB/s (10^6 bytes per second of the source
 * size). `argv(sock, image)` starts the server.
 */
export async function mirrorMBps(argv: (sock: string, image: string) => string[], img: MirrorImage, timeoutMs = 600000): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'qmp-bench-mirror-'));
  const src = join(dir, 'src.img');
  const dst = join(dir, 'dst.img');
  makeImage(src, img);
  const sock = join(dir, 'qmp.sock');
  const args = argv(sock, src);
  const proc = spawn(args[0], args.slice(1), { cwd: dir, stdio: 'ignore', env: cleanEnv() });
  try {
    const c = await QmpTestClient.connectRetry(sock);
    await c.next(); // greeting
    c.send('{"execute": "qmp_capabilities"}\n');
    await expectReturn(c, 'qmp_capabilities');
    const t0 = performance.now();
    c.send(JSON.stringify({ execute: 'drive-mirror', arguments: { device: 'drive0', 'job-id': 'm0', target: dst, format: 'raw', sync: 'full', mode: 'absolute-paths' } }) + '\n');
    await expectReturn(c, 'drive-mirror');
    await waitEvent(c, 'BLOCK_JOB_READY', timeoutMs);
    c.send('{"execute": "block-job-complete", "arguments": {"device": "m0"}}\n');
    await expectReturn(c, 'block-job-complete');
    await waitEvent(c, 'BLOCK_JOB_COMPLETED', timeoutMs);
    const secs = (performance.now() - t0) / 1000;
    c.close();
    return img.size / 1e6 / secs;
  } finally {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Server argv for a VM with drive0 = the raw image on an IDE disk. */
export function mirrorArgv(bin: string[], common: string[] = []): (sock: string, image: string) => string[] {
  return (sock, image) => [
    ...bin,
    '-S',
    ...common,
    '-machine',
    'pc',
    '-drive',
    `if=none,id=drive0,file=${image},format=raw`,
    '-device',
    'ide-hd,drive=drive0,id=disk0',
    '-qmp',
    `unix:${sock},server=on,wait=off`,
  ];
}

/** True when qmp-sim answers drive-mirror (the job layer is built). */
export function simHasMirror(qmpSim: string): boolean {
  const r = spawnSync(qmpSim, ['commands'], { encoding: 'utf8', env: cleanEnv() });
  return r.status === 0 && r.stdout.split('\n').some((l) => l.endsWith(' drive-mirror') && !l.startsWith('not modelled'));
}
