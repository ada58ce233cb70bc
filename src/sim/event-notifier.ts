// An eventfd (util/event_notifier-posix.c): a level-triggered readiness flag.
// Threads blocked in a poll that includes it wake when it is set.

export class EventNotifier {
  private readable = false;
  private readonly waiters = new Set<() => void>();

  constructor(readonly name = 'event-notifier') {}

  /** event_notifier_set: make it readable and wake every blocked poller. */
  set(): void {
    this.readable = true;
    for (const w of [...this.waiters]) w();
  }

  /** event_notifier_test_and_clear */
  testAndClear(): boolean {
    const was = this.readable;
    this.readable = false;
    return was;
  }

  isSet(): boolean {
    return this.readable;
  }

  /** A blocked poller registers here; the returned function unregisters. */
  onSet(waiter: () => void): () => void {
    this.waiters.add(waiter);
    return () => this.waiters.delete(waiter);
  }
}
