// A test VM with a null-co source and target and a mirror on them, stepped
// on the virtual clock; used by the job verb-table and auto-finalize tests.

import { Machine } from '../../machine/machine.js';
import { defaultMachineConfig } from '../../machine/config.js';
import { VersionInfo } from '../../machine/version.js';
import type { QapiEvent } from '../../system/qapi-event.js';
import { blockdevMirror, type BlockdevMirrorArgs } from '../mirror/mirror-start.js';
import type { MirrorJob } from '../mirror/mirror-job.js';

export interface MirrorVm {
  machine: Machine;
  events: QapiEvent[];
  logs: string[];
  job: MirrorJob;
  /** run until cond() holds, moving virtual time (false: it never did) */
  until(cond: () => boolean): boolean;
  settle(): void;
  close(): void;
}

export function mirrorVm(args: Partial<BlockdevMirrorArgs> = {}, seed = 1): MirrorVm {
  const logs: string[] = [];
  const size = 1 << 20;
  const machine = new Machine(
    {
      ...defaultMachineConfig(),
      clock: 'virtual',
      seed,
      nodefaults: true,
      imageDirs: [],
      blockdevs: [`driver=null-co,node-name=src,size=${size}`, `driver=null-co,node-name=tgt,size=${size}`],
    },
    { version: VersionInfo.recorded(), log: (m) => logs.push(m), live: false },
  );
  const events: QapiEvent[] = [];
  machine.events.subscribe((e) => events.push(e));
  machine.start();
  blockdevMirror(machine.block, machine.jobs, { 'job-id': 'job0', device: 'src', target: 'tgt', sync: 'full', ...args });
  const job = machine.jobs.get('job0') as MirrorJob;
  const k = machine.kernel;
  return {
    machine,
    events,
    logs,
    job,
    until: (cond) => k.runUntil(cond, { maxNs: k.nowNs() + 60e9 }),
    settle: () => void k.runUntilIdle(),
    close: () => machine.destroy(),
  };
}

/** The JOB_STATUS_CHANGE statuses seen so far. */
export function statusTrail(events: readonly QapiEvent[]): string[] {
  return events.filter((e) => e.event === 'JOB_STATUS_CHANGE').map((e) => String(e.data?.status));
}
