// Property: over many seeds, a random guest workload on a random disk
// (ide-hd, scsi-hd on virtio-scsi, virtio-blk with and without iothread;
// raw or qcow2) under random werror/rerror policies (report, ignore, stop,
// enospc, auto; on -drive or on the device) meets random injected faults
// (EIO/ENOSPC on read/write/flush, once or sticky, ranged or not). Whenever
// the VM stops on io-error the faults are cleared and the VM continued.
// Then: every BLOCK_IO_ERROR / STOP / RESUME sequence was legal (iostatus
// set before BLOCK_IO_ERROR, BLOCK_IO_ERROR before STOP, RESUME only from
// cont, io-error while stopped), every read the guest saw succeed returned
// allowed data, and the image holds what the guest wrote — a write that
// failed (report) or whose error was ignored may have left old or new
// content per sector (src/hw/testing/error-policy-model.ts says why);
// a write parked by stop and retried must land exactly.
import t from 'tap';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faultInjector, type FaultOp } from '../src/block/fault-inject.js';
import { bdrvPread } from '../src/block/drivers/generic-io.js';
import { createImageFile, createOpenContext, openDriver } from '../src/block/drivers/registry.js';
import { GuestWorkload, type WorkloadOp } from '../src/hw/guest/guest-workload.js';
import { DiskModel, EventSequenceChecker, policyAction, iostatusEnabled, EIO, ENOSPC, type Action, type Policy } from '../src/hw/testing/error-policy-model.js';
import { Prng } from '../src/sim/prng.js';
import { blockVm } from './lib/block-machine.js';
import { seedCount } from './lib/paths.js';

const DISK = 1 << 20;
const SECTOR = 512;
const POLICIES: Policy[] = ['report', 'ignore', 'stop', 'enospc', 'auto'];
const FRONTS = ['ide-hd', 'scsi-hd', 'virtio-blk', 'virtio-blk,iothread'] as const;
type Front = (typeof FRONTS)[number];

const dir = mkdtempSync(join(tmpdir(), 'qmp-sim-policy-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const ctxFor = () => createOpenContext({ policy: { allowed: [dir], cwd: dir } });
createImageFile({ filename: join(dir, 'template.qcow2'), format: 'qcow2', size: DISK }, ctxFor());
const QCOW2_TEMPLATE = readFileSync(join(dir, 'template.qcow2'));

interface Config {
  front: Front;
  format: 'raw' | 'qcow2';
  /** -drive werror/rerror (undefined: the -drive default) */
  driveW?: Policy;
  driveR?: Policy;
  /** device property (auto: inherit the drive's) */
  devW: Policy;
  devR: Policy;
}

function drawConfig(rng: Prng): Config {
  const driveW = rng.chance(0.5) ? rng.pick(['report', 'ignore', 'stop', 'enospc'] as Policy[]) : undefined;
  const driveR = rng.chance(0.5) ? rng.pick(['report', 'ignore', 'stop'] as Policy[]) : undefined;
  return { front: rng.pick(FRONTS), format: rng.chance(0.5) ? 'raw' : 'qcow2', driveW, driveR, devW: rng.pick(POLICIES), devR: rng.pick(POLICIES) };
}

/** The policy in force: the device's, or (auto) the BB's from -drive or its default. */
function effective(dev: Policy, drive: Policy | undefined, dflt: Policy): Exclude<Policy, 'auto'> {
  return (dev !== 'auto' ? dev : drive ?? dflt) as Exclude<Policy, 'auto'>;
}

function devices(c: Config): string[] {
  const props = `drive=d0,id=disk,werror=${c.devW},rerror=${c.devR}`;
  switch (c.front) {
    case 'ide-hd':
      return [`ide-hd,${props},bus=ide.0`];
    case 'scsi-hd':
      return ['virtio-scsi-pci', `scsi-hd,${props}`];
    case 'virtio-blk':
      return [`virtio-blk-pci,${props}`];
    case 'virtio-blk,iothread':
      return [`virtio-blk-pci,${props},iothread=io0`];
  }
}

function readImage(c: Config, path: string): Buffer {
  if (c.format === 'raw') {
    const buf = Buffer.alloc(DISK);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buf, 0, DISK, 0);
    } finally {
      closeSync(fd);
    }
    return buf;
  }
  const ctx = ctxFor();
  const node = openDriver({ driver: 'qcow2', file: { driver: 'file', filename: path }, 'read-only': true }, ctx);
  try {
    const buf = Buffer.alloc(DISK);
    bdrvPread(node, 0, buf);
    return buf;
  } finally {
    ctx.closeTree(node);
  }
}

interface SeedResult {
  violations: string[];
  coverage: Record<string, number>;
}

export function runSeed(seed: number, bugs: { syncVmStopOnIoError?: boolean } = {}): SeedResult {
  const rng = new Prng(seed);
  const c = drawConfig(rng.fork('config'));
  const werror = effective(c.devW, c.driveW, 'enospc');
  const rerror = effective(c.devR, c.driveR, 'report');
  const img = join(dir, `s${seed % 4}.${c.format}`);
  if (c.format === 'raw') {
    writeFileSync(img, '');
    truncateSync(img, DISK);
  } else writeFileSync(img, QCOW2_TEMPLATE);
  const drive = `if=none,id=d0,format=${c.format},file=${img}${c.driveW ? `,werror=${c.driveW}` : ''}${c.driveR ? `,rerror=${c.driveR}` : ''}`;
  const vm = blockVm({ drives: [drive], devices: devices(c), startPaused: true, iothreads: c.front.endsWith('iothread') ? [{ id: 'io0' }] : [], seed }, { dir });
  const m = vm.machine;
  m.kernel.bugs.syncVmStopOnIoError = bugs.syncVmStopOnIoError ?? false;
  const violations: string[] = [];
  const coverage: Record<string, number> = {};
  const bump = (k: string) => (coverage[k] = (coverage[k] ?? 0) + 1);
  const label = `${c.front}/${c.format} werror=${werror} rerror=${rerror}`;
  try {
    const blk = m.block.backend('d0')!;
    const disk = m.devices.disk('disk')!;
    const checker = new EventSequenceChecker(
      { device: 'd0', nodeName: () => blk.nodeName, rerror, werror, iostatus: iostatusEnabled(rerror, werror) },
      { iostatus: () => blk.iostatus, status: () => m.queryStatus().status, running: () => m.queryStatus().running },
    );
    m.events.subscribe((ev) => checker.event(ev.event, ev.data));

    // faults on the device's root node (qcow2: sometimes its file node)
    const injector = faultInjector(m.block);
    const frng = rng.fork('faults');
    const arm = () => {
      const root = blk.root!;
      const node = c.format === 'qcow2' && frng.chance(0.3) ? root.children().find((x) => x.name === 'file')!.node : root;
      const ranged = frng.chance(0.6);
      const sector = frng.int(DISK / SECTOR);
      injector.inject(node, {
        errno: frng.chance(0.5) ? 'EIO' : 'ENOSPC',
        op: frng.pick(['read', 'write', 'flush', 'any'] as FaultOp[]),
        mode: frng.chance(0.3) ? 'sticky' : 'once',
        ...(ranged && { sector, sectors: frng.range(1, Math.min(256, DISK / SECTOR - sector)) }),
      });
    };
    for (let n = frng.range(1, 3); n > 0; n--) arm();

    // which in-flight op each fault hit, and the action the policy took
    const hitActions = new Map<WorkloadOp, Action[]>();
    let wl: GuestWorkload | undefined;
    injector.onHit((hit) => {
      const isRead = hit.kind === 'read';
      const errno = hit.fault.errno === 'ENOSPC' ? ENOSPC : EIO;
      const action = policyAction(isRead ? rerror : werror, errno);
      bump(`action ${action}`);
      for (const op of wl?.pending() ?? []) {
        const same = hit.kind === 'flush' ? op.op === 'flush' : isRead ? op.op === 'read' : op.op === 'write';
        if (!same) continue;
        if (hit.kind !== 'flush' && !(hit.offset < op.offset + op.length && op.offset < hit.offset + Math.max(hit.bytes, 1))) continue;
        hitActions.set(op, [...(hitActions.get(op) ?? []), action]);
      }
    });

    const model = new DiskModel(DISK);
    const wrng = rng.fork('workload');
    m.devices.guest.startOs();
    wl = new GuestWorkload(
      m.devices.guest,
      disk,
      { seed, ops: wrng.range(8, 30), maxLength: wrng.range(1, 32) * SECTOR, queueDepth: wrng.range(1, 4), mix: { read: 4, write: 5, flush: 1 } },
      DISK,
      (op, r) => {
        const acts = hitActions.get(op) ?? [];
        hitActions.delete(op);
        if (op.op === 'write') {
          const certain = r.ok && !acts.includes('ignore');
          if (!certain) bump(r.ok ? 'write error ignored' : 'write failed (report)');
          else if (acts.includes('stop')) bump('write retried after stop');
          model.write(op.offset, op.data!, certain);
        } else if (op.op === 'read' && r.ok && !acts.includes('ignore')) {
          const bad = model.mismatch(op.offset, r.data!);
          if (bad >= 0) violations.push(`read ${op.index} returned unexpected data at sector ${bad}`);
        }
      },
    );
    wl.start();
    checker.inCont = true;
    m.qmpCont();
    checker.inCont = false;

    for (let cycles = 0; !wl.finished; cycles++) {
      const ok = vm.until(() => wl!.finished || m.queryStatus().status === 'io-error');
      if (!ok) {
        violations.push(`hang: ${JSON.stringify(wl.summary())}, VM ${m.queryStatus().status}`);
        break;
      }
      if (wl.finished) break;
      bump('stopped on io-error');
      checker.checkStopped();
      if (cycles > 100) {
        violations.push('more than 100 stop/cont cycles');
        break;
      }
      injector.clear();
      checker.inCont = true;
      m.qmpCont();
      checker.inCont = false;
    }
    vm.settle();
    violations.push(...checker.violations);
    if (m.queryStatus().status !== 'running') violations.push(`ends ${m.queryStatus().status}`);
    for (const line of [...vm.logs, ...m.kernel.logLines]) violations.push(`log: ${line}`);
    if (model.uncertainSectors() > 0) bump('image with uncertain sectors');
    bump(c.front);
    // close every node (qcow2 writes back its metadata), then read the file afresh
    for (const node of m.block.nodeList().reverse()) node.bs.close();
    const bad = model.mismatch(0, readImage(c, img));
    if (bad >= 0) violations.push(`image sector ${bad} holds data the guest never wrote there (or lost a write)`);
  } catch (e) {
    violations.push(`threw: ${(e as Error)?.stack ?? String(e)}`);
  } finally {
    vm.close();
  }
  return { violations: violations.map((v) => `seed ${seed} (${label}): ${v}`), coverage };
}

const seeds = seedCount(1000);

t.test(`guest data and error events under every policy, ${seeds} seeds`, async (t) => {
  const failed: string[] = [];
  const coverage: Record<string, number> = {};
  for (let seed = 1; seed <= seeds; seed++) {
    const r = runSeed(seed);
    failed.push(...r.violations);
    for (const [k, v] of Object.entries(r.coverage)) coverage[k] = (coverage[k] ?? 0) + v;
  }
  t.same(failed.slice(0, 8), [], 'no seed breaks a property');
  for (const k of ['action stop', 'action report', 'action ignore', 'stopped on io-error', 'write retried after stop', 'write failed (report)', 'write error ignored', ...FRONTS]) {
    t.ok((coverage[k] ?? 0) > 0, `the sweep reaches: ${k} (${coverage[k] ?? 0})`);
  }
});

t.test('the check catches the pre-2014 order (BLOCK_IO_ERROR, vm_stop, then iostatus)', async (t) => {
  const hits: string[] = [];
  for (let seed = 1; seed <= 200 && !hits.some((h) => /iostatus ok at BLOCK_IO_ERROR/.test(h)); seed++) hits.push(...runSeed(seed, { syncVmStopOnIoError: true }).violations);
  t.match(hits.join('\n'), /iostatus ok at BLOCK_IO_ERROR \(stop\)/);
});

t.test('one seed replays the same run', async (t) => {
  t.same(runSeed(7), runSeed(7));
});
