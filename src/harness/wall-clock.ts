// The harness's only source of time. It drives real server processes, so its
// wait steps and polling are paced by the host's monotonic clock (the sim
// kernel's virtual time does not apply to an external process).
import { performance } from 'node:perf_hooks';

export interface HarnessClock {
  /** monotonic seconds */
  now(): number;
  /** call fn after ms milliseconds (Infinity: never); returns a cancel function */
  timer(ms: number, fn: () => void): () => void;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export const wallClock: HarnessClock = {
  now: () => performance.now() / 1000,
  timer(ms, fn) {
    if (!(ms < Infinity)) return () => {};
    let handle: ReturnType<typeof setTimeout>;
    let left = Math.max(0, ms);
    const arm = () => {
      const step = Math.min(left, MAX_TIMER_MS);
      left -= step;
      handle = setTimeout(() => (left > 0 ? arm() : fn()), step);
    };
    arm();
    return () => clearTimeout(handle);
  },
};

export function sleep(clock: HarnessClock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.timer(ms, resolve));
}
