// Failures the kernel itself detects. They are bugs in the model (or a
// re-introduced historical bug in a race test), never user errors.

/** Work was left undone and nothing can ever run again (a lost wakeup, a deadlock). */
export class SimHangError extends Error {
  constructor(message: string, readonly parked: readonly string[] = []) {
    super(parked.length ? `${message}; parked: ${parked.join(', ')}` : message);
    this.name = 'SimHangError';
  }
}

/** The watchdog's step budget ran out: something reschedules itself forever. */
export class SimLivelockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimLivelockError';
  }
}

/** A thread-affinity rule was broken (QEMU would assert). */
export class SimThreadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimThreadError';
  }
}
