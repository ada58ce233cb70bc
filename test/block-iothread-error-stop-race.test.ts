// Race invariant 2 (2014, "block: asynchronously stop the VM on I/O
// errors") on the real devices: virtio-blk-pci with iothread= (dataplane)
// fails guest requests in the iothread through injected faults while a
// monitor client races cont / stop / query-status from the main loop. At
// every moment: the iostatus is set before BLOCK_IO_ERROR, BLOCK_IO_ERROR
// goes out before its STOP, change-state handlers run in the main thread,
// query-status agrees with the last STOP/RESUME, io-error never comes with
// an ok iostatus; and at the end every guest write is on the image.
// BugSwitches.syncVmStopOnIoError re-creates the pre-2014 code; the last
// test proves the checks catch it.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faultInjector } from '../src/block/fault-inject.js';
import { GuestWorkload } from '../src/hw/guest/guest-workload.js';
import { DiskModel } from '../src/hw/testing/error-policy-model.js';
import { Prng } from '../src/sim/prng.js';
import { bracketedBy, TestMonitor, type MonitorCommand } from '../src/system/testing/test-monitor.js';
import { blockVm } from './lib/block-machine.js';
import { seedCount } from './lib/paths.js';

const DISK = 1 << 20;
const dir = mkdtempSync(join(tmpdir(), 'qmp-sim-race2014-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

interface RaceRun {
  violations: string[];
  coverage: Record<string, number>;
}

function runRace(seed: number, opts: { bug?: boolean } = {}): RaceRun {
  writeFileSync(join(dir, 'a.img'), '');
  truncateSync(join(dir, 'a.img'), DISK);
  const rng = new Prng(seed);
  const vm = blockVm(
    {
      drives: [`if=none,id=d0,format=raw,file=${join(dir, 'a.img')},werror=stop,rerror=stop`],
      devices: ['virtio-blk-pci,drive=d0,id=disk,iothread=io0'],
      iothreads: [{ id: 'io0' }],
      startPaused: true,
      seed,
    },
    { dir },
  );
  const m = vm.machine;
  const k = m.kernel;
  k.bugs.syncVmStopOnIoError = opts.bug ?? false;
  const violations: string[] = [];
  const coverage: Record<string, number> = {};
  const bump = (key: string) => (coverage[key] = (coverage[key] ?? 0) + 1);
  try {
    const blk = m.block.backend('d0')!;
    let lastRunEvent: 'RESUME' | 'STOP' = 'STOP';
    let react: TestMonitor | undefined;
    let unexplained = 0;
    m.events.subscribe((ev) => {
      if (ev.event === 'BLOCK_IO_ERROR' && ev.data?.action === 'stop') {
        if (blk.iostatus === 'ok') violations.push('BLOCK_IO_ERROR sent while the iostatus is still ok');
        if (!k.inMainThread()) bump('error raised outside the main thread');
        // a client that answers BLOCK_IO_ERROR with cont at once races the pending stop request
        if (react && rng.chance(0.5)) {
          react.thread.post(() => k.mainLoop.runInMainLoop(() => {
            query();
            m.qmpCont();
            query();
          }, 'qmp cont (reaction)'), 'client reacts');
        }
        bump(`error while ${m.queryStatus().status}`);
        unexplained++;
      } else if (ev.event === 'STOP') {
        const st = m.queryStatus().status;
        if (st === 'running') bump('STOP+RESUME pair (cont raced the stop request)');
        if (st === 'io-error') {
          if (unexplained === 0) violations.push('STOP (io-error) without a BLOCK_IO_ERROR before it');
          if (blk.iostatus === 'ok') violations.push('STOP (io-error) while the iostatus is ok');
        }
        if (!k.inMainThread()) violations.push(`STOP sent from thread ${k.currentThread().name}`);
        lastRunEvent = 'STOP';
      } else if (ev.event === 'RESUME') {
        unexplained = 0;
        lastRunEvent = 'RESUME';
      }
    });
    m.runState.addChangeStateHandler((running) => {
      if (!k.inMainThread()) violations.push(`change-state handler (running=${running}) ran in thread ${k.currentThread().name}`);
    }, 0, 'race observer');
    const query = () => {
      const st = m.queryStatus();
      if (st.running !== (lastRunEvent === 'RESUME')) violations.push(`query-status says ${st.status} but the last event was ${lastRunEvent}`);
      if (st.status === 'io-error' && blk.iostatus === 'ok') violations.push('io-error with the iostatus ok (a lost iostatus)');
    };

    // faults: a budget of `once` faults, re-armed by the monitor after each cont
    const injector = faultInjector(m.block);
    const frng = rng.fork('faults');
    let budget = frng.range(2, 6);
    const arm = () => {
      if (budget <= 0) return;
      budget--;
      injector.inject(blk.root!, { errno: frng.chance(0.5) ? 'EIO' : 'ENOSPC', op: frng.pick(['read', 'write', 'flush', 'any'] as const), mode: 'once' });
    };
    arm();
    arm();

    const model = new DiskModel(DISK);
    const wrng = rng.fork('workload');
    m.devices.guest.startOs();
    const wl = new GuestWorkload(m.devices.guest, m.devices.disk('disk')!, { seed, ops: wrng.range(4, 16), maxLength: 8 * 512, queueDepth: wrng.range(1, 4) }, DISK, (op, r) => {
      if (!r.ok) violations.push(`op ${op.index} failed to the guest under werror/rerror=stop`);
      if (op.op === 'write') model.write(op.offset, op.data!, true);
      else if (op.op === 'read' && model.mismatch(op.offset, r.data!) >= 0) violations.push(`read ${op.index} returned unexpected data`);
    });
    wl.start();
    m.qmpCont();

    const mrng = rng.fork('monitor');
    const cmd = bracketedBy(query);
    const monitor = new TestMonitor({
      kernel: k,
      rng: mrng,
      maxGapNs: 60_000,
      finished: () => wl.finished && m.queryStatus().running,
      choose: () => {
        if (!m.queryStatus().running) {
          return mrng.chance(0.6)
            ? cmd('cont', () => {
                m.qmpCont();
                if (mrng.chance(0.5)) arm();
              })
            : cmd('query-status', () => {});
        }
        // requests parked by a stop a racing cont absorbed wait for the next stop/cont
        if (wl.inFlight > 0 && m.runState.vmstop.peek() === undefined && mrng.chance(0.3)) return cmd('stop', () => m.qmpStop());
        const x = mrng.float();
        if (x < 0.15) return cmd('cont', () => m.qmpCont());
        if (x < 0.2) return cmd('stop', () => m.qmpStop());
        return cmd('query-status', () => {});
      },
      onError: (name, e) => violations.push(`${name} failed: ${(e as Error).message}`),
    });
    react = monitor;
    monitor.start();
    const ok = k.runUntil(() => wl.finished && m.queryStatus().running, { maxNs: 5e9, maxSteps: 500_000 });
    if (!ok) violations.push(`hang: ${JSON.stringify(wl.summary())}, VM ${m.queryStatus().status}`);
    vm.settle();
    for (const line of [...k.logLines, ...vm.logs]) violations.push(`log: ${line}`);
    if (model.mismatch(0, readFileSync(join(dir, 'a.img'))) >= 0) violations.push('the image lost a guest write');
  } catch (e) {
    violations.push(`threw: ${(e as Error)?.message ?? String(e)}`);
  } finally {
    vm.close();
  }
  return { violations, coverage };
}

const seeds = seedCount(1000);

t.test(`virtio-blk dataplane: iostatus, BLOCK_IO_ERROR, STOP and query-status agree over ${seeds} seeds`, async (t) => {
  const failed: string[] = [];
  const coverage: Record<string, number> = {};
  for (let seed = 1; seed <= seeds; seed++) {
    const r = runRace(seed);
    for (const [key, v] of Object.entries(r.coverage)) coverage[key] = (coverage[key] ?? 0) + v;
    if (r.violations.length) failed.push(`seed ${seed}: ${r.violations.slice(0, 3).join('; ')}`);
  }
  t.same(failed.slice(0, 5), [], 'no seed breaks the invariant');
  t.ok((coverage['error raised outside the main thread'] ?? 0) > 0, `errors raised in the iothread (${coverage['error raised outside the main thread']})`);
  t.ok((coverage['error while running'] ?? 0) > 0, 'errors hit a running VM');
  t.ok((coverage['STOP+RESUME pair (cont raced the stop request)'] ?? 0) > 0, `a cont raced a pending stop request (${coverage['STOP+RESUME pair (cont raced the stop request)']})`);
});

t.test('with the pre-2014 synchronous vm_stop from the iothread the checks fail', async (t) => {
  let hit: RaceRun | undefined;
  for (let seed = 1; seed <= 200 && !hit; seed++) {
    const r = runRace(seed, { bug: true });
    if (r.violations.length) hit = r;
  }
  t.ok(hit, 'some seed exposes the bug');
  t.match(hit?.violations.join('\n') ?? '', /BLOCK_IO_ERROR sent while the iostatus is still ok/);
});

t.test('one seed replays the same run', async (t) => {
  t.same(runRace(11), runRace(11));
});
