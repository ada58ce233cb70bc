// blkdebug's rule engine (block/blkdebug.c): inject-error and set-state rules
// keyed by event, a state number starting at 1, and the set of armed
// ("active") inject-error rules that requests are checked against.
//
// - Rules are kept per event, newest first (inject-error rules are added
//   before set-state rules, each in declaration order, each at the head).
// - When an event fires, every rule of that event whose state is 0 or equals
//   the current state acts: the first acting inject-error rule replaces the
//   armed set, the others join it; set-state rules pick the next state, which
//   only takes effect after all rules of the event ran.
// - A request fails with the first armed rule that covers it (offset = sector
//   * 512 within the request, or no sector) and whose iotype matches; a rule
//   with errno 0 lets the request through. `once` rules are removed for good
//   after they fail a request.

import type { BlkdebugEvent, BlkdebugIOType } from './blkdebug-events.js';
import { BLKDEBUG_DEFAULT_IOTYPES } from './blkdebug-events.js';

export interface InjectErrorRuleSpec {
  event: BlkdebugEvent;
  /** 0: any state. */
  state?: number;
  /** undefined: read, write, write-zeroes, discard and flush. */
  iotype?: BlkdebugIOType;
  /** Default 5 (EIO). */
  errno?: number;
  /** Sector (512 bytes) the request must cover; undefined: any. */
  sector?: number;
  once?: boolean;
  immediately?: boolean;
}

export interface SetStateRuleSpec {
  event: BlkdebugEvent;
  /** 0: any state. */
  state?: number;
  newState: number;
}

interface InjectRule {
  readonly action: 'inject-error';
  readonly event: BlkdebugEvent;
  readonly state: number;
  readonly iotypes: ReadonlySet<BlkdebugIOType>;
  readonly errno: number;
  readonly once: boolean;
  readonly immediately: boolean;
  /** Byte offset, -1 for any. */
  readonly offset: number;
}

interface SetStateRule {
  readonly action: 'set-state';
  readonly event: BlkdebugEvent;
  readonly state: number;
  readonly newState: number;
}

type Rule = InjectRule | SetStateRule;

/** What a failing request gets: -errno and whether it fails before yielding. */
export interface InjectedError {
  errno: number;
  immediately: boolean;
}

export class BlkdebugRuleEngine {
  /** BDRVBlkdebugState.state. */
  private currentState = 1;
  private readonly rules = new Map<BlkdebugEvent, Rule[]>();
  private active: InjectRule[] = [];

  constructor(inject: readonly InjectErrorRuleSpec[], setState: readonly SetStateRuleSpec[]) {
    for (const spec of inject) {
      this.addRule({
        action: 'inject-error',
        event: spec.event,
        state: spec.state ?? 0,
        iotypes: new Set(spec.iotype !== undefined ? [spec.iotype] : BLKDEBUG_DEFAULT_IOTYPES),
        errno: spec.errno ?? 5,
        once: spec.once ?? false,
        immediately: spec.immediately ?? false,
        offset: spec.sector === undefined || spec.sector === -1 ? -1 : spec.sector * 512,
      });
    }
    for (const spec of setState) {
      this.addRule({ action: 'set-state', event: spec.event, state: spec.state ?? 0, newState: spec.newState });
    }
  }

  get state(): number {
    return this.currentState;
  }

  /** Rules still registered for an event, in the order QEMU walks them. */
  rulesFor(event: BlkdebugEvent): ReadonlyArray<Readonly<Rule>> {
    return this.rules.get(event) ?? [];
  }

  /** Number of armed inject-error rules. */
  get armedCount(): number {
    return this.active.length;
  }

  private addRule(rule: Rule): void {
    const list = this.rules.get(rule.event) ?? [];
    list.unshift(rule);
    this.rules.set(rule.event, list);
  }

  /** blkdebug_debug_event. */
  raiseEvent(event: BlkdebugEvent): void {
    const list = this.rules.get(event);
    if (!list) return;
    let newState = this.currentState;
    let injectCount = 0;
    for (const rule of [...list]) {
      if (rule.state !== 0 && rule.state !== this.currentState) continue;
      if (rule.action === 'inject-error') {
        injectCount++;
        if (injectCount === 1) this.active = [];
        this.active.unshift(rule);
      } else {
        newState = rule.newState;
      }
    }
    this.currentState = newState;
  }

  /** rule_check: the error a request of `kind` over [offset, offset+length) gets, or null. */
  checkRequest(kind: BlkdebugIOType, offset: number, length: number): InjectedError | null {
    const rule = this.active.find(
      (r) => (r.offset === -1 || (length > 0 && r.offset >= offset && r.offset < offset + length)) && r.iotypes.has(kind),
    );
    if (!rule || rule.errno === 0) return null;
    if (rule.once) {
      this.active = this.active.filter((r) => r !== rule);
      const list = this.rules.get(rule.event);
      if (list) list.splice(list.indexOf(rule), 1);
    }
    return { errno: rule.errno, immediately: rule.immediately };
  }
}
