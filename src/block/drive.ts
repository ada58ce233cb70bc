// -drive (blockdev.c drive_new + blockdev_init): QemuOpts text → a named
// BlockBackend with its node tree and the legacy DriveInfo devices use.
// Errors are BlockGenericError with QEMU's desc; the caller prefixes
// "qemu-system-x86_64: -drive TEXT: ".

import type { BlockBackend, BlockdevOnError, DriveInfo } from './block-backend.js';
import type { BlockGraph } from './block-graph.js';
import type { BlockNode, DetectZeroes } from './block-node.js';
import { BlockGenericError } from './drivers/block-driver.js';
import { probeFormat } from './drivers/probe.js';
import { idWellformed } from './node-name.js';
import { guessProtocol } from './block-graph.js';
import { THROTTLE_BUCKETS, throttleConfigInit, throttleEnabled, throttleInvalid, type ThrottleBucketName } from './throttle.js';

type IfType = DriveInfo['type'];

/** if_name[] in BlockInterfaceType order, with if_max_devs (blockdev.c). */
const INTERFACES: ReadonlyArray<[IfType, number]> = [
  ['none', 0], ['ide', 2], ['scsi', 7], ['floppy', 0], ['pflash', 0], ['mtd', 0], ['sd', 0], ['virtio', 0], ['xen', 0],
];

/** drive_new's legacy renames (opt_renames). */
const RENAMES: ReadonlyArray<[string, string]> = [
  ['iops', 'throttling.iops-total'], ['iops_rd', 'throttling.iops-read'], ['iops_wr', 'throttling.iops-write'],
  ['bps', 'throttling.bps-total'], ['bps_rd', 'throttling.bps-read'], ['bps_wr', 'throttling.bps-write'],
  ['iops_max', 'throttling.iops-total-max'], ['iops_rd_max', 'throttling.iops-read-max'], ['iops_wr_max', 'throttling.iops-write-max'],
  ['bps_max', 'throttling.bps-total-max'], ['bps_rd_max', 'throttling.bps-read-max'], ['bps_wr_max', 'throttling.bps-write-max'],
  ['iops_size', 'throttling.iops-size'], ['group', 'throttling.group'], ['readonly', 'read-only'],
];

/** bdrv_parse_cache_mode: [direct, no-flush, writethrough] */
const CACHE_MODES: Readonly<Record<string, [boolean, boolean, boolean]>> = {
  off: [true, false, false],
  none: [true, false, false],
  directsync: [true, false, true],
  writeback: [false, false, false],
  unsafe: [false, true, false],
  writethrough: [false, false, true],
};

/** ThrottleConfig bucket ↔ -drive option stem. */
const THROTTLE_KEYS: Readonly<Record<ThrottleBucketName, string>> = {
  bps: 'bps-total', bps_rd: 'bps-read', bps_wr: 'bps-write', iops: 'iops-total', iops_rd: 'iops-read', iops_wr: 'iops-write',
};

/** Keys blockdev_init absorbs into qemu_common_drive_opts (the rest go to bdrv_open). */
function isCommonOpt(key: string): boolean {
  return ['snapshot', 'aio', 'cache.writeback', 'format', 'rerror', 'werror', 'read-only', 'copy-on-read', 'detect-zeroes',
    'stats-account-invalid', 'stats-account-failed'].includes(key) || key.startsWith('throttling.');
}

/** QemuOpts: "k=v,k2=v2" with ",," for a comma; a bare key means "on". Ordered, last wins. */
export function parseDriveOpts(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let cur = '';
  const parts: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === ',' && text[i + 1] === ',') {
      cur += ',';
      i++;
    } else if (c === ',') {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  for (const p of parts) {
    if (p === '') continue;
    const eq = p.indexOf('=');
    if (eq < 0) out.push(p.startsWith('no') && p.length > 2 ? [p.slice(2), 'off'] : [p, 'on']);
    else out.push([p.slice(0, eq), p.slice(eq + 1)]);
  }
  return out;
}

class Opts {
  private readonly entries: Array<[string, string]>;
  constructor(entries: Array<[string, string]>) {
    this.entries = [...entries];
  }
  get(k: string): string | undefined {
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i][0] === k) return this.entries[i][1];
    return undefined;
  }
  has(k: string): boolean {
    return this.entries.some(([x]) => x === k);
  }
  set(k: string, v: string): void {
    this.unset(k);
    this.entries.push([k, v]);
  }
  unset(k: string): void {
    for (let i = this.entries.length - 1; i >= 0; i--) if (this.entries[i][0] === k) this.entries.splice(i, 1);
  }
  /** removes and returns the keys matching pred, in order */
  take(pred: (k: string) => boolean): Array<[string, string]> {
    const taken = this.entries.filter(([k]) => pred(k));
    for (const [k] of taken) this.unset(k);
    return taken;
  }
  keys(): string[] {
    return this.entries.map(([k]) => k);
  }
  all(): Array<[string, string]> {
    return [...this.entries];
  }
}

function bool(o: Opts, key: string, dflt: boolean): boolean {
  const v = o.get(key);
  if (v === undefined) return dflt;
  if (['on', 'yes', 'true', 'y'].includes(v)) return true;
  if (['off', 'no', 'false', 'n'].includes(v)) return false;
  throw new BlockGenericError(`Parameter '${key}' expects 'on' or 'off'`);
}

function num(o: Opts, key: string, dflt: number): number {
  const v = o.get(key);
  if (v === undefined) return dflt;
  const s = v.trim();
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) n = parseInt(s, 16);
  else if (/^-?[0-9]+$/.test(s)) n = parseInt(s, 10);
  else throw new BlockGenericError(`Parameter '${key}' expects a number`);
  return n;
}

/** parse_block_error_action */
function errorAction(text: string, isRead: boolean): BlockdevOnError {
  if (text === 'ignore' || text === 'stop' || text === 'report') return text;
  if (!isRead && text === 'enospc') return 'enospc';
  throw new BlockGenericError(`'${text}' invalid ${isRead ? 'read' : 'write'} error action`);
}

/** Dotted keys → nested options (qdict_crumple, strings kept). */
export function crumple(entries: Array<[string, string]>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    const parts = key.split('.');
    let cur = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i];
      const next = cur[p];
      if (typeof next !== 'object' || next === null) cur[p] = {};
      cur = cur[p] as Record<string, unknown>;
    }
    cur[parts[parts.length - 1]] = value;
  }
  return root;
}

export interface DriveContext {
  /** machine's default interface (pc: ide) */
  defaultType: IfType;
  /** -incoming: images open inactive (not modelled beyond this flag) */
  inmigrate?: boolean;
  /** ids of -drive options already seen (QemuOpts duplicate check) */
  seenIds: Set<string>;
}

/** drive_new: returns the DriveInfo (also appended to graph.drives). */
export function driveNew(graph: BlockGraph, text: string, dc: DriveContext): DriveInfo {
  const all = new Opts(parseDriveOpts(text));
  const id = all.get('id');
  all.unset('id');
  if (id !== undefined) {
    if (!idWellformed(id)) {
      throw new BlockGenericError(
        "Parameter 'id' expects an identifier\nIdentifiers consist of letters, digits, '-', '.', '_', starting with a letter.",
      );
    }
    if (dc.seenIds.has(id)) throw new BlockGenericError(`Duplicate ID '${id}' for drive`);
    dc.seenIds.add(id);
  }
  for (const [from, to] of RENAMES) {
    if (!all.has(from)) continue;
    if (all.has(to)) throw new BlockGenericError(`'${to}' and its alias '${from}' can't be used at the same time`);
    all.set(to, all.get(from)!);
    all.unset(from);
  }
  const cache = all.get('cache');
  if (cache !== undefined) {
    const mode = CACHE_MODES[cache];
    if (!mode) throw new BlockGenericError('invalid cache option');
    if (!all.has('cache.writeback')) all.set('cache.writeback', mode[2] ? 'off' : 'on');
    if (!all.has('cache.direct')) all.set('cache.direct', mode[0] ? 'on' : 'off');
    if (!all.has('cache.no-flush')) all.set('cache.no-flush', mode[1] ? 'on' : 'off');
    all.unset('cache');
  }

  // legacy options
  let mediaCd = false;
  let readOnly = false;
  const media = all.get('media');
  if (media !== undefined) {
    if (media === 'cdrom') {
      mediaCd = true;
      readOnly = true;
    } else if (media !== 'disk') throw new BlockGenericError(`'${media}' invalid media`);
  }
  readOnly ||= bool(all, 'read-only', false);
  let copyOnRead = bool(all, 'copy-on-read', false);
  if (readOnly && copyOnRead) {
    graph.env.warn('disabling copy-on-read on read-only drive');
    copyOnRead = false;
  }
  let type = dc.defaultType;
  const ifText = all.get('if');
  if (ifText !== undefined) {
    const found = INTERFACES.find(([n]) => n === ifText);
    if (!found) throw new BlockGenericError(`unsupported bus type '${ifText}'`);
    type = found[0];
  }
  const maxDevs = INTERFACES.find(([n]) => n === type)![1];
  let bus = num(all, 'bus', 0);
  let unit = num(all, 'unit', -1);
  const index = num(all, 'index', -1);
  if (index !== -1) {
    if (bus !== 0 || unit !== -1) throw new BlockGenericError('index cannot be used with bus and unit');
    bus = maxDevs ? Math.floor(index / maxDevs) : 0;
    unit = maxDevs ? index % maxDevs : index;
  }
  const taken = (b: number, u: number) => graph.drives.some((d) => d.type === type && d.bus === b && d.unit === u);
  if (unit === -1) {
    unit = 0;
    while (taken(bus, unit)) {
      unit++;
      if (maxDevs && unit >= maxDevs) {
        unit -= maxDevs;
        bus++;
      }
    }
  }
  if (maxDevs && unit >= maxDevs) throw new BlockGenericError(`unit ${unit} too big (max is ${maxDevs - 1})`);
  if (taken(bus, unit)) throw new BlockGenericError(`drive with bus=${bus}, unit=${unit} (index=${index}) exists`);
  let name = id;
  if (name === undefined) {
    const mediastr = type === 'ide' || type === 'scsi' ? (mediaCd ? '-cd' : '-hd') : '';
    name = maxDevs ? `${type}${bus}${mediastr}${unit}` : `${type}${mediastr}${unit}`;
  }
  const werror = all.get('werror');
  const rerror = all.get('rerror');
  const policyBus = type === 'ide' || type === 'scsi' || type === 'virtio' || type === 'none';
  if (werror !== undefined && !policyBus) throw new BlockGenericError('werror is not supported by this bus type');
  if (rerror !== undefined && !policyBus) throw new BlockGenericError('rerror is not supported by this bus type');
  const file = all.get('file');
  for (const k of ['media', 'read-only', 'copy-on-read', 'if', 'bus', 'unit', 'index', 'file']) all.unset(k);
  all.set('read-only', readOnly ? 'on' : 'off');
  all.set('copy-on-read', copyOnRead ? 'on' : 'off');

  const blk = blockdevInit(graph, name, file, all, dc);
  const info: DriveInfo = {
    blk,
    type,
    bus,
    unit,
    mediaCd: ['ide', 'scsi', 'xen', 'none'].includes(type) ? mediaCd : false,
    text,
    deviceOpts: {},
  };
  blk.legacyDinfo = info;
  graph.drives.push(info);
  return info;
}

/** blockdev_init for -drive */
function blockdevInit(graph: BlockGraph, name: string, file: string | undefined, bsOpts: Opts, dc: DriveContext): BlockBackend {
  const common = new Opts(bsOpts.take(isCommonOpt));
  const writethrough = !bool(common, 'cache.writeback', true);
  const accountInvalid = common.has('stats-account-invalid') ? bool(common, 'stats-account-invalid', true) : undefined;
  const accountFailed = common.has('stats-account-failed') ? bool(common, 'stats-account-failed', true) : undefined;
  const intervals = bsOpts.take((k) => k.startsWith('stats-intervals.'));
  const badInterval = intervals.find(([k]) => !/^stats-intervals\.[0-9]+$/.test(k));
  if (badInterval) throw new BlockGenericError(`Invalid option ${badInterval[0]}`);
  bool(common, 'copy-on-read', false);
  const aio = common.get('aio');
  if (aio !== undefined && !['threads', 'native', 'io_uring'].includes(aio)) throw new BlockGenericError('invalid aio option');
  // throttling
  const cfg = throttleConfigInit();
  for (const b of THROTTLE_BUCKETS) {
    const stem = `throttling.${THROTTLE_KEYS[b]}`;
    cfg.buckets[b].avg = num(common, stem, 0);
    cfg.buckets[b].max = num(common, `${stem}-max`, 0);
    cfg.buckets[b].burstLength = num(common, `${stem}-max-length`, 1);
  }
  cfg.opSize = num(common, 'throttling.iops-size', 0);
  const invalid = throttleInvalid(cfg);
  if (invalid) throw new BlockGenericError(invalid);
  const dzText = common.get('detect-zeroes');
  let detectZeroes: DetectZeroes = 'off';
  if (dzText !== undefined) {
    if (dzText !== 'off' && dzText !== 'on' && dzText !== 'unmap') {
      throw new BlockGenericError(`invalid parameter value: ${dzText}`);
    }
    detectZeroes = dzText;
  }
  const format = common.get('format');
  if (format !== undefined && bsOpts.has('driver')) throw new BlockGenericError("Cannot specify both 'driver' and 'format'");
  const werror = common.get('werror') !== undefined ? errorAction(common.get('werror')!, false) : 'enospc';
  const rerror = common.get('rerror') !== undefined ? errorAction(common.get('rerror')!, true) : 'report';
  const readOnly = bool(common, 'read-only', false);
  if (bool(common, 'snapshot', false)) graph.env.warn('-drive snapshot=on is not modelled by qmp-sim; the image is written');

  let node: BlockNode | null = null;
  if ((file === undefined || file === '') && bsOpts.keys().length === 0) {
    // an empty drive (CD-ROM without medium)
  } else {
    const opts = crumple(bsOpts.all());
    if (format !== undefined) opts.driver = format;
    opts.cache = { direct: 'off', 'no-flush': 'off', ...(opts.cache as object | undefined) };
    opts['read-only'] = readOnly ? 'on' : 'off';
    if (opts['auto-read-only'] === undefined) opts['auto-read-only'] = 'on';
    node = openDriveRoot(graph, opts, file === '' ? undefined : file);
    node.flags.detectZeroes = detectZeroes;
  }
  let blk: BlockBackend;
  try {
    blk = graph.createNamedBackend(name);
  } catch (e) {
    if (node) graph.discardNode(node);
    throw e;
  }
  if (node) {
    try {
      blk.insertNode(node);
    } catch (e) {
      blk.unref();
      graph.discardNode(node);
      throw e;
    }
    blk.stats.setup(accountInvalid, accountFailed);
    for (const [, v] of intervals) {
      const n = Number(v);
      if (!/^[0-9]+$/.test(v) || n <= 0 || n > 0xffffffff) {
        blk.unref();
        throw new BlockGenericError(`Invalid interval length: ${v}`);
      }
      blk.stats.addInterval(n);
    }
  } else {
    blk.rootState = { readOnly, detectZeroes };
  }
  if (throttleEnabled(cfg)) blk.setIoLimits(cfg, common.get('throttling.group') ?? name);
  blk.enableWriteCache = !writethrough;
  blk.setOnError(rerror, werror);
  return blk;
}

const PROTOCOLS: ReadonlySet<string> = new Set(['file', 'null-co', 'null-aio', 'blkdebug']);

/** blk_new_open(filename, options): the root node, probing the format when none is given. */
function openDriveRoot(graph: BlockGraph, opts: Record<string, unknown>, filename: string | undefined): BlockNode {
  const driver = typeof opts.driver === 'string' ? opts.driver : undefined;
  if (driver !== undefined && PROTOCOLS.has(driver)) {
    if (filename !== undefined) opts.filename = filename;
    return graph.openNode(opts, { legacy: true });
  }
  // format (or unknown): the file child takes the filename
  const fileOpts = opts.file;
  let child: Record<string, unknown> | string | undefined;
  if (typeof fileOpts === 'string') child = fileOpts;
  else if (filename !== undefined || typeof fileOpts === 'object') {
    child = { ...(fileOpts as object | undefined) };
    if (filename !== undefined) child.filename = filename;
  }
  if (driver !== undefined) {
    if (child !== undefined) opts.file = child;
    return graph.openNode(opts, { legacy: true });
  }
  // no format: open the protocol node, probe its first sector, then the format on top
  if (child === undefined) throw new BlockGenericError("Must specify either driver or file");
  let proto: BlockNode;
  if (typeof child === 'string') {
    const found = graph.findNode(child);
    if (!found) throw new BlockGenericError(`Cannot find device='${child}' nor node-name='${child}'`);
    proto = found;
  } else {
    proto = graph.openNode(guessProtocol({ 'read-only': opts['read-only'], 'auto-read-only': opts['auto-read-only'], cache: opts.cache, ...child }), { legacy: true });
  }
  try {
    const len = Math.min(512, proto.bs.getLength());
    const head = Buffer.alloc(512);
    if (len > 0) proto.bs.preadInto(0, head.subarray(0, len));
    opts.driver = probeFormat(head);
    opts.file = proto.nodeName;
    return graph.openNode(opts, { legacy: true, probed: opts.driver === 'raw' });
  } catch (e) {
    if (typeof child !== 'string') graph.discardNode(proto);
    throw e;
  }
}
