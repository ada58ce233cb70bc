// A scripted management client for the race tests: at seeded moments it
// runs a command in the main loop (as an iohandler bottom half, where 7.2.x
// runs QMP commands) until told to stop.

import type { SimKernel } from '../../sim/kernel.js';
import type { Prng } from '../../sim/prng.js';
import type { SimThread } from '../../sim/sim-thread.js';

export interface MonitorCommand {
  name: string;
  run: () => void;
}

export interface TestMonitorOptions {
  kernel: SimKernel;
  rng: Prng;
  /** the command to send next, or undefined for none this time */
  choose: () => MonitorCommand | undefined;
  /** stop sending once this holds */
  finished: () => boolean;
  /** gap between commands: 1..maxGapNs/quantumNs quanta */
  maxGapNs?: number;
  quantumNs?: number;
  /** a command threw (QmpError refusals are normal) */
  onError?: (name: string, err: unknown) => void;
}

/** A command factory whose commands run between two calls of `query` (a query-status before and after). */
export function bracketedBy(query: () => void): (name: string, run: () => void) => MonitorCommand {
  return (name, run) => ({
    name,
    run: () => {
      query();
      run();
      query();
    },
  });
}

export class TestMonitor {
  readonly thread: SimThread;
  sent = 0;

  constructor(private readonly o: TestMonitorOptions) {
    this.thread = o.kernel.createThread('monitor-client', 'client');
  }

  start(): void {
    this.thread.post(() => this.tick(), 'client');
  }

  private tick(): void {
    if (this.o.finished()) return;
    const cmd = this.o.choose();
    if (cmd) {
      this.sent++;
      this.o.kernel.mainLoop.runInMainLoop(() => {
        try {
          cmd.run();
        } catch (e) {
          this.o.onError?.(cmd.name, e);
        }
      }, `qmp ${cmd.name}`);
    }
    const k = this.o.kernel;
    const q = this.o.quantumNs ?? 1000;
    const gap = q * (1 + this.o.rng.int(Math.floor((this.o.maxGapNs ?? 20000) / q)));
    k.sched.addTimer(k.nowNs() + gap, () => this.thread.post(() => this.tick(), 'client'), 'client think');
  }
}
