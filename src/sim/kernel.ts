// One VM's simulation kernel: clock, seeded scheduler, fault points, the
// main thread with its main loop, iothreads, vCPU threads and the host I/O
// model. Everything a VM does runs as steps of this kernel; many kernels can
// live in one process (no module state).

import { AioContext, AioEnv } from './aio-context.js';
import { AioWait } from './aio-wait.js';
import { BugSwitches, bugSwitches } from './bug-switches.js';
import { Clock, ClockKind, WallTime, createClock } from './clock.js';
import { FaultConfig, FaultPoints } from './fault-points.js';
import { HostIo } from './host-io.js';
import { IOThread, IOThreadProps } from './iothread.js';
import { LiveDriver } from './live-driver.js';
import { MainLoop } from './main-loop.js';
import { Prng } from './prng.js';
import { RunLimits, Scheduler, SchedulingOrder } from './scheduler.js';
import { SimThread, ThreadKind } from './sim-thread.js';

export interface KernelOptions {
  /** --seed: orders every step and drives every seeded choice (default 0) */
  seed?: number;
  /** --clock: 'virtual' (tests, default) or 'real' (serve); or a Clock */
  clock?: ClockKind | Clock;
  /** wall time of virtual ns 0, in seconds since the Unix epoch */
  epochSeconds?: number;
  order?: SchedulingOrder;
  /** watchdog: steps per run call, and per nested wait */
  maxSteps?: number;
  maxWaitSteps?: number;
  faults?: FaultConfig;
  /** test-only: re-introduce historical bugs */
  bugs?: Partial<BugSwitches>;
  /** drive the scheduler from Node's event loop (the server); tests leave it off */
  live?: boolean;
  /** log sink for internal errors (default: kept in kernel.logLines) */
  log?: (line: string) => void;
  /** host I/O threads (completions race each other), default 2 */
  hostThreads?: number;
  /** first simulated thread id */
  threadIdBase?: number;
}

export class SimKernel implements AioEnv {
  readonly sched: Scheduler;
  readonly clock: Clock;
  readonly faults: FaultPoints;
  readonly bugs: BugSwitches;
  readonly mainThread: SimThread;
  readonly mainLoop: MainLoop;
  readonly aioWait: AioWait;
  readonly hostIo: HostIo;
  readonly logLines: string[] = [];

  private readonly prng: Prng;
  private readonly hostThreads: SimThread[] = [];
  private readonly iothreadMap = new Map<string, IOThread>();
  private readonly vcpus: SimThread[] = [];
  private readonly logSink: (line: string) => void;
  private driver?: LiveDriver;

  constructor(opts: KernelOptions = {}) {
    const seed = opts.seed ?? 0;
    this.clock = typeof opts.clock === 'object' ? opts.clock : createClock(opts.clock ?? 'virtual', opts.epochSeconds);
    this.sched = new Scheduler({ seed, clock: this.clock, order: opts.order, maxSteps: opts.maxSteps, maxWaitSteps: opts.maxWaitSteps, threadIdBase: opts.threadIdBase });
    this.faults = new FaultPoints(seed, opts.faults);
    this.bugs = bugSwitches(opts.bugs);
    this.prng = new Prng(seed);
    this.logSink = opts.log ?? ((line) => this.logLines.push(line));
    this.mainThread = this.sched.createThread('main', 'main');
    for (let i = 0; i < (opts.hostThreads ?? 2); i++) this.hostThreads.push(this.sched.createThread(`host-io-${i}`, 'host'));
    this.mainLoop = new MainLoop(this, this.mainThread);
    this.aioWait = new AioWait(this.mainLoop.aioContext, () => this.currentThread());
    const pick = this.prng.fork('host-io');
    this.hostIo = new HostIo(this.sched, this.faults, this.hostThreads, (n) => pick.int(n));
    if (opts.live) {
      this.sched.onError = (err, label) => this.log(`sim: step '${label}' failed: ${(err as Error)?.stack ?? String(err)}`);
      this.driver = new LiveDriver(this.sched);
      this.driver.start();
    }
  }

  get seed(): number {
    return this.sched.seed;
  }

  /** qemu_aio_context */
  get mainContext(): AioContext {
    return this.mainLoop.aioContext;
  }

  log(line: string): void {
    this.logSink(line);
  }

  /** The thread running the current step; the main thread outside steps
   * (Node callbacks and test code act as the main thread). */
  currentThread(): SimThread {
    return this.sched.currentThread() ?? this.mainThread;
  }

  inMainThread(): boolean {
    return this.currentThread() === this.mainThread;
  }

  hostThread(): SimThread {
    return this.hostThreads[0];
  }

  createThread(name: string, kind: ThreadKind): SimThread {
    return this.sched.createThread(name, kind);
  }

  /** The vCPU thread for cpu index i (created on first use). */
  vcpu(index: number): SimThread {
    while (this.vcpus.length <= index) this.vcpus.push(this.sched.createThread(`CPU ${this.vcpus.length}/TCG`, 'vcpu'));
    return this.vcpus[index];
  }

  /** -object iothread,id=ID: create and start it. Throws on a duplicate id. */
  addIothread(id: string, props: Partial<IOThreadProps> = {}): IOThread {
    if (this.iothreadMap.has(id)) throw new Error(`iothread '${id}' already exists`);
    const t = new IOThread(this, id, this.sched.createThread(`IO ${id}`, 'iothread'), props);
    this.iothreadMap.set(id, t);
    t.start();
    return t;
  }

  iothread(id: string): IOThread | undefined {
    return this.iothreadMap.get(id);
  }

  /** In creation order (query-iothreads). */
  iothreads(): IOThread[] {
    return [...this.iothreadMap.values()];
  }

  /** Stop and forget an iothread (object-del). */
  removeIothread(id: string): boolean {
    const t = this.iothreadMap.get(id);
    if (!t) return false;
    t.stop();
    this.iothreadMap.delete(id);
    return true;
  }

  /** A named random stream for model-level choices (stable per seed + name). */
  random(label: string): Prng {
    return this.prng.fork(`model:${label}`);
  }

  nowNs(): number {
    return this.clock.nowNs();
  }

  /** Wall time for QMP event timestamps: `new EventBus(() => kernel.wallTime())`. */
  wallTime(): WallTime {
    return this.clock.wallTime();
  }

  runUntilIdle(limits?: RunLimits): number {
    return this.sched.runUntilIdle(limits);
  }

  /** Virtual clock only. */
  advance(ns: number, limits?: RunLimits): void {
    this.sched.advance(ns, limits);
  }

  runUntil(cond: () => boolean, limits?: RunLimits): boolean {
    return this.sched.runUntil(cond, limits);
  }

  /** Stop driving (live mode) and drop pending work. */
  dispose(): void {
    this.driver?.stop();
    this.driver = undefined;
  }
}
