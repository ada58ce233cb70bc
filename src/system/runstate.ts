// RunState and the allowed transitions (softmmu/runstate.c:
// runstate_transitions_def, runstate_set). Setting the current state again
// is a silent no-op; any other pair not in the table is refused with
// RunStateTransitionError (QEMU aborts; the caller turns it into a
// GenericError and a log line) and the state is left unchanged.

/** qapi/run-state.json RunState, in wire (enum) order. */
export const RUN_STATES = [
  'debug',
  'inmigrate',
  'internal-error',
  'io-error',
  'paused',
  'postmigrate',
  'prelaunch',
  'finish-migrate',
  'restore-vm',
  'running',
  'save-vm',
  'shutdown',
  'suspended',
  'watchdog',
  'guest-panicked',
  'colo',
] as const;

export type RunState = (typeof RUN_STATES)[number];

/** from → states it may move to (softmmu/runstate.c runstate_transitions_def). */
export const RUNSTATE_TRANSITIONS: Readonly<Record<RunState, readonly RunState[]>> = {
  prelaunch: ['inmigrate', 'running', 'finish-migrate'],
  debug: ['running', 'finish-migrate', 'prelaunch', 'suspended'],
  inmigrate: ['internal-error', 'io-error', 'paused', 'running', 'shutdown', 'suspended', 'watchdog', 'guest-panicked', 'finish-migrate', 'prelaunch', 'postmigrate', 'colo'],
  'internal-error': ['paused', 'finish-migrate', 'prelaunch'],
  'io-error': ['running', 'finish-migrate', 'prelaunch'],
  paused: ['running', 'finish-migrate', 'postmigrate', 'prelaunch', 'colo'],
  postmigrate: ['running', 'finish-migrate', 'prelaunch'],
  'finish-migrate': ['running', 'paused', 'postmigrate', 'prelaunch', 'colo'],
  'restore-vm': ['running', 'prelaunch'],
  colo: ['running', 'prelaunch', 'shutdown'],
  running: ['debug', 'internal-error', 'io-error', 'paused', 'finish-migrate', 'restore-vm', 'save-vm', 'shutdown', 'watchdog', 'guest-panicked', 'colo', 'suspended'],
  'save-vm': ['running'],
  shutdown: ['paused', 'finish-migrate', 'prelaunch', 'colo'],
  suspended: ['running', 'finish-migrate', 'prelaunch', 'colo'],
  watchdog: ['running', 'finish-migrate', 'prelaunch', 'colo'],
  'guest-panicked': ['running', 'finish-migrate', 'prelaunch'],
};

export function isRunState(s: unknown): s is RunState {
  return typeof s === 'string' && (RUN_STATES as readonly string[]).includes(s);
}

/** Is from → to in the table? (from === to is not a transition: see RunStateMachine.set) */
export function runstateTransitionAllowed(from: RunState, to: RunState): boolean {
  return RUNSTATE_TRANSITIONS[from].includes(to);
}

export class RunStateTransitionError extends Error {
  constructor(
    readonly from: RunState,
    readonly to: RunState,
  ) {
    // softmmu/runstate.c runstate_set's error_report text
    super(`invalid runstate transition: '${from}' -> '${to}'`);
    this.name = 'RunStateTransitionError';
  }
}

export class RunStateMachine {
  private cur: RunState;

  constructor(initial: RunState = 'prelaunch') {
    this.cur = initial;
  }

  get current(): RunState {
    return this.cur;
  }

  /** runstate_check */
  check(state: RunState): boolean {
    return this.cur === state;
  }

  /** Throws RunStateTransitionError if set(to) would be refused. */
  assertCanSet(to: RunState): void {
    if (to !== this.cur && !runstateTransitionAllowed(this.cur, to)) throw new RunStateTransitionError(this.cur, to);
  }

  /** runstate_set */
  set(to: RunState): void {
    this.assertCanSet(to);
    this.cur = to;
  }

  /** runstate_is_running */
  isRunning(): boolean {
    return this.cur === 'running';
  }

  /** runstate_needs_reset */
  needsReset(): boolean {
    return this.cur === 'internal-error' || this.cur === 'shutdown';
  }
}
