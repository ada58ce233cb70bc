// Every command sent in the QEMU 7.2 goldens (in command mode) is checked
// by validateArguments: argument errors must come out with QEMU's exact
// text, and everything QEMU let through to the handler must pass.

import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateArguments } from '../src/qapi/validate.js';
import { isCommandKnown } from '../src/qapi/introspect.js';
import { qemu72 } from '../src/qapi/schema.js';
import { QmpError } from '../src/qapi/error.js';
import { QFloat, type QValue } from '../src/qapi/qobject/qobject.js';

const ROOT = new URL('../fixtures/qemu-7.2/', import.meta.url).pathname;

/** JSON text to QValue, keeping QEMU's int/double split (fraction or exponent = double). */
function parseQValue(text: string): QValue {
  let i = 0;
  const ws = () => {
    while (/\s/.test(text[i] ?? '')) i++;
  };
  const value = (): QValue => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const o: Record<string, QValue> = {};
      ws();
      if (text[i] === '}') return i++, o;
      for (;;) {
        ws();
        const k = value() as string;
        ws();
        i++; // ':'
        Object.defineProperty(o, k, { value: value(), enumerable: true, writable: true, configurable: true });
        ws();
        if (text[i++] === '}') return o;
      }
    }
    if (c === '[') {
      i++;
      const a: QValue[] = [];
      ws();
      if (text[i] === ']') return i++, a;
      for (;;) {
        a.push(value());
        ws();
        if (text[i++] === ']') return a;
      }
    }
    if (c === '"') {
      const m = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(i))!;
      i += m[0].length;
      return JSON.parse(m[0]) as string;
    }
    const m = /^(-?\d+)(\.\d+)?([eE][-+]?\d+)?|^true|^false|^null/.exec(text.slice(i))!;
    i += m[0].length;
    if (m[0] === 'true') return true;
    if (m[0] === 'false') return false;
    if (m[0] === 'null') return null;
    if (m[2] || m[3]) return new QFloat(Number(m[0]));
    const n = BigInt(m[0]);
    return Number.isSafeInteger(Number(m[0])) ? Number(m[0]) : n;
  };
  const v = value();
  ws();
  if (i !== text.length) throw new Error('trailing text');
  return v;
}

/** Messages the QObject input visitor produces (qapi/qmp/qerror.h and qobject-input-visitor.c). */
const ARGUMENT_ERROR =
  /^(Parameter '[^']*' is missing|Parameter '[^']*' is unexpected|Invalid parameter type for '[^']*', expected: .*|Parameter '[^']*' does not accept value '.*'|Parameter '[^']*' expects (uint64|u?int(8|16|32)_t))$/;

interface Exchange {
  file: string;
  request: Record<string, QValue>;
  reply: Record<string, unknown>;
}

function exchanges(file: string): Exchange[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const sent: Record<string, QValue>[] = [];
  let pending = ''; // a request may span lines (before-capabilities.scn)
  for (const l of lines) {
    if (!l.startsWith('> ')) continue;
    pending += l.slice(2) + '\n';
    let v: QValue;
    try {
      v = parseQValue(pending.trim());
    } catch {
      continue;
    }
    pending = '';
    if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof QFloat) return [];
    sent.push(v as Record<string, QValue>);
  }
  // raw bytes, parser tests: requests and replies cannot be paired
  if (pending || lines.some((l) => l.startsWith('>b '))) return [];
  const out: Exchange[] = [];
  let next = 0;
  let negotiated = false;
  for (const l of lines) {
    if (l === '# client connected again') negotiated = false;
    if (!l.startsWith('< ')) continue;
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(l.slice(2)) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (!('return' in msg) && !('error' in msg)) continue;
    const request = sent[next++];
    if (!request) break;
    const cmd = request.execute ?? request['exec-oob'];
    if (cmd === 'qmp_capabilities' && 'return' in msg) negotiated = true;
    if (negotiated || cmd === 'qmp_capabilities') out.push({ file, request, reply: msg });
  }
  return out;
}

const files = readdirSync(ROOT, { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.golden'))
  .sort();

function refusal(f: () => unknown): string {
  try {
    f();
    return 'accepted';
  } catch (e) {
    return e instanceof QmpError ? `${e.errorClass}: ${e.desc}` : `crash: ${String(e)}`;
  }
}

let argumentErrors = 0;
let passed = 0;
for (const f of files) {
  for (const { request, reply } of exchanges(join(ROOT, f))) {
    const cmd = request.execute ?? request['exec-oob'];
    if (typeof cmd !== 'string' || !isCommandKnown(cmd)) continue;
    if ('execute' in request && 'exec-oob' in request) continue;
    const args = request.arguments;
    if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args) || args instanceof QFloat)) continue;
    const error = reply.error as { desc: string } | undefined;
    const label = `${f}: ${JSON.stringify(request, (_, v) => (v instanceof QFloat ? v.value : typeof v === 'bigint' ? String(v) : v))}`;
    const checked = qemu72().schema().command(cmd)!.checked;
    if (error && checked && ARGUMENT_ERROR.test(error.desc) && !/does not support OOB/.test(error.desc)) {
      argumentErrors++;
      t.equal(refusal(() => validateArguments(cmd, args as never)), `GenericError: ${error.desc}`, label);
    } else {
      passed++;
      try {
        validateArguments(cmd, args as never);
        t.pass(label);
      } catch (e) {
        t.fail(`${label} was refused: ${(e as Error).message}`);
      }
    }
  }
}

t.ok(argumentErrors >= 26, `argument errors checked: ${argumentErrors}`);
t.ok(passed >= 100, `accepted requests checked: ${passed}`);
