// VM change-state handlers (softmmu/runstate.c qemu_add_vm_change_state_handler_prio,
// vm_state_notify). Sorted by ascending priority (plain registration = 0,
// equal priorities in registration order); a start notifies them in list
// order, a stop in exact reverse. qdev handlers use the device's qdev-tree
// depth (hw/core/vm-change-state-handler.c): a controller starts before its
// children and stops after them.
//
// Rule for handlers: never stop or start the VM, never re-issue I/O from
// here. Schedule a bottom half instead (the 2009 DMA-restart fix).

import type { RunState } from './runstate.js';

export type VmChangeStateHandler = (running: boolean, state: RunState) => void;

export interface VmChangeStateEntry {
  readonly priority: number;
  readonly name: string;
  /** qemu_del_vm_change_state_handler */
  remove(): void;
}

interface Entry extends VmChangeStateEntry {
  cb: VmChangeStateHandler;
  removed: boolean;
}

export class VmChangeStateHandlers {
  private list: Entry[] = [];

  add(cb: VmChangeStateHandler, priority = 0, name = 'handler'): VmChangeStateEntry {
    const e: Entry = {
      cb,
      priority,
      name,
      removed: false,
      remove: () => {
        if (e.removed) return;
        e.removed = true;
        this.list.splice(this.list.indexOf(e), 1);
      },
    };
    const at = this.list.findIndex((o) => priority < o.priority);
    if (at < 0) this.list.push(e);
    else this.list.splice(at, 0, e);
    return e;
  }

  /** vm_state_notify: ascending on start, reverse on stop. A handler removed
   * during the walk is skipped. */
  notify(running: boolean, state: RunState): void {
    const walk = running ? [...this.list] : [...this.list].reverse();
    for (const e of walk) if (!e.removed) e.cb(running, state);
  }

  /** Handler names in start order (tests, diagnostics). */
  names(): string[] {
    return this.list.map((e) => e.name);
  }

  get size(): number {
    return this.list.length;
  }
}
