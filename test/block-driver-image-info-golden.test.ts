// ImageInfo (including json: filenames) of the nodes the golden transcripts
// in fixtures/qemu-7.2 create, rebuilt with the drivers and compared with
// what QEMU 7.2 reported for the same node names.

import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BlockDriverState } from '../src/block/drivers/block-driver.js';
import { bdrvTruncate } from '../src/block/drivers/generic-io.js';
import { createOpenContext, openDriver } from '../src/block/drivers/registry.js';

// real file I/O and qemu-img runs: generous on a loaded machine (not a timed assertion)
t.setTimeout(600_000);

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'qemu-7.2');
const HAS_QEMU_IMG = spawnSync('qemu-img', ['--version']).status === 0;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** node-name -> 'image' of every BlockDeviceInfo in the n-th reply carrying any (default: last). */
function goldenImages(file: string, replyIndex = -1): Map<string, Json> {
  const replies: Map<string, Json>[] = [];
  for (const line of fs.readFileSync(path.join(FIXTURES, file), 'utf8').split('\n')) {
    if (!line.startsWith('< ')) continue;
    const found = new Map<string, Json>();
    const walk = (v: Json): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        if (typeof v['node-name'] === 'string' && v.image) found.set(v['node-name'], v.image);
        Object.values(v).forEach(walk);
      }
    };
    walk(JSON.parse(line.slice(2)) as Json);
    if (found.size) replies.push(found);
  }
  return replies.at(replyIndex) ?? new Map();
}

/** Our ImageInfo in golden terms: {tmp} for the scratch dir, "{actual-size}" placeholder. */
function normalise(info: object, tmp: string): Json {
  const s = JSON.stringify(info).split(tmp).join('{tmp}');
  const v = JSON.parse(s) as { [k: string]: Json };
  if (typeof v['actual-size'] === 'number') v['actual-size'] = '{actual-size}';
  return v;
}

function scratch(): { dir: string; sh: (cmd: string) => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qmp-sim-golden-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return { dir, sh: (cmd) => void spawnSync('/bin/sh', ['-c', cmd.split('{tmp}').join(dir)], { cwd: dir }) };
}

function graph(dir: string, legacy = false) {
  const nodes = new Map<string, BlockDriverState>();
  const ctx = createOpenContext({ policy: { allowed: [dir], cwd: dir }, resolveNode: (n) => nodes.get(n), legacy });
  const add = (name: string, opts: Record<string, unknown>): BlockDriverState => {
    const n = openDriver(JSON.parse(JSON.stringify(opts).split('{tmp}').join(dir)), ctx);
    nodes.set(name, n);
    return n;
  };
  return { nodes, add };
}

function compare(t: Test, golden: Map<string, Json>, ours: Record<string, BlockDriverState>, dir: string): void {
  for (const [name, node] of Object.entries(ours)) {
    t.ok(golden.has(name), `golden has node ${name}`);
    t.same(normalise(node.imageInfo(), dir), golden.get(name), `image of ${name}`);
  }
}

t.test('blockdev-add-null', async (t) => {
  const { dir } = scratch();
  const g = graph(dir);
  const ours = {
    null0: g.add('null0', { driver: 'null-co', 'node-name': 'null0' }),
    null1: g.add('null1', { driver: 'null-co', 'node-name': 'null1', size: 1048576, 'read-zeroes': true }),
    null2: g.add('null2', { driver: 'null-aio', 'node-name': 'null2', size: 4096, 'latency-ns': 1000 }),
    null3: g.add('null3', { driver: 'null-co', 'node-name': 'null3', size: 1000 }),
  };
  compare(t, goldenImages('block/blockdev-add-null.golden'), ours, dir);
});

t.test('blockdev-add-blkdebug', async (t) => {
  const { dir, sh } = scratch();
  sh('qemu-img create -q -f raw {tmp}/a.img 16M || truncate -s 16M {tmp}/a.img');
  const g = graph(dir);
  g.add('proto0', { driver: 'file', 'node-name': 'proto0', filename: '{tmp}/a.img' });
  g.add('dbg0', { driver: 'blkdebug', 'node-name': 'dbg0', image: 'proto0', 'inject-error': [{ event: 'read_aio', errno: 5, once: true }] });
  g.add('fmt0', { driver: 'raw', 'node-name': 'fmt0', file: 'dbg0' });
  const dbg1 = g.add('dbg1', { driver: 'blkdebug', 'node-name': 'dbg1', image: { driver: 'null-co' }, align: 4096 });
  t.throws(() => g.add('dbg2', { driver: 'blkdebug', image: { driver: 'null-co' }, 'inject-error': [{ event: 'no_such_event' }] }), {
    message: "Parameter 'event' does not accept value 'no_such_event'",
  });
  const golden = goldenImages('block/blockdev-add-blkdebug.golden');
  compare(t, golden, { proto0: g.nodes.get('proto0')!, dbg0: g.nodes.get('dbg0')!, fmt0: g.nodes.get('fmt0')!, dbg1 }, dir);
  t.same(normalise(dbg1.file!.node.imageInfo(), dir), golden.get('#block{1}'), 'the implicit null-co child');
});

t.test('blockdev-add-file-raw', async (t) => {
  const { dir, sh } = scratch();
  sh('qemu-img create -q -f raw {tmp}/a.img 64M || truncate -s 64M {tmp}/a.img');
  const g = graph(dir);
  g.add('proto0', { driver: 'file', 'node-name': 'proto0', filename: '{tmp}/a.img' });
  g.add('fmt0', { driver: 'raw', 'node-name': 'fmt0', file: 'proto0' });
  const fmt1 = g.add('fmt1', { driver: 'raw', 'node-name': 'fmt1', file: { driver: 'file', filename: '{tmp}/a.img', locking: 'off' }, 'read-only': true });
  t.ok(fmt1.readOnly && fmt1.file!.node.readOnly, 'read-only reaches the implicit file node');
  const golden = goldenImages('block/blockdev-add-file-raw.golden');
  compare(t, golden, { proto0: g.nodes.get('proto0')!, fmt0: g.nodes.get('fmt0')!, fmt1 }, dir);
  t.same(normalise(fmt1.file!.node.imageInfo(), dir), golden.get('#block{1}'));
});

t.test('blockdev-add-qcow2', { skip: HAS_QEMU_IMG ? false : 'qemu-img is not installed' }, async (t) => {
  const { dir, sh } = scratch();
  sh('qemu-img create -q -f qcow2 {tmp}/base.qcow2 32M');
  sh('qemu-img create -q -f qcow2 -b {tmp}/base.qcow2 -F qcow2 {tmp}/top.qcow2');
  const g = graph(dir);
  const base = g.add('base', { driver: 'qcow2', 'node-name': 'base', file: { driver: 'file', filename: '{tmp}/base.qcow2' } });
  const top = g.add('top', { driver: 'qcow2', 'node-name': 'top', file: { driver: 'file', 'node-name': 'top-file', filename: '{tmp}/top.qcow2' }, backing: 'base' });
  const golden = goldenImages('block/blockdev-add-qcow2.golden', 0);
  compare(t, golden, { base, top, 'top-file': top.file!.node }, dir);
  t.same(normalise(base.file!.node.imageInfo(), dir), golden.get('#block{1}'));
  t.equal(top.backing?.node, base, 'backing given by reference');
});

t.test('block-resize', { skip: HAS_QEMU_IMG ? false : 'qemu-img is not installed' }, async (t) => {
  const { dir, sh } = scratch();
  sh('qemu-img create -q -f raw {tmp}/a.img 16M');
  sh('qemu-img create -q -f qcow2 {tmp}/b.qcow2 16M');
  const g = graph(dir, true);
  const drive0 = g.add('#block{1}', { driver: 'raw', file: { driver: 'file', filename: '{tmp}/a.img' } });
  const proto1 = g.add('proto1', { driver: 'file', filename: '{tmp}/b.qcow2' });
  const fmt1 = g.add('fmt1', { driver: 'qcow2', file: 'proto1' });
  bdrvTruncate(drive0, 33554432);
  bdrvTruncate(fmt1, 67108864);
  bdrvTruncate(fmt1, 1048576);
  bdrvTruncate(drive0, 1048576);
  t.throws(() => bdrvTruncate(fmt1, 1000), { message: 'The new size must be a multiple of 512' });
  bdrvTruncate(fmt1, 1048576);
  const golden = goldenImages('block/block-resize.golden');
  compare(t, golden, { '#block{1}': drive0, '#block{2}': drive0.file!.node, fmt1, proto1 }, dir);
});

t.test('io-error-recover-drive (-drive options, json: filename)', async (t) => {
  const { dir, sh } = scratch();
  sh('qemu-img create -q -f raw {tmp}/a.img 16M || truncate -s 16M {tmp}/a.img');
  const g = graph(dir, true);
  // -drive ...,format=raw,file.driver=blkdebug,file.image.filename=...,file.set-state.0.*,file.inject-error.0.*
  const root = g.add('root', {
    driver: 'raw',
    file: {
      driver: 'blkdebug',
      image: { driver: 'file', filename: '{tmp}/a.img' },
      'set-state': { '0': { event: 'read_aio', state: '1', new_state: '2' } },
      'inject-error': { '0': { event: 'read_aio', state: '2', errno: '5', once: 'on' } },
    },
  });
  const golden = [...goldenImages('errors/io-error-recover-drive.golden', 0).values()][0];
  t.same(normalise(root.imageInfo(), dir), golden);
});

// Not from a fixture: json: filenames printed by qemu-system-x86_64 7.2 for
// these blockdev-add calls (query-named-block-nodes), recorded by hand.
t.test('json: filenames of QMP-added nodes with several rules', async (t) => {
  const { dir, sh } = scratch();
  sh('truncate -s 16M {tmp}/a.img');
  const g = graph(dir);
  g.add('p0', { driver: 'file', 'node-name': 'p0', filename: '{tmp}/a.img' });
  const d1 = g.add('d1', {
    driver: 'blkdebug',
    'node-name': 'd1',
    image: 'p0',
    'inject-error': [{ event: 'read_aio', errno: 5, sector: 7, once: true, iotype: 'write', state: 3, immediately: true }],
    'set-state': [
      { event: 'write_aio', state: 1, new_state: 3 },
      { event: 'none', new_state: 2 },
    ],
  });
  const d2 = g.add('d2', {
    driver: 'blkdebug',
    'node-name': 'd2',
    image: 'p0',
    'inject-error': [
      { errno: 5, event: 'read_aio' },
      { event: 'write_aio', errno: 28 },
    ],
    'max-transfer': 65536,
    align: 512,
  });
  const r1 = g.add('r1', { driver: 'raw', 'node-name': 'r1', file: 'p0', offset: 4096, size: 8192 });
  const img = `{"driver": "file", "filename": "${dir}/a.img"}`;
  t.equal(
    d1.filename,
    `json:{"set-state.1.event": "none", "inject-error.0.state": 3, "inject-error.0.immediately": true, "set-state.0.event": "write_aio", "inject-error.0.once": true, "image": ${img}, "set-state.1.new_state": 2, "driver": "blkdebug", "inject-error.0.iotype": "write", "set-state.0.new_state": 3, "inject-error.0.event": "read_aio", "inject-error.0.errno": 5, "set-state.0.state": 1, "inject-error.0.sector": 7}`,
  );
  t.equal(
    d2.filename,
    `json:{"image": ${img}, "max-transfer": 65536, "driver": "blkdebug", "inject-error.0.event": "read_aio", "inject-error.0.errno": 5, "inject-error.1.event": "write_aio", "inject-error.1.errno": 28, "align": 512}`,
  );
  t.equal(r1.filename, `json:{"offset": 4096, "driver": "raw", "size": 8192, "file": ${img}}`);
});
