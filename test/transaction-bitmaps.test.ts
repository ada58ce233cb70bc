// `transaction` over the dirty-bitmap actions (blockdev.c qmp_transaction):
// all or nothing over random seeds, the action table walked kind by kind,
// and the two inputs that crash QEMU 7.2 answered without a crash.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { blockVm, scratchDir, type BlockVm } from './lib/block-machine.js';
import { xorshift32 } from './lib/prng.js';
import { QmpError } from '../src/qapi/error.js';
import { runTransaction, type TransactionActionArg } from '../src/block/transaction/transaction.js';
import { TRANSACTION_ACTION_KINDS, TRANSACTION_ACTIONS } from '../src/block/transaction/actions.js';
import { bitmapAdd, bitmapClear, bitmapMerge, bitmapRemove, bitmapSetEnabled } from '../src/block/transaction/bitmap-qmp.js';
import { buildCommandTable } from '../src/commands/registry.js';
import { releaseDirtyBitmap } from '../src/block/dirty-bitmap.js';

const DRIVE = 'if=none,id=drive0,driver=raw,file.driver=null-co,file.size=16M,node-name=fmt0';

function vm(): BlockVm {
  return blockVm({ drives: [DRIVE, 'if=none,id=drive1,driver=null-co,size=16M,node-name=n1'] });
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof QmpError) return e.desc;
    throw e;
  }
  return 'ok';
}

/** Every bitmap of both nodes with its flags and its dirty runs. */
function snapshot(v: BlockVm): string {
  const out: unknown[] = [];
  for (const name of ['fmt0', 'n1']) {
    const node = v.machine.block.findNode(name)!;
    for (const bm of node.dirtyBitmaps) {
      const runs: number[] = [];
      for (let a = bm.nextDirtyArea(0, bm.size, 2 ** 40); a; a = bm.nextDirtyArea(a.offset + a.bytes, bm.size, 2 ** 40)) runs.push(a.offset, a.bytes);
      out.push([name, bm.name, bm.granularity, bm.disabled, bm.busy, bm.count(), runs]);
    }
  }
  return JSON.stringify(out);
}

const NAMES = ['a', 'b', 'c', 'd'];

/** A random bitmap action; about one in six refers to something missing. */
function randomAction(rnd: () => number): TransactionActionArg {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const node = pick(['drive0', 'fmt0', 'n1', rnd() < 0.1 ? 'nosuch' : 'drive1']);
  const name = pick(NAMES);
  switch (pick(['add', 'remove', 'clear', 'enable', 'disable', 'merge'] as const)) {
    case 'add':
      return { type: 'block-dirty-bitmap-add', data: { node, name, granularity: pick([512, 4096, 65536]), disabled: rnd() < 0.3 } };
    case 'merge':
      return {
        type: 'block-dirty-bitmap-merge',
        data: { node, target: name, bitmaps: [pick(NAMES), { node: pick(['fmt0', 'n1']), name: pick(NAMES) }] },
      };
    case 'remove':
      return { type: 'block-dirty-bitmap-remove', data: { node, name } };
    case 'clear':
      return { type: 'block-dirty-bitmap-clear', data: { node, name } };
    case 'enable':
      return { type: 'block-dirty-bitmap-enable', data: { node, name } };
    default:
      return { type: 'block-dirty-bitmap-disable', data: { node, name } };
  }
}

/**
 * The same action as a plain command, except that a removed bitmap stays
 * busy in `removed` until the end (a transaction releases it at commit).
 */
function applyOne(v: BlockVm, a: TransactionActionArg, removed: Array<() => void>): void {
  const g = v.machine.block;
  const d = a.data as Record<string, never>;
  switch (a.type) {
    case 'block-dirty-bitmap-add':
      bitmapAdd(g, d as never);
      break;
    case 'block-dirty-bitmap-remove': {
      const { bs, bitmap } = bitmapRemove(g, d.node, d.name, false);
      bitmap.busy = true;
      removed.push(() => {
        bitmap.busy = false;
        releaseDirtyBitmap(bs, bitmap);
      });
      break;
    }
    case 'block-dirty-bitmap-clear':
      bitmapClear(g, d.node, d.name, false);
      break;
    case 'block-dirty-bitmap-enable':
    case 'block-dirty-bitmap-disable':
      bitmapSetEnabled(g, d.node, d.name, a.type === 'block-dirty-bitmap-enable');
      break;
    case 'block-dirty-bitmap-merge':
      bitmapMerge(g, d.node, d.target, d.bitmaps);
      break;
    default:
      throw new Error(a.type);
  }
}

function setup(v: BlockVm, rnd: () => number): void {
  const g = v.machine.block;
  for (const node of ['fmt0', 'n1']) {
    for (const name of NAMES) if (rnd() < 0.6) bitmapAdd(g, { node, name, granularity: [512, 4096, 65536][Math.floor(rnd() * 3)] });
    for (let i = 0; i < 5; i++) {
      const bm = g.findNode(node)!.dirtyBitmaps;
      if (bm.length) bm[Math.floor(rnd() * bm.length)].setDirty(Math.floor(rnd() * 16e6), Math.floor(rnd() * 300_000));
    }
  }
}

t.test('all or nothing over 300 seeds: a failing transaction changes nothing, a good one equals its actions run one by one', async (t) => {
  let failed = 0;
  let succeeded = 0;
  for (let seed = 1; seed <= 300; seed++) {
    const a = vm();
    const b = vm();
    try {
      setup(a, xorshift32(seed));
      setup(b, xorshift32(seed));
      const rnd = xorshift32(seed * 7919);
      const actions = Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => randomAction(rnd));
      if (rnd() < 0.2) actions.push({ type: 'abort', data: {} });
      const before = snapshot(a);
      const err = errorOf(() => runTransaction(a.machine.block, actions));
      if (err !== 'ok') {
        failed++;
        if (snapshot(a) !== before) {
          t.fail(`seed ${seed}: failed with "${err}" but changed the bitmaps`, { actions });
          return;
        }
        // the same error comes from running the actions one by one
        let oneByOne = 'ok';
        for (const act of actions) {
          if (act.type === 'abort') {
            oneByOne = 'Transaction aborted using Abort action';
            break;
          }
          oneByOne = errorOf(() => applyOne(b, act, []));
          if (oneByOne !== 'ok') break;
        }
        if (oneByOne !== err) {
          t.fail(`seed ${seed}: transaction error "${err}", one by one "${oneByOne}"`, { actions });
          return;
        }
      } else {
        succeeded++;
        const removed: Array<() => void> = [];
        for (const act of actions) applyOne(b, act, removed);
        for (const r of removed) r();
        if (snapshot(a) !== snapshot(b)) {
          t.fail(`seed ${seed}: transaction result differs from its actions one by one`, { actions });
          return;
        }
      }
    } finally {
      a.close();
      b.close();
    }
  }
  t.ok(failed > 30 && succeeded > 30, `both outcomes covered (${failed} failed, ${succeeded} succeeded)`);
});

t.test('the action table: every kind of QEMU 7.2, completion-mode checks as in blockdev.c', async (t) => {
  const v = vm();
  t.teardown(() => v.close());
  const g = v.machine.block;
  t.same(Object.keys(TRANSACTION_ACTIONS).sort(), [...TRANSACTION_ACTION_KINDS].sort());
  for (const kind of TRANSACTION_ACTION_KINDS) {
    const ops = TRANSACTION_ACTIONS[kind];
    const grouped = errorOf(() => runTransaction(g, [{ type: kind, data: { node: 'drive0', name: 'zz', target: 'zz', bitmaps: [] } }], { 'completion-mode': 'grouped' }));
    if (kind === 'abort') t.equal(grouped, 'Transaction aborted using Abort action', kind);
    else if (ops.individualOnly) t.equal(grouped, `Action '${kind}' does not support Transaction property completion-mode = grouped`, kind);
    else t.equal(grouped, `Transaction action '${kind}' is not modelled by qmp-sim`, kind);
    if (!ops.modelled) {
      t.equal(errorOf(() => runTransaction(g, [{ type: kind, data: {} }])), `Transaction action '${kind}' is not modelled by qmp-sim`, `${kind} individual`);
    }
  }
  // an unmodelled action after a good one rolls the good one back
  const err = errorOf(() =>
    runTransaction(g, [
      { type: 'block-dirty-bitmap-add', data: { node: 'drive0', name: 'kept' } },
      { type: 'drive-backup', data: { device: 'drive0', target: '/x', sync: 'full' } },
    ]),
  );
  t.equal(err, "Transaction action 'drive-backup' is not modelled by qmp-sim");
  t.equal(g.findNode('fmt0')!.dirtyBitmaps.length, 0, 'the add was undone');
});

t.test('inputs that crash QEMU 7.2 get an answer here', async (t) => {
  const v = vm();
  t.teardown(() => v.close());
  const g = v.machine.block;
  bitmapAdd(g, { node: 'drive0', name: 'b', disabled: true });
  // QEMU 7.2: a failed enable's abort dereferences the NULL bitmap (blockdev.c block_dirty_bitmap_enable_abort)
  t.equal(
    errorOf(() =>
      runTransaction(g, [
        { type: 'block-dirty-bitmap-enable', data: { node: 'drive0', name: 'b' } },
        { type: 'block-dirty-bitmap-enable', data: { node: 'drive0', name: 'nosuch' } },
      ]),
    ),
    "Dirty bitmap 'nosuch' not found",
  );
  t.ok(g.findNode('fmt0')!.dirtyBitmaps[0].disabled, 'the first enable was undone');
  // QEMU 7.2: merge with no sources frees a NULL HBitmap (bitmap-qmp-cmds.c block_dirty_bitmap_merge)
  const table = buildCommandTable();
  const ctx = { machine: v.machine } as never;
  t.equal(errorOf(() => table.get('block-dirty-bitmap-merge')!.run({ node: 'drive0', target: 'b', bitmaps: [] }, ctx)), 'ok');
  t.equal(errorOf(() => table.get('transaction')!.run({ actions: [{ type: 'block-dirty-bitmap-merge', data: { node: 'drive0', target: 'b', bitmaps: [] } }] }, ctx)), 'ok');
});

t.test('persistent bitmaps: qcow2 constraints, then a clear refusal (not stored in images)', async (t) => {
  const dir = scratchDir();
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', join(dir, 'p.qcow2'), '1M']);
  const v = blockVm({ blockdevs: [`driver=qcow2,node-name=q,file.driver=file,file.filename=${join(dir, 'p.qcow2')}`] }, { dir });
  t.teardown(() => {
    v.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const g = v.machine.block;
  bitmapAdd(g, { node: 'q', name: 'plain' });
  t.equal(errorOf(() => bitmapAdd(g, { node: 'q', name: 'plain', persistent: true })), 'Bitmap already exists: plain');
  t.equal(
    errorOf(() => bitmapAdd(g, { node: 'q', name: 'x'.repeat(1024), persistent: true })),
    `Can't make bitmap '${'x'.repeat(1024)}' persistent in 'q': Name length exceeds maximum (1023 characters)`,
  );
  t.match(errorOf(() => bitmapAdd(g, { node: 'q', name: 'p', persistent: true })), /^Can't make bitmap 'p' persistent in 'q': persistent bitmaps are not modelled by qmp-sim/);
  t.equal(g.findNode('q')!.dirtyBitmaps.length, 1, 'nothing was added');
});
