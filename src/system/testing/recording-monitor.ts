// A stand-in monitor for run-state tests, wired the way the real one must
// be: each command runs as an iohandler bottom half in the main loop and its
// reply is queued with mainLoop.afterIteration, so requests the handler
// posted (RESET, POWERDOWN, SHUTDOWN) are serviced before the reply goes out
// (stable 7.2.x order, reference §1.8). Events and replies land in one log.

import { QmpError } from '../../qapi/error.js';
import type { SimKernel } from '../../sim/kernel.js';
import type { EventBus } from '../qapi-event.js';

export class RecordingMonitor {
  readonly log: string[] = [];

  constructor(
    private readonly kernel: SimKernel,
    events: EventBus,
  ) {
    events.subscribe((ev) => this.log.push(ev.data === undefined ? ev.event : `${ev.event} ${JSON.stringify(ev.data)}`));
    kernel.mainLoop.onExit((status) => this.log.push(`exit ${status}`));
  }

  /** Run a command the way the dispatcher does; returns once the kernel is idle. */
  execute(name: string, handler: () => unknown): void {
    this.kernel.mainLoop.runInMainLoop(() => {
      let reply: string;
      try {
        const r = handler();
        reply = `${name} -> ${JSON.stringify(r ?? {})}`;
      } catch (e) {
        reply = e instanceof QmpError ? `${name} -> ${e.errorClass}: ${e.desc}` : `${name} -> internal: ${(e as Error).message}`;
      }
      this.kernel.mainLoop.afterIteration(() => this.log.push(reply));
    }, `qmp ${name}`);
    this.kernel.runUntilIdle();
  }

  /** The log since the last call. */
  take(): string[] {
    return this.log.splice(0);
  }
}
