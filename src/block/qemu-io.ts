// HMP `qemu-io [-d] DEVICE "COMMAND"` (block/monitor/block-hmp-cmds.c
// hmp_qemu_io, qemu-io-cmds.c). The command runs on the named BlockBackend
// (or a temporary one on a node) with no accounting and no error policy;
// qemu-io's own report goes to QEMU's stdout, so the monitor sees only the
// HMP-level errors. Synchronous commands wait for their request in the main
// thread (AIO_WAIT_WHILE); aio_read/aio_write leave it in flight.

import type { BlockBackend } from './block-backend.js';
import type { BlockGraph } from './block-graph.js';
import { BLK_PERM_RESIZE, BLK_PERM_WRITE } from './permissions.js';
import { QmpError } from '../qapi/error.js';
import { bdrvTruncate } from './drivers/generic-io.js';

/** monitor/hmp.c get_str: one word or a "quoted string" with \ escapes; null if none. */
function getStr(text: string, pos: number): { value: string; next: number } | null {
  let p = pos;
  while (p < text.length && /\s/.test(text[p])) p++;
  if (p >= text.length) return null;
  let value = '';
  if (text[p] === '"') {
    p++;
    while (p < text.length && text[p] !== '"') {
      if (text[p] === '\\' && p + 1 < text.length) {
        const c = text[++p];
        value += c === 'n' ? '\n' : c === 'r' ? '\r' : c;
      } else value += text[p];
      p++;
    }
    if (p >= text.length) return null;
    p++;
  } else {
    while (p < text.length && !/\s/.test(text[p])) value += text[p++];
  }
  return { value, next: p };
}

function usageError(msg: string): string {
  return `qemu-io: ${msg}\nTry "help qemu-io" for more information\n`;
}

/** cvtnum: bytes with an optional k/M/G/T/P/E suffix; -1 when malformed. */
export function cvtnum(s: string): number {
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) return Number.parseInt(s, 16);
  const m = /^([0-9]+(?:\.[0-9]+)?)([bBkKmMgGtTpPeE]?)$/.exec(s);
  if (!m) return -1;
  const mult: Record<string, number> = { '': 1, b: 1, B: 1, k: 2 ** 10, K: 2 ** 10, m: 2 ** 20, M: 2 ** 20, g: 2 ** 30, G: 2 ** 30, t: 2 ** 40, T: 2 ** 40, p: 2 ** 50, P: 2 ** 50, e: 2 ** 60, E: 2 ** 60 };
  if (m[1].includes('.') && m[2] === '') return -1;
  return Math.floor(Number(m[1]) * mult[m[2]]);
}

/** getopt over qemu-io's argv: flags with an argument end in ':' in `spec`. */
function getopt(argv: string[], spec: string): { opts: Map<string, string>; rest: string[] } | null {
  const opts = new Map<string, string>();
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a.length < 2 || /^-[0-9]/.test(a)) break;
    for (let j = 1; j < a.length; j++) {
      const c = a[j];
      const k = spec.indexOf(c);
      if (k < 0) return null;
      if (spec[k + 1] === ':') {
        const val = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
        if (val === undefined) return null;
        opts.set(c, val);
        break;
      }
      opts.set(c, '');
    }
  }
  return { opts, rest: argv.slice(i) };
}

/** The commands qemu-io knows here: [getopt spec, permission it needs, min args, max args]. */
const COMMANDS: Readonly<Record<string, { spec: string; perm: number; argmin: number; argmax: number }>> = {
  read: { spec: 'bCl:pP:qs:v', perm: 0, argmin: 2, argmax: -1 },
  write: { spec: 'bcCfnpP:quz', perm: BLK_PERM_WRITE, argmin: 2, argmax: -1 },
  readv: { spec: 'CP:qv', perm: 0, argmin: 2, argmax: -1 },
  writev: { spec: 'CfqP:', perm: BLK_PERM_WRITE, argmin: 2, argmax: -1 },
  aio_read: { spec: 'CP:iqv', perm: 0, argmin: 2, argmax: -1 },
  aio_write: { spec: 'CfiqP:uz', perm: BLK_PERM_WRITE, argmin: 2, argmax: -1 },
  aio_flush: { spec: '', perm: 0, argmin: 0, argmax: 0 },
  flush: { spec: '', perm: 0, argmin: 0, argmax: 0 },
  discard: { spec: 'Cq', perm: BLK_PERM_WRITE, argmin: 2, argmax: -1 },
  truncate: { spec: 'm:', perm: BLK_PERM_WRITE | BLK_PERM_RESIZE, argmin: 1, argmax: 3 },
  length: { spec: '', perm: 0, argmin: 0, argmax: 0 },
  info: { spec: '', perm: 0, argmin: 0, argmax: 0 },
  help: { spec: '', perm: 0, argmin: 0, argmax: 1 },
};

/** HMP qemu-io; returns what the monitor prints (usually ""). */
export function hmpQemuIo(graph: BlockGraph, argText: string): string {
  let p = 0;
  let qdev = false;
  const first = getStr(argText, 0);
  if (first && first.value === '-d') {
    qdev = true;
    p = first.next;
  }
  const dev = getStr(argText, p);
  if (!dev) return usageError('block device name expected');
  const cmd = getStr(argText, dev.next);
  if (!cmd) return usageError('string expected');
  if (argText.slice(cmd.next).trim() !== '') return usageError('extraneous characters at the end of line');

  let blk: BlockBackend | undefined;
  let local: BlockBackend | undefined;
  try {
    if (qdev) blk = graph.backendByQdevId(dev.value);
    else {
      blk = graph.backend(dev.value);
      if (!blk) {
        const node = graph.lookup(undefined, dev.value);
        blk = local = graph.createBackend({ ctx: node.aioContext });
        blk.insertNode(node);
      }
    }
  } catch (e) {
    local?.unref();
    if (e instanceof QmpError) return `Error: ${e.desc}\n`;
    throw e;
  }
  try {
    return qemuioCommand(blk, cmd.value);
  } finally {
    local?.unref();
  }
}

/** qemuio_command: breakline, find the command, extend permissions, run it. */
export function qemuioCommand(blk: BlockBackend, line: string): string {
  const argv = line.split(' ').filter((s) => s !== '');
  if (argv.length === 0) return '';
  const ct = COMMANDS[argv[0]];
  if (!ct) return ''; // "command not found" goes to stderr
  const args = argv.length - 1;
  if (args < ct.argmin || (ct.argmax >= 0 && args > ct.argmax)) return '';
  if (!blk.isInserted()) return '';
  if (ct.perm) {
    const { perm, shared } = blk.getPerm();
    if (~perm & ct.perm) {
      try {
        blk.setPerm(perm | ct.perm, shared);
      } catch (e) {
        if (e instanceof QmpError) return `${e.desc}\n`;
        throw e;
      }
    }
  }
  const parsed = getopt(argv.slice(1), ct.spec);
  if (!parsed) return '';
  const { opts, rest } = parsed;
  switch (argv[0]) {
    case 'read':
    case 'aio_read':
    case 'readv': {
      const off = cvtnum(rest[0]);
      const lens = rest.slice(1).map(cvtnum);
      if (off < 0 || lens.length === 0 || lens.some((n) => n < 0)) return '';
      const len = lens.reduce((a, b) => a + b, 0);
      if (argv[0] === 'aio_read') blk.aioPreadv(off, len, () => {});
      else blk.syncRequest((cb) => blk.aioPreadv(off, len, (r) => cb(r)));
      return '';
    }
    case 'write':
    case 'aio_write':
    case 'writev': {
      const off = cvtnum(rest[0]);
      const lens = rest.slice(1).map(cvtnum);
      if (off < 0 || lens.length === 0 || lens.some((n) => n < 0)) return '';
      const len = lens.reduce((a, b) => a + b, 0);
      const pat = opts.get('P');
      const pattern = pat === undefined ? 0xcd : Number(pat);
      if (!Number.isInteger(pattern) || pattern < 0 || pattern > 255) return '';
      const zero = opts.has('z');
      const fua = opts.has('f');
      const start = (cb: (r: number) => void) =>
        zero
          ? blk.aioPwriteZeroes(off, len, cb, { mayUnmap: opts.has('u') })
          : blk.aioPwritev(off, Buffer.alloc(len, pattern), cb, { fua });
      if (argv[0] === 'aio_write') start(() => {});
      else blk.syncRequest(start);
      return '';
    }
    case 'flush':
      blk.syncRequest((cb) => blk.aioFlush(cb));
      return '';
    case 'aio_flush':
      blk.drain();
      return '';
    case 'discard': {
      const off = cvtnum(rest[0]);
      const len = cvtnum(rest[1]);
      if (off < 0 || len < 0) return '';
      blk.syncRequest((cb) => blk.aioPdiscard(off, len, cb));
      return '';
    }
    case 'truncate': {
      const size = cvtnum(rest[0]);
      if (size < 0 || !blk.root) return '';
      try {
        bdrvTruncate(blk.root.bs, size);
      } catch {
        // "truncate: ..." goes to stderr
      }
      return '';
    }
    default:
      return '';
  }
}
