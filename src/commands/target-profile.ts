// Facts real QEMU 7.2 gave per machine type and accelerator, recorded into
// protocol/qemu-7.2/target/ by `qmp-sim profile record` (one file per query
// kind, keyed "<machine>/<accel>"). The machine's -machine/-accel pick the
// recording (KVM falls back to TCG's); a missing one is answered with a
// clear GenericError.

import { readFileSync } from 'node:fs';
import { QmpError, type QapiErrorClass } from '../qapi/error.js';
import { protocolPath } from '../machine/protocol-data.js';
import type { Machine } from '../machine/machine.js';
import { QFloat } from '../qapi/qobject/qobject.js';

/** A recorded reply: its return value or its error. */
export type Recorded = { return: unknown } | { error: { class: string; desc: string } };

// Read-only data, loaded on first use (the install's protocol/ never changes).
const files = new Map<string, Record<string, unknown>>();

function load(file: string): Record<string, unknown> {
  let data = files.get(file);
  if (!data) {
    data = JSON.parse(readFileSync(protocolPath(`target/${file}`), 'utf8'), exactNumber) as Record<string, unknown>;
    files.set(file, data);
  }
  return data;
}

/** JSON.parse reviver: {"$int": "N"} is an integer beyond 2^53, {"$float": "X"} a double (the recorder's markers). */
function exactNumber(_key: string, v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length !== 1) return v;
  if (typeof o.$int === 'string') return BigInt(o.$int);
  if (typeof o.$float === 'string') return new QFloat(Number(o.$float));
  return v;
}

/** A deep copy that keeps bigints and QFloats (structuredClone would not keep QFloat). */
function copy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copy);
  if (v === null || typeof v !== 'object' || v instanceof QFloat) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = copy(x);
  return out;
}

/** The recorded machine name for -machine TYPE: aliases (pc, q35) resolve through query-machines. */
export function machineName(type: string): string {
  if (type === 'none') return 'none';
  for (const rec of Object.values(load('query-machines.json')) as Recorded[]) {
    if (!('return' in rec)) continue;
    for (const m of rec.return as { name: string; alias?: string }[]) if (m.alias === type) return m.name;
  }
  return type;
}

/** The accelerator in use: kvm when the machine runs on KVM, else tcg (accel/accel-softmmu.c). */
export function accelName(machine: Machine): string {
  return machine.kvmEnabled ? 'kvm' : 'tcg';
}

export function contextKey(machine: Machine): string {
  return `${machineName(machine.config.machineType)}/${accelName(machine)}`;
}

/**
 * The recording of `file` for this machine. Facts that do not depend on the
 * board (perMachine false) fall back to the -machine none probe with the same accel.
 */
export function targetRecording<T>(machine: Machine, file: string, perMachine = false): T {
  const data = load(file);
  const board = machineName(machine.config.machineType);
  // On KVM, facts not recorded on a KVM host come from the TCG recording
  // (the board's and the probe's): libvirt probes with kvm:tcg wherever
  // /dev/kvm is usable, and most of these facts do not depend on the accel.
  const accels = accelName(machine) === 'kvm' ? ['kvm', 'tcg'] : ['tcg'];
  for (const accel of accels) {
    if (`${board}/${accel}` in data) return data[`${board}/${accel}`] as T;
    if (!perMachine && `none/${accel}` in data) return data[`none/${accel}`] as T;
  }
  throw QmpError.generic(
    `qmp-sim: no recording from QEMU 7.2 for machine '${machineName(machine.config.machineType)}' with accel ${accelName(machine)} ` +
      `(protocol/qemu-7.2/target/${file}; re-record with 'qmp-sim profile record')`,
  );
}

/** Replays a recorded reply: its return value, or its error thrown as QEMU sent it. */
export function replay(rec: Recorded): unknown {
  if ('error' in rec) throw new QmpError(rec.error.class as QapiErrorClass, rec.error.desc);
  return copy(rec.return);
}

/** A plain query answered from its recording (query-machines, query-tpm-models...). */
export function recordedQuery(name: string, perMachine = false): { name: string; run(args: unknown, ctx: { machine: Machine }): unknown } {
  return { name, run: (_a, ctx) => replay(targetRecording<Recorded>(ctx.machine, `${name}.json`, perMachine)) };
}
