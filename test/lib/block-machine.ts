// A Machine with a block configuration, stepped by hand (virtual clock,
// no sockets), and a scratch directory for image files.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Machine } from '../../src/machine/machine.js';
import { VersionInfo } from '../../src/machine/version.js';
import { defaultMachineConfig, type MachineConfig } from '../../src/machine/config.js';
import type { QapiEvent } from '../../src/system/qapi-event.js';

export interface BlockVm {
  machine: Machine;
  events: QapiEvent[];
  logs: string[];
  dir: string;
  /** run what is runnable now (no virtual time passes) */
  settle(): void;
  /** run, moving virtual time forward as needed, until cond() holds (false: it never did) */
  until(cond: () => boolean): boolean;
  close(): void;
}

/** A scratch directory with raw images of the given sizes (sparse files). */
export function scratchDir(images: Record<string, number> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'qmp-sim-block-'));
  for (const [name, size] of Object.entries(images)) {
    writeFileSync(join(dir, name), Buffer.alloc(0));
    execFileSync('truncate', ['-s', String(size), join(dir, name)]);
  }
  return dir;
}

export function blockVm(config: Partial<MachineConfig> = {}, opts: { dir?: string; images?: Record<string, number> } = {}): BlockVm {
  const dir = opts.dir ?? scratchDir(opts.images);
  const logs: string[] = [];
  const machine = new Machine(
    { ...defaultMachineConfig(), clock: 'virtual', nodefaults: true, imageDirs: [dir], ...config },
    { version: VersionInfo.recorded(), log: (m) => logs.push(m), live: false },
  );
  const events: QapiEvent[] = [];
  machine.events.subscribe((e) => events.push(e));
  machine.start();
  const settle = () => {
    machine.kernel.runUntilIdle();
  };
  const until = (cond: () => boolean) => machine.kernel.runUntil(cond, { maxNs: 10e9 });
  settle();
  return {
    machine,
    events,
    logs,
    dir,
    settle,
    until,
    close() {
      machine.destroy();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
