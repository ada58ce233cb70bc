// A minimal disk front end for the run-state race tests (the real block
// layer and devices live elsewhere). It follows the device rules of
// reference §3/§4: a request failing with action stop is parked; the VM
// change-state handler only schedules a restart bottom half (unless
// BugSwitches.restartInChangeStateHandler re-creates the 2009 bug); the BH
// re-issues parked requests if the VM is running (hw/ide/core.c
// ide_restart_bh). Completions come back through the host I/O model into
// the disk's AioContext (main or an iothread's).

import type { AioContext } from '../../sim/aio-context.js';
import type { QEMUBH } from '../../sim/bottom-half.js';
import { blkErrorAction } from '../block-error-action.js';
import type { RunState } from '../runstate.js';
import type { VmChangeStateEntry } from '../vm-change-state.js';
import type { VmRunState } from '../vm-runstate.js';

/** ok; fail after the host latency; fail-sync: fail inside the submission call. */
export type AttemptOutcome = 'ok' | 'fail' | 'fail-sync';

export interface TestRequest {
  readonly id: number;
  readonly operation: 'read' | 'write';
  attempts: number;
  done: boolean;
  readonly onDone: () => void;
}

export interface TestDiskOptions {
  name: string;
  ctx: AioContext;
  /** change-state handler priority */
  priority?: number;
  /** request: 7.2's blk_error_action; sync-vm-stop: a 2009-style device that
   * stops the VM synchronously (main thread only) */
  stopPath?: 'request' | 'sync-vm-stop';
  latencyNs?: number;
  /** a named -drive BB: cont resets its iostatus */
  named?: boolean;
  outcome: (req: TestRequest) => AttemptOutcome;
  /** called inside the change-state handler, before the disk reacts */
  observeChangeState?: (disk: TestDisk, running: boolean, state: RunState) => void;
}

export class TestDisk {
  iostatus: 'ok' | 'failed' = 'ok';
  readonly parked: TestRequest[] = [];
  inflight = 0;
  completed = 0;
  failures = 0;
  readonly entry: VmChangeStateEntry;
  private readonly restartBh: QEMUBH;

  constructor(
    private readonly vm: VmRunState,
    readonly opts: TestDiskOptions,
  ) {
    this.restartBh = opts.ctx.bhNew(() => this.restart(), `${opts.name}.restart`);
    this.entry = vm.addChangeStateHandler((running, state) => this.changeState(running, state), opts.priority ?? 0, opts.name);
    if (opts.named ?? true) vm.hooks.iostatusReset.add(() => (this.iostatus = 'ok'));
    vm.hooks.drainAll.add(() => vm.kernel.aioWait.waitWhile(opts.ctx, () => this.inflight > 0));
  }

  get name(): string {
    return this.opts.name;
  }

  /** The guest's request reaches the device (in the disk's context thread). */
  submit(req: TestRequest): void {
    this.issue(req);
  }

  private issue(req: TestRequest): void {
    req.attempts++;
    const outcome = this.opts.outcome(req);
    if (outcome === 'fail-sync') {
      this.fail(req);
      return;
    }
    this.inflight++;
    this.vm.kernel.hostIo.submit(
      this.opts.ctx,
      this.opts.latencyNs ?? 1000,
      () => {
        this.inflight--;
        this.vm.kernel.aioWait.kick();
        if (outcome === 'ok') this.succeed(req);
        else this.fail(req);
      },
      `${this.name} req ${req.id}`,
    );
  }

  private succeed(req: TestRequest): void {
    req.done = true;
    this.completed++;
    req.onDone();
  }

  private fail(req: TestRequest): void {
    this.failures++;
    this.parked.push(req);
    const setIostatus = () => {
      if (this.iostatus === 'ok') this.iostatus = 'failed';
    };
    const data = { device: this.name, 'node-name': `${this.name}-node`, operation: req.operation, nospace: false, reason: 'Input/output error' };
    if (this.opts.stopPath === 'sync-vm-stop') {
      setIostatus();
      this.vm.events.emit('BLOCK_IO_ERROR', { ...data, action: 'stop' });
      this.vm.vmStop('io-error');
      return;
    }
    blkErrorAction(this.vm, 'stop', { setIostatus, data });
  }

  private changeState(running: boolean, state: RunState): void {
    this.opts.observeChangeState?.(this, running, state);
    if (!running) return;
    if (this.vm.kernel.bugs.restartInChangeStateHandler) {
      this.restart(); // the 2009 bug: re-issue from inside vm_start's handler walk
      return;
    }
    if (!this.restartBh.scheduled) this.restartBh.schedule();
  }

  /** ide_restart_bh: re-issue parked requests, only if the VM runs. */
  private restart(): void {
    if (!this.vm.isRunning()) return;
    for (const req of this.parked.splice(0)) this.issue(req);
  }
}
