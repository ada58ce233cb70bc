// blkdebug's rule engine, table-driven (block/blkdebug.c semantics), and the
// driver around it: events raised by the format driver above arm rules,
// requests fail with -errno, config files, option errors, filenames.

import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlockIOError, type BlockDriverState } from '../src/block/drivers/block-driver.js';

import type { BlkdebugEvent, BlkdebugIOType } from '../src/block/drivers/blkdebug-events.js';
import { BlkdebugRuleEngine, type InjectErrorRuleSpec, type SetStateRuleSpec } from '../src/block/drivers/blkdebug-rules.js';
import { BlkdebugDriver } from '../src/block/drivers/blkdebug.js';
import { parseBlkdebugConfig } from '../src/block/drivers/blkdebug-config.js';
import { bdrvFlush, bdrvPread, bdrvPwrite } from '../src/block/drivers/generic-io.js';
import { createOpenContext, openDriver } from '../src/block/drivers/registry.js';

// real file I/O and qemu-img runs: generous on a loaded machine (not a timed assertion)
t.setTimeout(600_000);

type Step =
  | { raise: BlkdebugEvent }
  | { req: BlkdebugIOType; offset?: number; length?: number; expect: number | null; immediately?: boolean; state?: number };

interface Case {
  name: string;
  inject?: InjectErrorRuleSpec[];
  setState?: SetStateRuleSpec[];
  steps: Step[];
}

const S = 512;
/** The error blkdebug throws (it always says whether it fails immediately). */
const blkErr = (errno: number): BlockIOError => new BlockIOError(errno, undefined, { immediately: false });
const CASES: Case[] = [
  { name: 'no rules never fail', steps: [{ raise: 'read_aio' }, { req: 'read', expect: null }] },
  {
    name: 'a rule is armed only once its event fired',
    inject: [{ event: 'read_aio' }],
    steps: [{ req: 'read', expect: null }, { raise: 'write_aio' }, { req: 'read', expect: null }, { raise: 'read_aio' }, { req: 'read', expect: 5 }],
  },
  {
    name: 'armed rules fail every default iotype but block-status',
    inject: [{ event: 'read_aio' }],
    steps: [
      { raise: 'read_aio' },
      { req: 'read', expect: 5 },
      { req: 'write', expect: 5 },
      { req: 'write-zeroes', expect: 5 },
      { req: 'discard', expect: 5 },
      { req: 'flush', offset: 0, length: 0, expect: 5 },
      { req: 'block-status', expect: null },
      { req: 'read', expect: 5 },
    ],
  },
  {
    name: 'once: fails one request and is gone for good',
    inject: [{ event: 'read_aio', once: true }],
    steps: [{ raise: 'read_aio' }, { req: 'read', expect: 5 }, { req: 'read', expect: null }, { raise: 'read_aio' }, { req: 'read', expect: null }],
  },
  {
    name: 'sector must lie inside the request; flush has no bytes',
    inject: [{ event: 'none', sector: 8 }],
    steps: [
      { raise: 'none' },
      { req: 'read', offset: 0, length: 8 * S, expect: null },
      { req: 'read', offset: 8 * S, length: S, expect: 5 },
      { req: 'read', offset: 4 * S, length: 5 * S, expect: 5 },
      { req: 'read', offset: 9 * S, length: S, expect: null },
      { req: 'flush', offset: 0, length: 0, expect: null },
    ],
  },
  {
    name: 'iotype limits the rule',
    inject: [{ event: 'none', iotype: 'write', errno: 28 }],
    steps: [{ raise: 'none' }, { req: 'read', expect: null }, { req: 'write', expect: 28 }, { req: 'write-zeroes', expect: null }],
  },
  {
    name: 'iotype block-status can be chosen',
    inject: [{ event: 'none', iotype: 'block-status' }],
    steps: [{ raise: 'none' }, { req: 'block-status', expect: 5 }, { req: 'read', expect: null }],
  },
  {
    name: 'the first armed rule in declaration order decides; errno 0 lets requests through',
    inject: [
      { event: 'none', sector: 0, errno: 0 },
      { event: 'none', sector: 1, errno: 5 },
      { event: 'none', errno: 28 },
    ],
    steps: [
      { raise: 'none' },
      { req: 'read', offset: 0, length: S, expect: null },
      { req: 'read', offset: S, length: S, expect: 5 },
      { req: 'read', offset: 16 * S, length: S, expect: 28 },
    ],
  },
  {
    name: 'immediately is passed on',
    inject: [{ event: 'none', immediately: true, errno: 12 }],
    steps: [{ raise: 'none' }, { req: 'read', expect: 12, immediately: true }],
  },
  {
    name: 'an event with inject rules replaces the armed set',
    inject: [
      { event: 'read_aio', errno: 5, iotype: 'read' },
      { event: 'write_aio', errno: 28, iotype: 'write' },
    ],
    steps: [
      { raise: 'read_aio' },
      { req: 'read', expect: 5 },
      { req: 'write', expect: null },
      { raise: 'write_aio' },
      { req: 'read', expect: null },
      { req: 'write', expect: 28 },
      { raise: 'flush_to_os' },
      { req: 'write', expect: 28, state: 1 },
    ],
  },
  {
    name: 'set-state then inject on the same event: the new state counts from the next firing',
    setState: [{ event: 'read_aio', state: 1, newState: 2 }],
    inject: [{ event: 'read_aio', state: 2, once: true }],
    steps: [
      { req: 'read', expect: null, state: 1 },
      { raise: 'read_aio' },
      { req: 'read', expect: null, state: 2 },
      { raise: 'read_aio' },
      { req: 'read', expect: 5, state: 2 },
      { raise: 'read_aio' },
      { req: 'read', expect: null, state: 2 },
    ],
  },
  {
    name: 'an event whose inject rules do not match the state keeps the armed set',
    inject: [
      { event: 'none', errno: 5 },
      { event: 'read_aio', state: 3, errno: 28 },
    ],
    steps: [{ raise: 'none' }, { raise: 'read_aio' }, { req: 'read', expect: 5 }],
  },
  {
    name: 'set-state with state 0 fires in any state; the last rule declared runs first',
    setState: [
      { event: 'flush_to_os', newState: 7 },
      { event: 'flush_to_os', newState: 9 },
    ],
    steps: [{ raise: 'flush_to_os' }, { req: 'read', expect: null, state: 7 }],
  },
];

t.test('rule engine', async (t) => {
  for (const c of CASES) {
    const engine = new BlkdebugRuleEngine(c.inject ?? [], c.setState ?? []);
    c.steps.forEach((step, i) => {
      if ('raise' in step) {
        engine.raiseEvent(step.raise);
        return;
      }
      const got = engine.checkRequest(step.req, step.offset ?? 0, step.length ?? S);
      const label = `${c.name}: step ${i} ${step.req}`;
      if (step.expect === null) t.equal(got, null, label);
      else t.same(got, { errno: step.expect, immediately: step.immediately ?? false }, label);
      if (step.state !== undefined) t.equal(engine.state, step.state, `${label} state`);
    });
  }
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qmp-sim-blkdebug-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const p = (n: string): string => path.join(dir, n);
fs.writeFileSync(p('a.img'), Buffer.alloc(1 << 20, 0x11));
const nodes = new Map<string, BlockDriverState>();
const ctx = createOpenContext({ policy: { allowed: [dir], cwd: dir }, resolveNode: (n) => nodes.get(n) });

t.test('raw over blkdebug: read_aio from raw arms the rule, the read fails', async (t) => {
  const raw = openDriver(
    { driver: 'raw', file: { driver: 'blkdebug', image: { driver: 'file', filename: p('a.img') }, 'inject-error': [{ event: 'read_aio', errno: 5, sector: 4096 }] } },
    ctx,
  );
  t.ok(raw.pread(0, 4096).equals(Buffer.alloc(4096, 0x11)), 'not covering sector 4096');
  const err = t.throws(() => bdrvPread(raw, 4096 * 512 - 512, Buffer.alloc(1024))) as BlockIOError;
  t.ok(err instanceof BlockIOError);
  t.equal(err.errno, 5);
  t.equal(err.message, 'Input/output error');
  t.equal(err.immediately, false, 'fails after a yield by default');
  ctx.closeTree(raw);
});

t.test("'none' arms at open; pwritev events come from the generic write path", async (t) => {
  const dbg = openDriver({ driver: 'blkdebug', image: { driver: 'null-co', 'read-zeroes': true }, 'inject-error': [{ event: 'none', iotype: 'flush', errno: 28 }] }, ctx) as BlkdebugDriver;
  t.throws(() => bdrvFlush(dbg), blkErr(28));
  ctx.closeTree(dbg);
  const w = openDriver({ driver: 'blkdebug', image: { driver: 'null-co' }, 'inject-error': [{ event: 'pwritev', once: true }] }, ctx);
  t.doesNotThrow(() => bdrvPread(w, 0, Buffer.alloc(512)));
  t.throws(() => bdrvPwrite(w, 0, Buffer.alloc(512)), blkErr(5), 'armed by its own pwritev event');
  t.doesNotThrow(() => bdrvPwrite(w, 0, Buffer.alloc(512)), 'once');
  ctx.closeTree(w);
});

t.test('align: requests reach blkdebug aligned, so sector rules see the aligned range', async (t) => {
  const dbg = openDriver({ driver: 'blkdebug', align: 4096, image: { driver: 'file', filename: p('a.img') }, 'inject-error': [{ event: 'none', sector: 0, iotype: 'read' }] }, ctx);
  t.equal(dbg.requestAlignment, 4096);
  t.throws(() => bdrvPread(dbg, 1024, Buffer.alloc(512)), blkErr(5), 'a read of sector 2 covers sector 0 once aligned');
  t.doesNotThrow(() => bdrvPread(dbg, 4096, Buffer.alloc(512)));
  const events: string[] = [];
  const spy = dbg as unknown as { debugEvent(e: string): void; rules: BlkdebugRuleEngine };
  const orig = spy.debugEvent.bind(dbg);
  spy.debugEvent = (e: string) => {
    events.push(e);
    orig(e);
  };
  bdrvPwrite(dbg, 4096 + 100, Buffer.alloc(10, 0x22));
  t.same(events, ['pwritev_rmw_head', 'pwritev_rmw_after_head', 'pwritev', 'pwritev_done'], 'read-modify-write events');
  t.ok(dbg.pread(4096 + 96, 20).equals(Buffer.concat([Buffer.alloc(4, 0x11), Buffer.alloc(10, 0x22), Buffer.alloc(6, 0x11)])));
  ctx.closeTree(dbg);
});

t.test('state machine through the driver (io-error-recover-drive)', async (t) => {
  const lctx = createOpenContext({ policy: { allowed: [dir], cwd: dir }, legacy: true });
  const raw = openDriver(
    {
      driver: 'raw',
      file: {
        driver: 'blkdebug',
        image: { driver: 'file', filename: p('a.img') },
        'set-state': { '0': { event: 'read_aio', state: '1', new_state: '2' } },
        'inject-error': { '0': { event: 'read_aio', state: '2', errno: '5', once: 'on' } },
      },
    },
    lctx,
  );
  t.doesNotThrow(() => raw.pread(0, 512), 'first read moves to state 2');
  t.throws(() => raw.pread(0, 512), blkErr(5), 'second read fails');
  t.doesNotThrow(() => raw.pread(0, 512), 'once');
  t.equal((raw.file!.node as BlkdebugDriver).state, 2);
  lctx.closeTree(raw);
});

t.test('config file', async (t) => {
  const cfg = parseBlkdebugConfig('# rules\n[inject-error]\nevent = "read_aio"\nerrno = "28"\n\n[set-state]\nevent = "none"\nnew_state = "3"\n');
  t.same(cfg, { injectError: [{ event: 'read_aio', errno: '28' }], setState: [{ event: 'none', new_state: '3' }] });
  t.throws(() => parseBlkdebugConfig('event = "x"\n'), { message: 'no group defined' });
  t.throws(() => parseBlkdebugConfig('[inject-error]\nnonsense\n'), { message: 'parse error' });
  t.throws(() => parseBlkdebugConfig('[drive]\nfile = "x"\n'), { message: "There is no option group 'drive'" });
  t.throws(() => parseBlkdebugConfig('[inject-error]\nfoo = "1"\n'), { message: "Invalid parameter 'foo'" });
  fs.writeFileSync(p('rules.cfg'), '[inject-error]\nevent = "read_aio"\nerrno = "28"\n');
  const raw = openDriver({ driver: 'raw', file: { driver: 'blkdebug', config: p('rules.cfg'), image: { driver: 'file', filename: p('a.img') } } }, ctx);
  t.throws(() => raw.pread(0, 512), blkErr(28));
  t.equal(raw.file!.node.filename, `blkdebug:${p('rules.cfg')}:${p('a.img')}`);
  ctx.closeTree(raw);
  t.throws(() => openDriver({ driver: 'blkdebug', config: p('none.cfg'), image: { driver: 'null-co' } }, ctx), {
    message: 'Could not read blkdebug config file: No such file or directory',
  });
});

t.test('option errors', async (t) => {
  const img = { driver: 'null-co' };
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ 'inject-error': [{ errno: 5 }] }, 'Missing event name for rule'],
    [{ 'inject-error': [{ event: 'no_such_event' }] }, "Parameter 'event' does not accept value 'no_such_event'"],
    [{ 'inject-error': [{ event: 'none', iotype: 'sideways' }] }, "Parameter 'iotype' does not accept value 'sideways'"],
    [{ align: 1000 }, 'Cannot meet constraints with align 1000'],
    [{ align: 4096, 'max-transfer': 1000 }, 'Cannot meet constraints with max-transfer 1000'],
    [{ align: 512, 'opt-write-zero': 100 }, 'Cannot meet constraints with opt-write-zero 100'],
    [{ 'take-child-perms': ['fly'] }, "Parameter 'take-child-perms[0]' does not accept value 'fly'"],
  ];
  for (const [opts, message] of cases) {
    t.throws(() => openDriver({ driver: 'blkdebug', image: img, ...opts }, ctx), { message }, message);
  }
  const lctx = createOpenContext({ legacy: true });
  t.throws(() => openDriver({ driver: 'blkdebug', image: img, 'inject-error': { '0': { event: 'bogus' } } }, lctx), {
    message: 'invalid parameter value: bogus',
  });
  t.throws(() => openDriver({ driver: 'blkdebug' }, ctx), { message: "Parameter 'image' is missing" });
});

t.test('filenames and ImageInfo', async (t) => {
  const file = openDriver({ driver: 'file', filename: p('a.img') }, ctx);
  nodes.set('proto0', file);
  const plain = openDriver({ driver: 'blkdebug', image: 'proto0' }, ctx);
  t.equal(plain.filename, `blkdebug::${p('a.img')}`);
  const info = plain.imageInfo();
  t.same(info, { filename: `blkdebug::${p('a.img')}`, format: 'blkdebug', 'dirty-flag': false, 'virtual-size': 1 << 20 }, 'no actual-size for a protocol filter');
  plain.close();
});
