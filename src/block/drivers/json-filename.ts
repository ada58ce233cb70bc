// The "json:{...}" pseudo-filename QEMU shows for nodes that no plain
// filename can reopen (block.c bdrv_refresh_filename). Serialised like
// qobject_to_json (qobject/qjson.c, qobject/json-writer.c): ", " and ": "
// separators, keys in QDict iteration order, non-ASCII as \uXXXX.

import { qdictOrder } from '../../qapi/qobject/qdict.js';
import { QFloat, isQDict, type QDictValue, type QValue } from '../../qapi/qobject/qobject.js';

/** bs->filename is a char[PATH_MAX]: longer JSON is cut and ends in "...". */
export const BDRV_FILENAME_MAX = 4096;

function quoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; break;
      case '\\': out += '\\\\'; break;
      case '\b': out += '\\b'; break;
      case '\f': out += '\\f'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      default:
        if (cp > 0xffff) {
          const hi = 0xd800 + ((cp - 0x10000) >> 10);
          const lo = 0xdc00 + ((cp - 0x10000) & 0x3ff);
          out += `\\u${hex4(hi)}\\u${hex4(lo)}`;
        } else if (cp < 0x20 || cp >= 0x7f) {
          out += `\\u${hex4(cp)}`;
        } else {
          out += ch;
        }
    }
  }
  return out + '"';
}

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

/** qobject_to_json() of a QObject whose dicts iterate in QEMU's QDict order. */
export function qobjectToJson(v: QValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof QFloat) return String(v.value);
  if (typeof v === 'string') return quoted(v);
  if (Array.isArray(v)) return `[${v.map(qobjectToJson).join(', ')}]`;
  if (isQDict(v)) {
    const keys = qdictOrder(Object.keys(v));
    return `{${keys.map((k) => `${quoted(k)}: ${qobjectToJson(v[k])}`).join(', ')}}`;
  }
  return 'null';
}

/** "json:" + options, cut to fit bs->filename like QEMU does. */
export function jsonFilename(fullOpenOptions: QDictValue): string {
  const s = `json:${qobjectToJson(fullOpenOptions)}`;
  if (Buffer.byteLength(s, 'utf8') >= BDRV_FILENAME_MAX) {
    return `${Buffer.from(s, 'utf8').subarray(0, BDRV_FILENAME_MAX - 4).toString('utf8')}...`;
  }
  return s;
}

/**
 * Flattens nested option dicts into dotted keys (qdict_flatten), e.g.
 * inject-error[0].event -> "inject-error.0.event", walking nested dicts in
 * QDict order of their own keys (as QEMU does for QMP, -blockdev and -drive
 * options alike, -drive ones being crumpled first).
 */
export function flattenOptions(prefix: string, v: unknown, out: Array<[string, QValue]>): void {
  if (Array.isArray(v)) {
    v.forEach((item, i) => flattenOptions(`${prefix}.${i}`, item, out));
  } else if (typeof v === 'object' && v !== null && !(v instanceof QFloat)) {
    const o = v as Record<string, unknown>;
    for (const k of qdictOrder(Object.keys(o))) flattenOptions(`${prefix}.${k}`, o[k], out);
  } else if (v !== undefined) {
    out.push([prefix, v as QValue]);
  }
}
