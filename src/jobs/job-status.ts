// JobStatus, JobVerb and the two tables that govern them (job.c JobSTT and
// JobVerbTable, qapi/job.json). Checks and error texts derive from the data.

export const JOB_STATUSES = [
  'undefined', 'created', 'running', 'paused', 'ready', 'standby', 'waiting', 'pending', 'aborting', 'concluded', 'null',
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const JOB_VERBS = ['cancel', 'pause', 'resume', 'set-speed', 'complete', 'finalize', 'dismiss'] as const;
export type JobVerb = (typeof JOB_VERBS)[number];

/** The only edges a job's status may take (job.c JobSTT). */
export const JOB_STATUS_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  undefined: ['created'],
  created: ['running', 'aborting', 'null'],
  running: ['paused', 'ready', 'waiting', 'aborting'],
  paused: ['running'],
  ready: ['standby', 'waiting', 'aborting'],
  standby: ['ready'],
  waiting: ['pending', 'aborting'],
  pending: ['aborting', 'concluded'],
  aborting: ['aborting', 'concluded'],
  concluded: ['null'],
  null: [],
};

/** The statuses in which each verb is accepted (job.c JobVerbTable). */
export const JOB_VERB_TABLE: Readonly<Record<JobVerb, readonly JobStatus[]>> = {
  cancel: ['created', 'running', 'paused', 'ready', 'standby', 'waiting', 'pending'],
  pause: ['created', 'running', 'paused', 'ready', 'standby'],
  resume: ['created', 'running', 'paused', 'ready', 'standby'],
  'set-speed': ['created', 'running', 'paused', 'ready', 'standby'],
  complete: ['ready', 'standby'],
  finalize: ['pending'],
  dismiss: ['concluded'],
};

/** Statuses where job_is_ready() holds. */
const READY: ReadonlySet<JobStatus> = new Set(['ready', 'standby']);
/** Statuses where job_is_completed() holds. */
const COMPLETED: ReadonlySet<JobStatus> = new Set(['waiting', 'pending', 'aborting', 'concluded', 'null']);

export function transitionAllowed(from: JobStatus, to: JobStatus): boolean {
  return JOB_STATUS_TRANSITIONS[from].includes(to);
}

export function verbAllowed(verb: JobVerb, status: JobStatus): boolean {
  return JOB_VERB_TABLE[verb].includes(status);
}

/** job_apply_verb's error text. */
export function verbErrorText(id: string, status: JobStatus, verb: JobVerb): string {
  return `Job '${id}' in state '${status}' cannot accept command verb '${verb}'`;
}

export function statusIsReady(s: JobStatus): boolean {
  return READY.has(s);
}

export function statusIsCompleted(s: JobStatus): boolean {
  return COMPLETED.has(s);
}
