// Argument checking of QMP commands (qmp_dispatch -> generated qmp_marshal_*):
// the arguments visited as the command's arg-type struct, failing with QEMU's
// first error text. Validators are generated from the schema on first use
// per command and cached with the profile.

import type { z } from 'zod';
import { QmpError } from './error.js';
import { isQDict, type QDictValue } from './qobject/qobject.js';
import { InputVisitorSchemas, type QapiIssue } from './input-visitor.js';
import { qemu72, type Profile, type QapiSchema } from './schema.js';

type Path = readonly (string | number)[];

/** full_name(): members dotted, list elements as [n] (qobject-input-visitor.c). */
export function fullName(path: Path): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i ? `.${s}` : s)).join('');
}

/** The bare name some messages use instead; list elements have none ('null'). */
function localName(path: Path): string {
  const last = path[path.length - 1];
  return typeof last === 'string' ? last : 'null';
}

/** The desc QEMU prints for one issue (qapi/qmp/qerror.h texts). */
export function issueText(issue: QapiIssue, path: Path): string {
  switch (issue.qapi) {
    case 'missing':
      return `Parameter '${fullName(path)}' is missing`;
    case 'type':
      return `Invalid parameter type for '${fullName(path)}', expected: ${issue.expected}`;
    case 'uint64':
      return `Parameter '${fullName(path)}' expects uint64`;
    case 'range':
      return `Parameter '${localName(path)}' expects ${issue.ctype}`;
    case 'enum':
      return `Parameter '${localName(path)}' does not accept value '${issue.value}'`;
    case 'alternate':
      return `Invalid parameter type for '${localName(path)}', expected: ${issue.alternate}`;
    case 'unexpected':
      return `Parameter '${fullName(path)}' is unexpected`;
  }
}

type Validator = (args: QDictValue) => Record<string, unknown>;

/** Argument validators for one profile, built per command on first use. */
export class ArgumentValidators {
  private readonly validators = new Map<string, Validator>();
  private visitor: InputVisitorSchemas | undefined;

  constructor(private readonly profile: Profile) {}

  private get schema(): QapiSchema {
    return this.profile.schema();
  }

  validate(command: string, args: QDictValue | undefined): Record<string, unknown> {
    let v = this.validators.get(command);
    if (!v) {
      v = this.build(command);
      this.validators.set(command, v);
    }
    if (args === undefined) args = {};
    else if (!isQDict(args)) throw QmpError.generic("QMP input member 'arguments' must be an object");
    return v(args);
  }

  private build(command: string): Validator {
    const info = this.schema.command(command);
    if (!info) throw new QmpError('CommandNotFound', `The command ${command} has not been found`);
    if (!info.checked) return (args) => ({ ...args });
    const argType = this.schema.mustType(info.argType);
    if (argType['meta-type'] === 'object' && argType.members.length === 0 && !argType.variants) {
      // no members (query-status & co.): only a leftover key can fail
      return (args) => {
        if (Object.keys(args).length) this.check(command, argType.name, args);
        return {};
      };
    }
    return (args) => this.check(command, argType.name, args);
  }

  private check(command: string, argType: string, args: QDictValue): Record<string, unknown> {
    this.visitor ??= new InputVisitorSchemas(this.schema);
    let r: z.SafeParseReturnType<unknown, unknown>;
    try {
      r = this.visitor.typeSchema(argType).safeParse(args);
    } catch (e) {
      // QEMU recurses in C; ~1000 levels of nested options exhaust our stack
      if (e instanceof RangeError) throw QmpError.generic(`qmp-sim: arguments of '${command}' are nested too deeply to check`);
      throw e;
    }
    if (r.success) return r.data as Record<string, unknown>;
    const first = r.error.issues[0] as z.ZodCustomIssue;
    const params = first.params as QapiIssue | undefined;
    if (!params) throw QmpError.generic(`internal error checking arguments: ${first.message}`);
    throw QmpError.generic(issueText(params, first.path));
  }
}

const defaultValidators: () => ArgumentValidators = (() => {
  let v: ArgumentValidators | undefined;
  return () => (v ??= new ArgumentValidators(qemu72()));
})();

/**
 * Checks `args` of `command` as QEMU 7.2 does before running it; returns
 * them as plain values (integers as number, bigint beyond 2^53; QFloat
 * unwrapped where a 'number' is expected; 'any' values untouched; absent
 * optional members absent). Throws QmpError with QEMU's text.
 */
export function validateArguments(command: string, args: QDictValue | undefined): Record<string, unknown> {
  return defaultValidators().validate(command, args);
}
