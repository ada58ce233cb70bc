// Pending scheduler timers ordered by (deadline, creation order): a binary
// heap with lazy deletion of cancelled entries.

export interface HeapTimer {
  deadlineNs: number;
  seq: number;
  cancelled: boolean;
}

export class TimerHeap<T extends HeapTimer> {
  private items: T[] = [];
  private live = 0;

  get size(): number {
    return this.live;
  }

  push(t: T): void {
    this.items.push(t);
    this.live++;
    this.up(this.items.length - 1);
  }

  /** Mark cancelled; the entry is dropped when it reaches the top. */
  cancel(t: T): void {
    if (t.cancelled) return;
    t.cancelled = true;
    this.live--;
  }

  peek(): T | undefined {
    this.dropCancelled();
    return this.items[0];
  }

  pop(): T | undefined {
    this.dropCancelled();
    const top = this.items[0];
    if (!top) return undefined;
    this.removeTop();
    this.live--;
    return top;
  }

  private dropCancelled(): void {
    while (this.items.length && this.items[0].cancelled) this.removeTop();
  }

  private removeTop(): void {
    const last = this.items.pop()!;
    if (this.items.length) {
      this.items[0] = last;
      this.down(0);
    }
  }

  private less(a: T, b: T): boolean {
    return a.deadlineNs < b.deadlineNs || (a.deadlineNs === b.deadlineNs && a.seq < b.seq);
  }

  private up(i: number): void {
    const it = this.items;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(it[i], it[p])) break;
      [it[i], it[p]] = [it[p], it[i]];
      i = p;
    }
  }

  private down(i: number): void {
    const it = this.items;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < it.length && this.less(it[l], it[m])) m = l;
      if (r < it.length && this.less(it[r], it[m])) m = r;
      if (m === i) return;
      [it[i], it[m]] = [it[m], it[i]];
      i = m;
    }
  }
}
