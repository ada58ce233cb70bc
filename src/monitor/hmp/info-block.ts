// HMP "info block [-n] [-v] [device]" and "info blockstats"
// (block/monitor/block-hmp-cmds.c hmp_info_block, print_block_info,
// hmp_info_blockstats), rendered from the same query-block,
// query-named-block-nodes and query-blockstats data QMP returns. The
// argument parsing follows monitor/hmp.c monitor_parse_arguments for the
// args_type "nodes:-n,verbose:-v,device:B?" (hmp-commands-info.hx).

import type { HmpContext } from './hmp-commands.js';

/** An HMP argument error: the text QEMU prints, plus its "Try help" line. */
export class HmpArgError extends Error {}

type Obj = Record<string, unknown>;

interface InfoBlockArgs {
  nodes: boolean;
  verbose: boolean;
  device?: string;
}

/** The '-' flags of "info block" in args_type order, with the rest of the type string after each. */
const INFO_BLOCK_FLAGS: ReadonlyArray<{ key: 'nodes' | 'verbose'; flag: string; after: string }> = [
  { key: 'nodes', flag: 'n', after: ',verbose:-v,device:B?' },
  { key: 'verbose', flag: 'v', after: ',device:B?' },
];

const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);

/** get_str: a bare word or a double-quoted string with \n \r \\ \' \" escapes; undefined on failure. */
function getStr(s: string, at: number): { value: string; next: number } | undefined {
  let p = at;
  while (isSpace(s[p])) p++;
  if (p >= s.length) return undefined;
  let out = '';
  if (s[p] === '"') {
    p++;
    const ESC: Record<string, string> = { n: '\n', r: '\r', '\\': '\\', "'": "'", '"': '"' };
    while (p < s.length && s[p] !== '"') {
      if (s[p] === '\\') {
        const e = ESC[s[p + 1] ?? ''];
        if (e === undefined) return undefined;
        out += e;
        p += 2;
      } else out += s[p++];
    }
    if (s[p] !== '"') return undefined;
    return { value: out, next: p + 1 };
  }
  while (p < s.length && !isSpace(s[p])) out += s[p++];
  return { value: out, next: p };
}

export function parseInfoBlockArgs(s: string): InfoBlockArgs {
  const args: InfoBlockArgs = { nodes: false, verbose: false };
  let p = 0;
  for (const f of INFO_BLOCK_FLAGS) {
    const tmp = p;
    while (isSpace(s[p])) p++;
    if (s[p] !== '-') continue;
    p++;
    const c = s[p] ?? '';
    if (c !== f.flag) {
      if (!f.after.includes(`-${c}`)) throw new HmpArgError(`block: unsupported option -${c}`);
      p = tmp; // a later flag: leave it for its own key
      continue;
    }
    p++;
    args[f.key] = true;
  }
  while (isSpace(s[p])) p++;
  if (p < s.length) {
    const r = getStr(s, p);
    if (!r) throw new HmpArgError('block: block device name expected');
    args.device = r.value;
    p = r.next;
  }
  while (isSpace(s[p])) p++;
  if (p < s.length) throw new HmpArgError('block: extraneous characters at the end of line');
  return args;
}

const THROTTLE_KEYS = ['bps', 'bps_rd', 'bps_wr', 'bps_max', 'bps_rd_max', 'bps_wr_max', 'iops', 'iops_rd', 'iops_wr', 'iops_max', 'iops_rd_max', 'iops_wr_max', 'iops_size'] as const;

/** print_block_info: one BlockBackend (info) or one node (inserted only). */
function blockInfoText(info: Obj | undefined, inserted: Obj | undefined): string {
  let out = '';
  const nodeName = inserted?.['node-name'] as string | undefined;
  if (info && info.device) {
    out += String(info.device);
    if (nodeName !== undefined) out += ` (${nodeName})`;
  } else {
    out += nodeName ?? (info?.qdev as string | undefined) ?? '<anonymous>';
  }
  if (inserted) {
    out += `: ${String(inserted.file)} (${String(inserted.drv)}${inserted.ro ? ', read-only' : ''}${inserted.encrypted ? ', encrypted' : ''})\n`;
  } else {
    out += ': [not inserted]\n';
  }
  if (info) {
    if (info.qdev !== undefined) out += `    Attached to:      ${String(info.qdev)}\n`;
    if (info['io-status'] !== undefined && info['io-status'] !== 'ok') out += `    I/O status:       ${String(info['io-status'])}\n`;
    if (info.removable) out += `    Removable device: ${info.locked ? '' : 'not '}locked, tray ${info['tray_open'] ? 'open' : 'closed'}\n`;
  }
  if (!inserted) return out;
  const cache = (inserted.cache ?? {}) as Obj;
  out += `    Cache mode:       ${cache.writeback ? 'writeback' : 'writethrough'}${cache.direct ? ', direct' : ''}${cache['no-flush'] ? ', ignore flushes' : ''}\n`;
  if (inserted.backing_file !== undefined) out += `    Backing file:     ${String(inserted.backing_file)} (chain depth: ${String(inserted.backing_file_depth)})\n`;
  if (inserted.detect_zeroes !== undefined && inserted.detect_zeroes !== 'off') out += `    Detect zeroes:    ${String(inserted.detect_zeroes)}\n`;
  if (['bps', 'bps_rd', 'bps_wr', 'iops', 'iops_rd', 'iops_wr'].some((k) => Number(inserted[k] ?? 0) !== 0)) {
    out += `    I/O throttling:   ${THROTTLE_KEYS.map((k) => `${k}=${Number(inserted[k] ?? 0)}`).join(' ')} group=${String(inserted.group ?? '')}\n`;
  }
  return out;
}

/** hmp_info_block (verbose "Images:" dumps are not modelled: -v prints the plain text). */
export function hmpInfoBlock(ctx: HmpContext, argText: string): string {
  const args = parseInfoBlockArgs(argText);
  const device = args.device;
  let out = '';
  let printed = false;
  if (!args.nodes) {
    const list = ctx.qmp('query-block') as Obj[];
    list.forEach((info, i) => {
      if (device !== undefined && device !== info.device) return;
      if (i > 0) out += '\n';
      out += blockInfoText(info, info.inserted as Obj | undefined);
      printed = true;
    });
  }
  if ((device === undefined && !args.nodes) || printed) return out;
  const nodes = ctx.qmp('query-named-block-nodes') as Obj[];
  nodes.forEach((node, i) => {
    if (device !== undefined && device !== node['node-name']) return;
    if (i > 0) out += '\n';
    out += blockInfoText(undefined, node);
  });
  return out;
}

const STAT_KEYS = ['rd_bytes', 'wr_bytes', 'rd_operations', 'wr_operations', 'flush_operations', 'wr_total_time_ns', 'rd_total_time_ns', 'flush_total_time_ns', 'rd_merged', 'wr_merged', 'idle_time_ns'] as const;

/** hmp_info_blockstats: every BlockBackend (anonymous ones print an empty name). */
export function hmpInfoBlockstats(ctx: HmpContext, argText: string): string {
  if (argText.trim() !== '') throw new HmpArgError('blockstats: extraneous characters at the end of line');
  const list = ctx.qmp('query-blockstats') as Obj[];
  let out = '';
  for (const s of list) {
    if (s.device === undefined) continue;
    const st = (s.stats ?? {}) as Obj;
    out += `${String(s.device)}: ${STAT_KEYS.map((k) => `${k}=${Number(st[k] ?? 0)}`).join(' ')}\n`;
  }
  return out;
}
