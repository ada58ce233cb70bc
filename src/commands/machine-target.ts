// qapi/machine-target.json (target/i386/cpu.c): CPU definitions and model
// expansion as real QEMU 7.2 answered them for this machine's accelerator.
// x86 has no query-cpu-model-baseline/comparison (s390x only).

import { QmpError } from '../qapi/error.js';
import type { CommandDef } from './registry.js';
import { recordedQuery, replay, targetRecording, type Recorded } from './target-profile.js';

type Expansion = Recorded & { arguments: unknown };

/** JSON text with object keys sorted: requests compare by value, not by spelling. */
function canonical(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export const machineTargetCommands: CommandDef[] = [
  recordedQuery('query-cpu-definitions'),
  {
    name: 'query-cpu-model-expansion',
    run(args: { type: string; model: { name: string; props?: unknown } }, ctx) {
      const recs = targetRecording<Expansion[]>(ctx.machine, 'query-cpu-model-expansion.json');
      const want = canonical(args);
      const hit = recs.find((r) => canonical(r.arguments) === want);
      if (hit) return replay(hit);
      // x86_cpu_class_by_name: a model that is neither defined nor host/max/base
      const defs = replay(targetRecording<Recorded>(ctx.machine, 'query-cpu-definitions.json')) as { name: string }[];
      const known = ['host', 'max', 'base', ...defs.map((d) => d.name)];
      if (!known.includes(args.model.name)) throw QmpError.generic(`CPU model '${args.model.name}' not found`);
      throw QmpError.generic(`qmp-sim: query-cpu-model-expansion ${canonical(args)} was not recorded from QEMU 7.2 (see protocol/README.md)`);
    },
  },
];
