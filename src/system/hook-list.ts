// An ordered list of callbacks (QEMU's NotifierList, and the hooks other
// layers plug into the run-state model).

export class HookList<A extends unknown[] = []> {
  private fns: ((...args: A) => void)[] = [];

  /** Returns the remover. */
  add(fn: (...args: A) => void): () => void {
    this.fns.push(fn);
    return () => {
      const i = this.fns.indexOf(fn);
      if (i >= 0) this.fns.splice(i, 1);
    };
  }

  run(...args: A): void {
    for (const fn of [...this.fns]) fn(...args);
  }

  get size(): number {
    return this.fns.length;
  }
}

/** Hooks whose callbacks return an errno-style result; the first failure wins. */
export class ResultHookList {
  private fns: (() => number)[] = [];

  add(fn: () => number): () => void {
    this.fns.push(fn);
    return () => {
      const i = this.fns.indexOf(fn);
      if (i >= 0) this.fns.splice(i, 1);
    };
  }

  /** 0, or the first negative result (every callback still runs, as bdrv_flush_all does). */
  run(): number {
    let ret = 0;
    for (const fn of [...this.fns]) {
      const r = fn();
      if (r < 0 && ret === 0) ret = r;
    }
    return ret;
  }
}
