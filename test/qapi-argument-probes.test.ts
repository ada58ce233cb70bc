// Replays the argument probes recorded from real QEMU 7.2
// (protocol/qemu-7.2/argument-probes.json, written by recordProtocol):
// leftover-key order in GHashTable order, list element names, alternates,
// integer widths, nested unions. validateArguments must refuse each one
// with the very text QEMU printed.

import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateArguments } from '../src/qapi/validate.js';
import { profileDir, qemu72 } from '../src/qapi/schema.js';
import { QmpError } from '../src/qapi/error.js';
import { QFloat, type QValue } from '../src/qapi/qobject/qobject.js';

interface Recorded {
  what: string;
  execute: string;
  arguments?: unknown;
  error?: string;
  return?: unknown;
}

/** Probe markers to QValues: {"$int": "N"} is an exact integer, {"$float": "x"} a double. */
function toQValue(v: unknown): QValue {
  if (Array.isArray(v)) return v.map(toQValue);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.$int === 'string') {
      const n = BigInt(o.$int);
      // beyond int64/uint64 QEMU's parser makes a double
      if (n < -(2n ** 63n) || n >= 2n ** 64n) return new QFloat(Number(n));
      return Number.isSafeInteger(Number(n)) ? Number(n) : n;
    }
    if (typeof o.$float === 'string') return new QFloat(Number(o.$float));
    const out: Record<string, QValue> = {};
    for (const [k, x] of Object.entries(o)) out[k] = toQValue(x);
    return out;
  }
  return v as QValue;
}

const probes = JSON.parse(readFileSync(join(profileDir(), 'argument-probes.json'), 'utf8')) as Recorded[];
t.ok(probes.length >= 100, 'probes recorded');

for (const p of probes) {
  const args = p.arguments === undefined ? undefined : (toQValue(p.arguments) as Record<string, QValue>);
  let got: string;
  try {
    validateArguments(p.execute, args);
    got = 'accepted';
  } catch (e) {
    got = e instanceof QmpError ? e.desc : `crash: ${String(e)}`;
  }
  if (!qemu72().schema().command(p.execute)!.checked) {
    // device_add: QEMU's handler sees the raw dictionary; errors are qdev's
    t.equal(got, 'accepted', `${p.what}: passed through (QEMU: ${p.error})`);
  } else {
    t.equal(got, p.error, p.what);
  }
}
