// The process side of the control channel's vm.crash: the executor the QMP
// dispatcher runs is wrapped, and an armed command name makes the process
// die at dispatch, before any reply (SIGKILL: no exit notifiers, no SHUTDOWN,
// the pidfile and sockets stay behind, as after a QEMU crash).

import type { Executor } from '../monitor/dispatcher.js';
import type { QmpRequest } from '../monitor/qmp-session.js';
import type { Machine } from '../machine/machine.js';
import type { VmCrashHook } from '../harness/control/vm-crash-methods.js';

export class VmCrashSwitch implements VmCrashHook {
  private readonly commands = new Set<string>();

  constructor(
    private readonly vm: () => Machine | undefined,
    private readonly die: () => void = () => process.kill(process.pid, 'SIGKILL'),
  ) {}

  armAfter(vm: Machine, command: string): void {
    if (vm !== this.vm()) throw new Error('vm.crash: this process does not own that VM');
    this.commands.add(command);
  }

  armed(vm: Machine): string[] {
    return vm === this.vm() ? [...this.commands] : [];
  }

  /** The dispatcher's executor, dying first when an armed command arrives. */
  wrap(inner: Executor): Executor {
    return {
      execute: (req: QmpRequest) => {
        if (this.commands.has(req.command)) this.die();
        return inner.execute(req);
      },
      log: (msg) => inner.log(msg),
    };
  }
}
