// Race invariant (2015/2016, mirror completion): a guest writes through the
// device's BlockBackend during a whole mirror; the mirror is completed (or
// soft-cancelled) at a seeded moment. Afterwards the device's image must
// equal a model of every acknowledged write. With the bug switch
// mirrorPivotOutsideDrain the drained section ends before the graph switch
// and writes in that window reach only the old image.

import { rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Machine } from '../../machine/machine.js';
import { defaultMachineConfig } from '../../machine/config.js';
import { VersionInfo } from '../../machine/version.js';
import type { BlockBackend } from '../../block/block-backend.js';
import { blockdevMirror } from '../mirror/mirror-start.js';
import type { MirrorCopyMode, MirrorJob } from '../mirror/mirror-job.js';
import { bdrvPread } from '../../block/drivers/generic-io.js';

export const PIVOT_RACE_IMAGE_SIZE = 256 * 1024;
const MAX_NS = 20e9;

export interface PivotRaceResult {
  seed: number;
  outcome: 'complete' | 'soft-cancel' | 'none';
  autoFinalize: boolean;
  /** acknowledged guest writes */
  writes: number;
  /** writes submitted while the source was drained for completion (queued) */
  queuedAtCompletion: number;
  /** bytes where the device's image differs from the model */
  lostBytes: number;
  violations: string[];
  hang?: string;
  /** write-blocking: bytes where the target lagged the model of settled writes just before complete */
  targetLagBytes: number;
}

export interface PivotRaceOptions {
  /** scratch directory for the two images (created by the caller) */
  dir: string;
  bug?: boolean;
  /** copy-mode of the mirror (default background) */
  copyMode?: MirrorCopyMode;
}

function makeImage(path: string, size: number): void {
  // a fresh inode: truncating the previous seed's data would start host writeback
  rmSync(path, { force: true });
  writeFileSync(path, Buffer.alloc(0));
  truncateSync(path, size);
}

export function runMirrorPivotRace(seed: number, opts: PivotRaceOptions): PivotRaceResult {
  const size = PIVOT_RACE_IMAGE_SIZE;
  const src = join(opts.dir, 'src.img');
  const dst = join(opts.dir, 'dst.img');
  makeImage(src, size);
  makeImage(dst, size);
  const logs: string[] = [];
  const machine = new Machine(
    {
      ...defaultMachineConfig(),
      clock: 'virtual',
      seed,
      nodefaults: true,
      imageDirs: [opts.dir],
      // host flushes prove nothing here and cost most of a seed's time
      drives: [`if=none,id=drive0,file=${src},format=raw,cache=unsafe`],
      blockdevs: [`driver=file,node-name=tgt-file,filename=${dst},cache.no-flush=on`, 'driver=raw,node-name=tgt,file=tgt-file'],
    },
    { version: VersionInfo.recorded(), log: (m) => logs.push(m), live: false },
  );
  const res: PivotRaceResult = { seed, outcome: 'none', autoFinalize: true, writes: 0, queuedAtCompletion: 0, lostBytes: 0, violations: [], targetLagBytes: 0 };
  try {
    machine.kernel.bugs.mirrorPivotOutsideDrain = opts.bug ?? false;
    machine.start();
    const k = machine.kernel;
    const rnd = k.random('mirror-pivot-race');
    const blk = machine.block.backend('drive0') as BlockBackend;
    const model = Buffer.alloc(size);
    const inflight: Array<{ off: number; len: number }> = [];
    let writing = true;
    let job: MirrorJob | undefined;

    // the guest: non-overlapping writes, at most 4 in flight, at seeded intervals
    const tick = k.mainContext.timerNew(() => {
      if (!writing) return;
      if (inflight.length < 4) {
        const len = 512 * (1 + rnd.int(32));
        const off = 512 * rnd.int((size - len) / 512 + 1);
        if (!inflight.some((w) => off < w.off + w.len && w.off < off + len)) {
          const data = Buffer.alloc(len, 1 + rnd.int(255));
          const w = { off, len };
          inflight.push(w);
          if (job && job.inDrain) res.queuedAtCompletion++;
          blk.aioPwritev(off, data, (ret) => {
            inflight.splice(inflight.indexOf(w), 1);
            if (ret === 0) {
              data.copy(model, off);
              res.writes++;
            } else res.violations.push(`write ${off}+${len} failed: ${ret}`);
          });
        }
      }
      tick.modIn(20_000 + rnd.int(1_000_000));
    }, 'guest writes');
    tick.modIn(rnd.int(100_000));

    const wait = (what: string, cond: () => boolean): boolean => {
      if (k.runUntil(cond, { maxNs: k.nowNs() + MAX_NS })) return true;
      res.hang = `never: ${what} (job status ${job?.status ?? 'gone'})`;
      return false;
    };
    const sleep = (ns: number) => {
      const until = k.nowNs() + ns;
      k.runUntil(() => k.nowNs() >= until, { maxNs: until + 1 });
    };

    sleep(rnd.int(500_000));
    const autoFinalize = rnd.chance(0.6);
    res.autoFinalize = autoFinalize;
    blockdevMirror(machine.block, machine.jobs, {
      'job-id': 'm',
      device: 'drive0',
      target: 'tgt',
      sync: 'full',
      granularity: [4096, 16384, 65536][rnd.int(3)],
      'buf-size': [0, 65536, 262144][rnd.int(3)],
      ...(rnd.chance(0.3) ? { speed: 32 * 1024 * 1024 } : {}),
      'auto-finalize': autoFinalize,
      ...(opts.copyMode ? { 'copy-mode': opts.copyMode } : {}),
    });
    job = machine.jobs.get('m') as MirrorJob;
    if (!wait('ready', () => job!.status === 'ready')) return res;
    sleep(rnd.int(2_000_000));
    if (opts.copyMode) {
      // active mirroring: once READY the target holds every settled write
      // (measured for background too, where it may lag; only a violation in write-blocking)
      const target = Buffer.alloc(size);
      bdrvPread(machine.block.findNode('tgt')!.bs, 0, target);
      for (let i = 0; i < size; i++) {
        if (target[i] !== model[i] && !inflight.some((w) => i >= w.off && i < w.off + w.len)) res.targetLagBytes++;
      }
      if (res.targetLagBytes > 0 && opts.copyMode === 'write-blocking') res.violations.push(`${res.targetLagBytes} bytes of settled writes missing from the target while READY`);
    }
    if (rnd.chance(0.8)) {
      res.outcome = 'complete';
      job.userComplete();
    } else {
      res.outcome = 'soft-cancel';
      job.userCancel(false);
    }
    if (!autoFinalize) {
      if (!wait('pending', () => job!.status === 'pending')) return res;
      sleep(rnd.int(1_000_000));
      job.userFinalize();
    }
    if (!wait('job gone', () => machine.jobs.get('m') === undefined)) return res;
    sleep(rnd.int(500_000));
    writing = false;
    tick.del();
    if (!wait('guest writes done', () => inflight.length === 0)) return res;

    if (res.outcome === 'complete' && blk.root?.nodeName !== 'tgt') res.violations.push(`device still on '${blk.root?.nodeName}' after complete`);
    if (res.outcome === 'soft-cancel' && blk.root?.nodeName === 'tgt') res.violations.push('device moved to the target on a soft cancel');
    let image: Buffer | undefined;
    blk.aioPreadv(0, size, (ret, data) => {
      if (ret === 0) image = data;
      else res.violations.push(`final read failed: ${ret}`);
    });
    if (!wait('final read', () => image !== undefined || res.violations.length > 0) || !image) return res;
    for (let i = 0; i < size; i++) if (image[i] !== model[i]) res.lostBytes++;
    if (res.lostBytes > 0) res.violations.push(`${res.lostBytes} bytes of acknowledged writes missing from the device's image`);
    if (logs.length) res.violations.push(...logs.map((l) => `log: ${l}`));
    return res;
  } finally {
    machine.destroy();
  }
}

export function pivotRaceFailed(r: PivotRaceResult): boolean {
  return r.violations.length > 0 || r.hang !== undefined;
}
