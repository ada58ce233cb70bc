// The seam between the model and the monitor: the model emits QAPI events
// here; monitors subscribe (monitor/monitor.c: monitor_qapi_event_emit).
// Timestamps are the clock's wall time at emission (qapi/qmp-event.c).

export interface EventTimestamp {
  seconds: number;
  microseconds: number;
}

export interface QapiEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp: EventTimestamp;
}

export type EventListener = (ev: QapiEvent) => void;

export class EventBus {
  private listeners = new Set<EventListener>();

  constructor(private wallClock: () => EventTimestamp) {}

  /** The machine's clock, once the machine exists. */
  setClock(wallClock: () => EventTimestamp): void {
    this.wallClock = wallClock;
  }

  subscribe(fn: EventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Emit now: every subscriber sees it synchronously, in subscription order. */
  emit(event: string, data?: Record<string, unknown>): QapiEvent {
    const ev: QapiEvent = data === undefined
      ? { event, timestamp: this.wallClock() }
      : { event, data, timestamp: this.wallClock() };
    for (const fn of [...this.listeners]) fn(ev);
    return ev;
  }
}
