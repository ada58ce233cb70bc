// qapi/machine.json and qapi/machine-target.json: query-target, query-kvm,
// query-uuid, query-name, query-machines, the CPU queries
// (hw/core/machine-qmp-cmds.c, hw/core/machine-hmp-cmds.c, target/i386/cpu.c).
// CPUs come from the machine's -smp; their QOM properties from the recording.

import { QmpError } from '../qapi/error.js';
import type { Machine } from '../machine/machine.js';
import type { CommandDef } from './registry.js';
import { wireOrder } from './block-core.js';
import { recordedQuery, replay, targetRecording, type Recorded } from './target-profile.js';

/** The -cpu model (x86: qemu64 unless the command line says otherwise). */
function cpuModel(machine: Machine): string {
  return machine.config.cpuModel;
}

/** x86 CPUs: none on -machine none; -smp N with the 7.2 default topology (sockets first). */
function cpuCount(machine: Machine): number {
  return machine.config.machineType === 'none' ? 0 : Math.max(1, machine.config.smp);
}

function cpuPath(i: number): string {
  return `/machine/unattached/device[${i}]`;
}

/** x86_cpu_apic_id_from_index with one core and one thread per socket. */
function cpuTopology(i: number): { 'socket-id': number; 'core-id': number; 'thread-id': number } {
  return { 'socket-id': i, 'core-id': 0, 'thread-id': 0 };
}

/** The CPU index a QOM path names (pc boards create the CPUs first), else undefined. */
export function cpuIndexOfPath(machine: Machine, path: string): number | undefined {
  const m = /^\/machine\/unattached\/device\[(\d+)\]$/.exec('/' + path.split('/').filter((p) => p).join('/'));
  if (!m) return undefined;
  const i = Number(m[1]);
  return i < cpuCount(machine) ? i : undefined;
}

interface CpuQom {
  list: Recorded;
  get: Record<string, Recorded>;
}

function cpuQom(machine: Machine): CpuQom {
  const rec = targetRecording<CpuQom>(machine, 'qom-cpu.json', true);
  const t = rec.get.type;
  if (t && 'return' in t && t.return !== `${cpuModel(machine)}-x86_64-cpu`) {
    throw QmpError.generic(`qmp-sim: the QOM properties of CPU model '${cpuModel(machine)}' were not recorded from QEMU 7.2`);
  }
  return rec;
}

export function cpuQomList(machine: Machine): unknown {
  return replay(cpuQom(machine).list);
}

export function cpuQomGet(machine: Machine, index: number, property: string): unknown {
  const rec = cpuQom(machine);
  const topo: Record<string, number> = { ...cpuTopology(index), 'apic-id': index };
  if (property in topo && property in rec.get) return topo[property];
  const r = rec.get[property];
  if (r) return replay(r);
  const listed = 'return' in rec.list && (rec.list.return as { name: string }[]).some((p) => p.name === property);
  if (listed) throw QmpError.generic(`qmp-sim: qom-get of CPU property '${property}' (a link or child) is not modelled`);
  throw QmpError.generic(`Property '${cpuModel(machine)}-x86_64-cpu.${property}' not found`);
}

export const machineCommands: CommandDef[] = [
  {
    name: 'query-target',
    run: () => ({ arch: 'x86_64' }),
  },
  {
    // present: the KVM accelerator is built in (Debian's QEMU has it);
    // enabled: the machine was started with kvm as its accelerator.
    name: 'query-kvm',
    run: (_a, ctx) => ({ enabled: ctx.machine.kvmEnabled, present: true }),
  },
  {
    name: 'query-uuid',
    run: (_a, ctx) => ({ UUID: ctx.machine.uuid }),
  },
  {
    name: 'query-name',
    run: (_a, ctx) => (ctx.machine.name === undefined ? {} : { name: ctx.machine.name }),
  },
  recordedQuery('query-machines'),
  {
    // util/qemu-config.c: one entry per option group; an unknown name is an error
    name: 'query-command-line-options',
    run(args: { option?: string }, ctx) {
      const all = replay(targetRecording<Recorded>(ctx.machine, 'query-command-line-options.json')) as { option: string }[];
      if (args.option === undefined) return all;
      const hit = all.filter((o) => o.option === args.option);
      if (!hit.length) throw QmpError.generic(`invalid option name: ${args.option}`);
      return hit;
    },
  },
  {
    // machine_query_hotpluggable_cpus: possible CPUs, last first; present ones carry qom-path
    name: 'query-hotpluggable-cpus',
    run(_a, ctx) {
      if (ctx.machine.config.machineType === 'none') throw QmpError.generic("The feature 'query-hotpluggable-cpus' is not enabled");
      const out = [];
      for (let i = cpuCount(ctx.machine) - 1; i >= 0; i--) {
        out.push({ props: cpuTopology(i), 'vcpus-count': 1, 'qom-path': cpuPath(i), type: `${cpuModel(ctx.machine)}-x86_64-cpu` });
      }
      return wireOrder(out);
    },
  },
  {
    // qmp_query_cpus_fast: the vCPU threads are the simulator's own process
    name: 'query-cpus-fast',
    run(_a, ctx) {
      const out = [];
      for (let i = 0; i < cpuCount(ctx.machine); i++) {
        out.push({ 'cpu-index': i, 'qom-path': cpuPath(i), 'thread-id': process.pid, props: cpuTopology(i), target: 'x86_64' });
      }
      return wireOrder(out);
    },
  },
];
