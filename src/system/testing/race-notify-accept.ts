// Race invariant 3 (2018, RHBZ 1562750; fixed by "aio: Do aio_notify_accept
// only during blocking aio_poll"): a notification raised while another
// thread polls a context is never lost. An iothread serves a guest's
// virtqueue; the main thread repeatedly drains it (aio_disable_external),
// ends the drain (aio_enable_external → aio_notify) and polls the iothread's
// context without blocking, as bdrv_set_aio_context did. With the bug the
// main thread's poll eats the wakeup meant for the iothread, which stays
// blocked on a stale fd set: the guest's request never completes (a hang
// the watchdog reports). BugSwitches.notifyAcceptAnywhere re-creates it.

import { EventNotifier } from '../../sim/event-notifier.js';
import { SimKernel } from '../../sim/kernel.js';
import { RACE_KERNEL, RaceResult, bump, runToCompletion } from './race-result.js';
import type { TestRequest } from './test-disk.js';
import { TestGuest } from './test-guest.js';

export function runNotifyAcceptRace(seed: number, opts: { bug?: boolean } = {}): RaceResult {
  const kernel = new SimKernel({ seed, bugs: { notifyAcceptAnywhere: opts.bug ?? false }, ...RACE_KERNEL });
  const rng = kernel.random('race-notify-accept');
  const violations: string[] = [];
  const coverage: Record<string, number> = {};
  const iothread = kernel.addIothread('io0');
  const ctx = iothread.ctx;

  const vq: TestRequest[] = [];
  const kick = new EventNotifier('virtqueue.ioeventfd');
  ctx.setEventNotifier(
    kick,
    () => {
      kick.testAndClear();
      for (const req of vq.splice(0)) {
        kernel.hostIo.submit(ctx, 1000 * rng.range(0, 2), () => req.onDone(), 'virtqueue');
      }
    },
    { external: true, name: 'virtqueue.ioeventfd' },
  );

  const requests = rng.range(3, 8);
  const guest = new TestGuest({
    kernel,
    vcpu: kernel.vcpu(0),
    rng: rng.fork('guest'),
    requests,
    sequential: true,
    maxGapNs: 3000,
    send: (req) => {
      vq.push(req);
      kick.set();
    },
  });

  // main thread: drained_begin … drained_end; aio_poll(ctx, false), with
  // seeded gaps (a run of no-op steps) between the phases
  const main = kernel.mainThread;
  const cycles = rng.range(2, 5);
  let cyclesDone = 0;
  const hop = (n: number, then: () => void) => {
    if (n <= 0) return then();
    main.post(() => hop(n - 1, then), 'main: other work');
  };
  const cycle = () => {
    if (cyclesDone >= cycles) return;
    ctx.disableExternal(); // bdrv_drained_begin
    ctx.notify(); //          … which kicks the iothread to quiesce
    hop(rng.int(4), () => {
      ctx.enableExternal(); // bdrv_drained_end: aio_notify
      hop(rng.int(2), () => {
        // the 2018 window: the iothread announced a wait that our notify is meant to end
        if (ctx.notifyMe >= 2 && ctx.notified) bump(coverage, 'foreign poll while the iothread is about to block');
        ctx.poll(false); //    bdrv_set_aio_context: a foreign, non-blocking poll
        cyclesDone++;
        const gap = 1000 * rng.int(5);
        kernel.sched.addTimer(kernel.nowNs() + gap, () => main.post(cycle, 'main: next cycle'), 'main gap');
      });
    });
  };
  guest.start();
  main.post(cycle, 'main: first cycle');
  const hang = runToCompletion(
    kernel,
    () => guest.done && cyclesDone >= cycles,
    () => `guest ${guest.completed}/${requests}, cycles ${cyclesDone}/${cycles}, notified=${ctx.notified}, notify_me=${ctx.notifyMe}`,
  );
  return { seed, violations, hang, steps: kernel.sched.steps, coverage };
}
