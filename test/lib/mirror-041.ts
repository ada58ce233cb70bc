// Helpers for the iotest-041 parity suite (test/mirror-041-*.test.ts):
// replaying the QEMU 7.2 goldens of fixtures/qemu-7.2/mirror-041 against
// qmp-sim, and an in-process VM on the virtual clock for what a transcript
// cannot pin (progress frozen while paused, rate limits, bytes).

import type { Test } from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayMain } from '../../src/harness/replay.js';
import { inProcessVm, type InProcessVm } from './in-process.js';
import { fixturesDir, haveCommand } from './paths.js';

export const dir041 = join(fixturesDir, 'mirror-041');

/** Findings in /work/notes/041-findings.md that keep a scenario todo: name → "finding N: ...". */
export type Todo041 = Readonly<Record<string, string>>;

/**
 * Replays fixtures/qemu-7.2/mirror-041/<name>.scn against bin/qmp-sim, one
 * assertion per scenario: qmp-sim's transcript equals QEMU 7.2's.
 */
export async function replay041(t: Test, names: readonly string[], todo: Todo041 = {}): Promise<void> {
  for (const n of Object.keys(todo)) if (!names.includes(n)) throw new Error(`todo for unknown scenario ${n}`);
  const paths = names.map((n) => join(dir041, `${n}.scn`));
  for (const [i, p] of paths.entries()) {
    t.ok(existsSync(p) && existsSync(p.replace(/\.scn$/, '.golden')), `${names[i]}: scenario and QEMU 7.2 golden exist`);
  }
  if (!haveCommand('qemu-img') || !haveCommand('qemu-io')) {
    t.pass('replay of the 041 goldens', { skip: 'needs qemu-img and qemu-io for the scenarios\' setup' });
    return;
  }
  const lines: string[] = [];
  await replayMain({ paths, target: 'sim', out: (l) => lines.push(l), err: () => {}, jobs: 4 });
  for (const name of names) {
    const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const line = lines.find((l) => new RegExp(`^(PASS|FAIL) (.*/)?${esc}(:|$)`).test(l));
    const ok = line?.startsWith('PASS') ?? false;
    t.ok(ok, `${name}: qmp-sim's transcript matches QEMU 7.2`, { found: line, ...(todo[name] ? { todo: todo[name] } : {}) });
  }
}

/** One VM in this process on the virtual clock, with raw images in a scratch directory. */
export interface Vm041 {
  vm: InProcessVm;
  dir: string;
  /** send one command, run until its reply arrives (virtual time moves if needed) */
  qmp(execute: string, args?: Record<string, unknown>): any;
  /** events seen so far (optionally of one name) */
  events(name?: string): any[];
  nowNs(): number;
  /** run, moving virtual time, for ns nanoseconds */
  runFor(ns: number): void;
  /** run, moving virtual time, until cond() holds (false: not within maxNs) */
  runUntil(cond: () => boolean, maxNs?: number): boolean;
  close(): void;
}

export interface Vm041Options {
  /** raw images to create: name → bytes */
  images?: Record<string, Buffer>;
  drives?: string[];
  devices?: string[];
  blockdevs?: string[];
  seed?: number;
}

/** A buffer of `size` bytes: 512-byte sectors stamped with their index and `tag`. */
export function patterned(size: number, tag = 0x5a): Buffer {
  const b = Buffer.alloc(size, tag);
  for (let off = 0; off + 8 <= size; off += 512) {
    b.writeUInt32BE(off / 512, off);
    b.writeUInt32BE(tag, off + 4);
  }
  return b;
}

export function vm041(o: Vm041Options = {}): Vm041 {
  const dir = mkdtempSync(join(tmpdir(), 'qmp-sim-041-'));
  for (const [name, data] of Object.entries(o.images ?? {})) writeFileSync(join(dir, name), data);
  const sub = (s: string) => s.replaceAll('{tmp}', dir);
  const vm = inProcessVm({
    nodefaults: true,
    startPaused: true,
    seed: o.seed ?? 1,
    imageDirs: [dir],
    drives: (o.drives ?? []).map(sub),
    devices: (o.devices ?? []).map(sub),
    blockdevs: (o.blockdevs ?? []).map(sub),
  });
  const k = vm.machine.kernel;
  const parsed = (): any[] => vm.out.map((l) => {
    try {
      return JSON.parse(l);
    } catch {
      return { unparsed: l };
    }
  });
  let n = 0;
  const qmp = (execute: string, args?: Record<string, unknown>) => {
    const id = `041-${++n}`;
    const msg = args ? { execute, arguments: JSON.parse(sub(JSON.stringify(args))), id } : { execute, id };
    vm.feed(JSON.stringify(msg) + '\n');
    const find = () => parsed().find((m) => m.id === id);
    vm.settle();
    if (!find()) k.runUntil(() => find() !== undefined, { maxNs: k.nowNs() + 30e9 });
    const r = find();
    if (!r) throw new Error(`no reply to ${execute} within 30 s of virtual time`);
    return r;
  };
  qmp('qmp_capabilities');
  return {
    vm,
    dir,
    qmp,
    events: (name) => parsed().filter((m) => m.event !== undefined && (name === undefined || m.event === name)),
    nowNs: () => k.nowNs(),
    runFor(ns) {
      k.advance(ns);
    },
    runUntil: (cond, maxNs = 60e9) => k.runUntil(cond, { maxNs: k.nowNs() + maxNs }),
    close() {
      vm.machine.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The bytes of an image file in the VM's scratch directory. */
export function imageBytes(v: Vm041, name: string): Buffer {
  return readFileSync(join(v.dir, name));
}
