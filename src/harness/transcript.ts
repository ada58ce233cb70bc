// The transcript being written: '> sent', '< received' (normalised, QEMU-style
// JSON), '# note' lines, as record.py's Transcript writes them.
import { tryParseJson } from './json-reader.js';
import type { JsonValue } from './json-value.js';
import { summarizeReturn, type TranscriptNormaliser } from './normalise.js';
import { pyReprBytes, pyReprStr, pySlice } from './py-text.js';
import { qjson } from './qjson.js';
import { decodeUtf8, Utf8DecodeError } from './utf8.js';

function strictText(raw: Uint8Array): string | null {
  try {
    return decodeUtf8(raw, 'strict');
  } catch (e) {
    if (e instanceof Utf8DecodeError) return null;
    throw e;
  }
}

// QEMU prints non-finite doubles as inf/nan; Python's \b is Unicode-aware.
const NONFINITE_RE = /("(?:[^"\\]|\\[^\n])*")|(-?(?<![\p{L}\p{N}_])(?:inf|nan)(?![\p{L}\p{N}_]))/gu;

/** A message json.loads refused, read again with bare inf/-inf/nan accepted (null if that fails). */
export function lenientLoads(raw: Uint8Array): JsonValue {
  const text = strictText(raw);
  if (text === null) return null;
  const fixed = text.replace(NONFINITE_RE, (m, str: string | undefined, tok: string | undefined) =>
    str ? str : tok === 'inf' ? 'Infinity' : tok === '-inf' ? '-Infinity' : 'NaN',
  );
  return tryParseJson(fixed) ?? null;
}

/** Is this raw message a command reply (return or error)? */
export function isReturn(raw: Uint8Array): boolean {
  const text = strictText(raw);
  const parsed = text === null ? undefined : tryParseJson(text);
  const obj = parsed === undefined ? lenientLoads(raw) : parsed;
  return obj instanceof Map && (obj.has('return') || obj.has('error'));
}

export class Transcript {
  readonly lines: string[] = [];
  readonly warnings: string[] = [];

  constructor(
    readonly norm: TranscriptNormaliser,
    private readonly checkRoundtrip = false,
  ) {}

  sent(text: string, prefix: '>' | '>b' = '>'): void {
    this.lines.push(text ? `${prefix} ${text}` : prefix);
  }

  note(text: string): void {
    for (const ln of text.split('\n')) this.lines.push(ln ? '# ' + ln : '#');
  }

  /** Record one received line; returns what Python's json decoding made of it (None as null). */
  received(raw: Uint8Array, summarize = false): JsonValue {
    const text = strictText(raw);
    let obj: JsonValue | undefined = text === null ? undefined : tryParseJson(text);
    if (obj === undefined || obj === null) {
      this.lines.push('< ' + this.norm.text(decodeUtf8(raw, 'backslashreplace')));
      this.warnings.push('non-JSON message: ' + pyReprBytes(raw.subarray(0, 200)));
      return lenientLoads(raw);
    }
    if (this.checkRoundtrip && qjson(obj) !== text) {
      this.warnings.push('re-serialisation differs from the bytes received: ' + pyReprStr(pySlice(text!, 0, 200)));
    }
    if (summarize) obj = summarizeReturn(obj);
    this.lines.push('< ' + qjson(this.norm.message(obj)));
    return obj;
  }
}
