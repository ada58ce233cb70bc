// What the libvirt tier's files share: which commands qmp-sim models (steps
// that need a missing one are tap todo), polling virsh until a state shows,
// and the expected virsh texts (recorded against real QEMU 7.2 + libvirt 9.0).

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../lib/paths.js';
import type { LibvirtEnv } from './libvirt-env.js';

/** Commands `qmp-sim commands` lists as modelled. */
export function modelledCommands(): Set<string> {
  const out = execFileSync(process.execPath, [join(repoRoot, 'bin', 'qmp-sim'), 'commands'], { encoding: 'utf8' });
  return new Set(
    out
      .split('\n')
      .map((l) => /^modelled\s+(\S+)/.exec(l)?.[1])
      .filter((n): n is string => n !== undefined),
  );
}

/** undefined when every command is there (or the emulator is real QEMU), else a todo reason. */
export function todoUnless(env: LibvirtEnv, have: Set<string>, ...commands: string[]): string | undefined {
  if (env.kind === 'qemu') return undefined;
  const missing = commands.filter((c) => !have.has(c));
  return missing.length ? `qmp-sim does not model ${missing.join(', ')} yet` : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `virsh domstate --reason` until it prints `want` (or the tries run out); returns the last text. */
export async function waitDomstate(env: LibvirtEnv, dom: string, want: string, tries = 300): Promise<string> {
  let last = '';
  for (let i = 0; i < tries; i++) {
    last = (await env.virsh('domstate', '--reason', dom)).stdout.trim();
    if (last === want) return last;
    await sleep(100);
  }
  return last;
}

/** virsh's table of `domblklist` (header, rule, rows), as virsh 9.0 prints it. */
export function blkTable(rows: [string, string][]): string {
  const w = Math.max('Source'.length, ...rows.map((r) => r[1].length));
  const line = (a: string, b: string) => ` ${a.padEnd(8)} ${b}`.trimEnd();
  return [line('Target', 'Source'), '-'.repeat(w + 12), ...rows.map(([a, b]) => line(a, b))].join('\n');
}
