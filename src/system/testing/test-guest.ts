// A scripted guest for the race tests: one vCPU thread issuing requests with
// seeded think times, stalled while the vCPUs are paused (vm_stop), and
// optionally waiting for each completion before the next (SeaBIOS style).

import { EventNotifier } from '../../sim/event-notifier.js';
import type { SimKernel } from '../../sim/kernel.js';
import type { Prng } from '../../sim/prng.js';
import type { SimThread } from '../../sim/sim-thread.js';
import type { RunStateHooks } from '../vm-core.js';
import type { TestRequest } from './test-disk.js';

export interface TestGuestOptions {
  kernel: SimKernel;
  vcpu: SimThread;
  rng: Prng;
  requests: number;
  /** hand request i to the device (from the vCPU thread) */
  send: (req: TestRequest, index: number) => void;
  /** wait for each completion before issuing the next */
  sequential?: boolean;
  /** think time between requests: 0..maxGapNs in steps of quantumNs (a coarse
   * grid makes activities coincide in virtual time, where the scheduler
   * interleaves them) */
  maxGapNs?: number;
  quantumNs?: number;
  /** pause/resume with the VM */
  hooks?: RunStateHooks;
}

export class TestGuest {
  private next = 0;
  private outstanding = 0;
  private paused = false;
  completed = 0;
  private readonly resumed = new EventNotifier('vcpu-resume');
  private readonly irq = new EventNotifier('guest-irq');

  constructor(private readonly o: TestGuestOptions) {
    o.hooks?.pauseAllVcpus.add(() => {
      this.paused = true;
      this.resumed.testAndClear();
    });
    o.hooks?.resumeAllVcpus.add(() => {
      this.paused = false;
      this.resumed.set();
    });
  }

  get done(): boolean {
    return this.completed === this.o.requests;
  }

  start(): void {
    this.o.vcpu.post(() => this.step(), 'guest');
  }

  private step(): void {
    if (this.next >= this.o.requests) return;
    if (this.paused) {
      this.o.vcpu.park([this.resumed], undefined, () => this.step(), 'vcpu paused');
      return;
    }
    if (this.o.sequential && this.outstanding > 0) {
      this.irq.testAndClear();
      this.o.vcpu.park([this.irq], undefined, () => this.step(), 'guest waits for its request');
      return;
    }
    const index = this.next++;
    this.outstanding++;
    const req: TestRequest = {
      id: index,
      operation: this.o.rng.chance(0.5) ? 'read' : 'write',
      attempts: 0,
      done: false,
      onDone: () => {
        this.outstanding--;
        this.completed++;
        this.irq.set();
      },
    };
    this.o.send(req, index);
    const q = this.o.quantumNs ?? 1000;
    const gap = q * this.o.rng.int(Math.floor((this.o.maxGapNs ?? 5000) / q) + 1);
    const k = this.o.kernel;
    k.sched.addTimer(k.nowNs() + gap, () => this.o.vcpu.post(() => this.step(), 'guest'), 'guest think');
  }
}
