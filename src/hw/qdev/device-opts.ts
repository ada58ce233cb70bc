// What device_add and -device hand to qdev_device_add (softmmu/qdev-monitor.c,
// util/qemu-option.c qemu_opts_from_qdict, softmmu/vl.c): driver, bus, id
// and the properties in the order QEMU sets them, which is QDict iteration
// order (hash buckets) after each QDict the options pass through.

import { QmpError } from '../../qapi/error.js';
import { qdictOrderIndices } from '../../qapi/qobject/qdict.js';
import { parseQemuOpts } from '../../machine/qemu-opts.js';
import { idWellformed } from './qdev-id.js';
import type { PropInput } from './qdev-props.js';

export interface DeviceOpts {
  driver?: string;
  bus?: string;
  id?: string;
  /** properties in setting order */
  props: Array<[string, PropInput]>;
}

/** Reorder keys as `passes` successive QDicts (each built in the previous one's order) iterate them. */
function qdictOrder<T>(entries: Array<[string, T]>, passes: number): Array<[string, T]> {
  let out = entries;
  for (let i = 0; i < passes; i++) {
    const idx = qdictOrderIndices(out.map(([k]) => k));
    out = idx.map((j) => out[j]);
  }
  return out;
}

function checkId(id: string | undefined): void {
  if (id !== undefined && !idWellformed(id)) throw QmpError.generic("Parameter 'id' expects an identifier");
}

/** qemu_opts_from_qdict: scalars become strings; other values are skipped. */
function optText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'bigint') return v.toString();
  return undefined;
}

/**
 * QMP device_add: arguments → QemuOpts → QDict → clone (three QDict
 * passes); every value is keyval text.
 */
export function deviceOptsFromQmp(args: Record<string, unknown>): DeviceOpts {
  const id = typeof args.id === 'string' ? args.id : undefined;
  checkId(id);
  const entries: Array<[string, string]> = [];
  for (const [k, v] of qdictOrder(Object.entries(args), 1)) {
    if (k === 'id') continue;
    const t = optText(v);
    if (t !== undefined) entries.push([k, t]);
  }
  return fromTextEntries(qdictOrder(entries, 2), id);
}

function fromTextEntries(entries: Array<[string, string]>, id: string | undefined): DeviceOpts {
  const opts: DeviceOpts = { props: [], ...(id !== undefined ? { id } : {}) };
  for (const [k, v] of entries) {
    if (k === 'driver') opts.driver = v;
    else if (k === 'bus') opts.bus = v;
    else if (k !== 'id') opts.props.push([k, { json: false, text: v }]);
  }
  return opts;
}

/** -device TEXT: JSON when it starts with '{', else QemuOpts with "driver" implied. */
export function deviceOptsFromCli(text: string): DeviceOpts {
  if (text.startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch {
      throw QmpError.generic(`JSON parse error in -device ${text}`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw QmpError.generic('-device JSON must be an object');
    const rec = obj as Record<string, unknown>;
    const str = (k: string): string | undefined => {
      const v = rec[k];
      if (v === undefined) return undefined;
      if (typeof v !== 'string') throw QmpError.generic(`Invalid parameter type for '${k}', expected: string`);
      return v;
    };
    const opts: DeviceOpts = { props: [], driver: str('driver'), bus: str('bus'), id: str('id') };
    checkId(opts.id);
    for (const [k, v] of qdictOrder(Object.entries(rec), 2)) {
      if (k !== 'driver' && k !== 'bus' && k !== 'id') opts.props.push([k, { json: true, value: v }]);
    }
    return opts;
  }
  const parsed = parseQemuOpts(text, 'driver');
  const id = parsed.get('id');
  checkId(id);
  return fromTextEntries(qdictOrder([...parsed.entries()], 2), id);
}
