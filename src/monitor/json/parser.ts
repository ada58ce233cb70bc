// The parser of qobject/json-parser.c, over the tokens of one message as
// the streamer collected them. QEMU parses by recursive descent and keeps
// only the first error; this walks the same grammar with an explicit
// stack (deep input cannot exhaust the JS stack) and stops at that error.

import { QDICT_KEY_ORDER, QFloat, type QDictValue, type QValue } from '../../qapi/qobject/qobject.js';
import { qdictOrderIndices } from '../../qapi/qobject/qdict.js';
import type { StringTokenError } from './string.js';
import {
  TOK_COLON,
  TOK_COMMA,
  TOK_FLOAT,
  TOK_INTEGER,
  TOK_KEYWORD,
  TOK_LCURLY,
  TOK_LSQUARE,
  TOK_RCURLY,
  TOK_RSQUARE,
  TOK_STRING,
} from './token.js';

/** Tokens of one message: kind, and for scalars their text or decoded string. */
export interface TokenList {
  /** Kind of each token; entries past `count` are stale. */
  kinds: Uint8Array;
  count: number;
  /** The text (or decoded string) of each scalar token, in order. */
  values: Array<string | StringTokenError>;
  valueCount: number;
}

export type ParseResult = { value: QValue } | { error: string };

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;
/** json-parser.c formats its messages into a 1024-byte buffer (long ones are ASCII keywords). */
const MESSAGE_MAX = 1023;

class ParseError {
  constructor(readonly reason: string) {}
}

function fail(reason: string): never {
  throw new ParseError(reason);
}

/** JSON_INTEGER: int64 if it fits, else uint64 if positive, else a double. */
export function integerValue(text: string): QValue {
  const n = Number(text);
  if (Number.isSafeInteger(n)) return n === 0 ? 0 : n; // "-0" is the integer 0
  const big = BigInt(text);
  if (big >= INT64_MIN && big <= UINT64_MAX) return big;
  return new QFloat(n);
}

function keywordValue(text: string): QValue {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  return fail(`invalid keyword '${text}'`);
}

interface DictFrame {
  dict: true;
  keys: string[];
  values: QValue[];
  seen: Set<string> | undefined; // for large objects only
  key: string | undefined; // set while its value is being parsed
}
interface ListFrame {
  dict: false;
  items: QValue[];
}
type Frame = DictFrame | ListFrame;

/** Objects with more keys than this detect duplicates with a Set. */
const LINEAR_LOOKUP_MAX = 8;

function hasKey(frame: DictFrame, key: string): boolean {
  if (frame.seen) return frame.seen.has(key);
  const keys = frame.keys;
  for (let i = 0; i < keys.length; i++) if (keys[i] === key) return true;
  return false;
}

function addMember(frame: DictFrame, key: string, value: QValue): void {
  frame.keys.push(key);
  frame.values.push(value);
  if (frame.seen) {
    frame.seen.add(key);
  } else if (frame.keys.length > LINEAR_LOOKUP_MAX) {
    frame.seen = new Set(frame.keys);
  }
}

/** Keys JS enumerates before all others, in numeric order. */
function isArrayIndex(k: string): boolean {
  const c = k.charCodeAt(0);
  if (!(c >= 0x30 && c <= 0x39)) return false;
  return /^(?:0|[1-9][0-9]{0,9})$/.test(k) && Number(k) < 2 ** 32 - 1;
}

/** A QDict as a plain object whose key order is QDict iteration order. */
function buildDict(frame: DictFrame): QDictValue {
  const obj: QDictValue = {};
  const { keys, values } = frame;
  const n = keys.length;
  const order = n < 2 ? [0] : qdictOrderIndices(keys);
  let indexLike = false;
  for (let i = 0; i < n; i++) {
    const k = keys[order[i]];
    const v = values[order[i]];
    if (k === '__proto__') {
      Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
    } else {
      obj[k] = v;
    }
    if (!indexLike && isArrayIndex(k)) indexLike = true;
  }
  if (indexLike) Object.defineProperty(obj, QDICT_KEY_ORDER, { value: order.map((i) => keys[i]) });
  return obj;
}

/** json_parser_parse: the value of a message, or the first error. */
export function parseTokens(tokens: TokenList): ParseResult {
  try {
    return { value: parse(tokens) };
  } catch (e) {
    if (e instanceof ParseError) {
      const reason = e.reason.length > MESSAGE_MAX ? e.reason.slice(0, MESSAGE_MAX) : e.reason;
      return { error: `JSON parse error, ${reason}` };
    }
    throw e;
  }
}

function parse({ kinds, count, values }: TokenList): QValue {
  const stack: Frame[] = [];
  let pos = 0;
  // Scalars met anywhere but here end the parse with an error, so the
  // n-th scalar parse_value takes is the n-th scalar token.
  let scalar = 0;
  for (;;) {
    // parse_value at kinds[pos]
    let value: QValue;
    if (pos >= count) fail('premature EOI');
    const kind = kinds[pos];
    pos++;
    switch (kind) {
      case TOK_LCURLY:
        if (pos >= count) fail('premature EOI');
        if (kinds[pos] !== TOK_RCURLY) {
          stack.push({ dict: true, keys: [], values: [], seen: undefined, key: undefined });
          continue; // parse the first key
        }
        pos++;
        value = {};
        break;
      case TOK_LSQUARE:
        if (pos >= count) fail('premature EOI');
        if (kinds[pos] !== TOK_RSQUARE) {
          stack.push({ dict: false, items: [] });
          continue; // parse the first element
        }
        pos++;
        value = [];
        break;
      case TOK_STRING: {
        const text = values[scalar++];
        if (typeof text !== 'string') fail(text.reason);
        value = text;
        break;
      }
      case TOK_INTEGER:
        value = integerValue(values[scalar++] as string);
        break;
      case TOK_FLOAT:
        value = new QFloat(Number(values[scalar++] as string));
        break;
      case TOK_KEYWORD:
        value = keywordValue(values[scalar++] as string);
        break;
      default:
        fail('expecting value');
    }
    // A value is complete: hand it to the enclosing containers.
    for (;;) {
      if (stack.length === 0) return value;
      const top = stack[stack.length - 1];
      if (top.dict) {
        if (top.key === undefined) {
          if (typeof value !== 'string') fail('key is not a string in object');
          if (pos >= count) fail('premature EOI');
          if (kinds[pos++] !== TOK_COLON) fail('missing : in object pair');
          top.key = value;
          break; // parse the member's value
        }
        if (hasKey(top, top.key)) fail('duplicate key');
        addMember(top, top.key, value);
        top.key = undefined;
        if (pos >= count) fail('premature EOI');
        const sep = kinds[pos++];
        if (sep === TOK_RCURLY) {
          stack.pop();
          value = buildDict(top);
          continue;
        }
        if (sep !== TOK_COMMA) fail('expected separator in dict');
        if (pos >= count) fail('premature EOI');
        break; // parse the next key
      }
      top.items.push(value);
      if (pos >= count) fail('premature EOI');
      const sep = kinds[pos++];
      if (sep === TOK_RSQUARE) {
        stack.pop();
        value = top.items;
        continue;
      }
      if (sep !== TOK_COMMA) fail('expected separator in list');
      break; // parse the next element
    }
  }
}
