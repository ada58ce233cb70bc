// The JSON lexer of qobject/json-lexer.c: a byte-driven state machine with
// one byte of lookahead, QEMU's single-quote extension, and its error
// recovery (skip to a structural or control byte). Interpolation ('%') is
// off, as for QMP input.

import {
  MAX_TOKEN_SIZE,
  TOK_COLON,
  TOK_COMMA,
  TOK_ERROR,
  TOK_FLOAT,
  TOK_INTEGER,
  TOK_KEYWORD,
  TOK_LCURLY,
  TOK_LSQUARE,
  TOK_OVERSIZED,
  TOK_RCURLY,
  TOK_RSQUARE,
  TOK_STRING,
  TOKEN_BASE,
  type TokenKind,
} from './token.js';

// Lexer states (below TOKEN_BASE; 0 is TOK_ERROR).
const S_RECOVERY = 1;
const S_DQ = 2; // inside "..."
const S_DQ_ESC = 3; // after a backslash in "..."
const S_SQ = 4; // inside '...'
const S_SQ_ESC = 5;
const S_ZERO = 6; // "0" or "-0"
const S_SIGN = 7; // "-"
const S_DIGITS = 8; // integer part, non-zero start
const S_POINT = 9; // after '.', a digit must follow
const S_FRACTION = 10;
const S_EXP = 11; // after 'e' / 'E'
const S_EXP_SIGN = 12;
const S_EXP_DIGITS = 13;
const S_KEYWORD = 14;
const S_START = 15;
const STATE_COUNT = 16;

/** The byte is not consumed: the lexer moves on and looks at it again. */
const LOOKAHEAD = 0x80;

type Rule = [from: number, to: number, next: number];
const range = (from: string | number, to: string | number, next: number): Rule => [
  typeof from === 'string' ? from.charCodeAt(0) : from,
  typeof to === 'string' ? to.charCodeAt(0) : to,
  next,
];
const one = (c: string | number, next: number): Rule => range(c, c, next);
/** Any byte ends the token before it (the byte is looked at again). */
const terminal = (tok: number): Rule => range(0, 0xff, tok | LOOKAHEAD);

// Per state, later rules override earlier ones; bytes no rule covers are
// TOK_ERROR. Mirrors the table in qobject/json-lexer.c.
const RULES: ReadonlyArray<readonly [number, readonly Rule[]]> = [
  [
    S_RECOVERY,
    [
      range(0x00, 0x1f, S_START | LOOKAHEAD), // control bytes resynchronise...
      range(0x20, 0xfd, S_RECOVERY),
      range(0xfe, 0xff, S_START | LOOKAHEAD), // ...so do bytes never valid in UTF-8
      one('\t', S_RECOVERY), // ...but TAB is skipped
      ...[...'[]{}:,'].map((c) => one(c, S_START | LOOKAHEAD)), // structural chars
    ],
  ],
  [S_DQ_ESC, [range(0x20, 0xfd, S_DQ)]],
  [S_DQ, [range(0x20, 0xfd, S_DQ), one('\\', S_DQ_ESC), one('"', TOK_STRING)]],
  [S_SQ_ESC, [range(0x20, 0xfd, S_SQ)]],
  [S_SQ, [range(0x20, 0xfd, S_SQ), one('\\', S_SQ_ESC), one("'", TOK_STRING)]],
  [S_ZERO, [terminal(TOK_INTEGER), range('0', '9', TOK_ERROR), one('.', S_POINT)]],
  [S_EXP_DIGITS, [terminal(TOK_FLOAT), range('0', '9', S_EXP_DIGITS)]],
  [S_EXP_SIGN, [range('0', '9', S_EXP_DIGITS)]],
  [S_EXP, [one('-', S_EXP_SIGN), one('+', S_EXP_SIGN), range('0', '9', S_EXP_DIGITS)]],
  [S_FRACTION, [terminal(TOK_FLOAT), range('0', '9', S_FRACTION), one('e', S_EXP), one('E', S_EXP)]],
  [S_POINT, [range('0', '9', S_FRACTION)]],
  [
    S_DIGITS,
    [terminal(TOK_INTEGER), range('0', '9', S_DIGITS), one('e', S_EXP), one('E', S_EXP), one('.', S_POINT)],
  ],
  [S_SIGN, [one('0', S_ZERO), range('1', '9', S_DIGITS)]],
  [S_KEYWORD, [terminal(TOK_KEYWORD), range('a', 'z', S_KEYWORD)]],
  [
    S_START,
    [
      one('"', S_DQ),
      one("'", S_SQ),
      one('0', S_ZERO),
      range('1', '9', S_DIGITS),
      one('-', S_SIGN),
      one('{', TOK_LCURLY),
      one('}', TOK_RCURLY),
      one('[', TOK_LSQUARE),
      one(']', TOK_RSQUARE),
      one(',', TOK_COMMA),
      one(':', TOK_COLON),
      range('a', 'z', S_KEYWORD),
      ...[' ', '\t', '\r', '\n'].map((c) => one(c, S_START)),
    ],
  ],
];

/** TRANSITIONS[state * 256 + byte]: next state or token kind, | LOOKAHEAD. */
const TRANSITIONS: Uint8Array = (() => {
  const t = new Uint8Array(STATE_COUNT * 256); // default TOK_ERROR
  for (const [state, rules] of RULES) {
    for (const [from, to, next] of rules) t.fill(next, state * 256 + from, state * 256 + to + 1);
  }
  return t;
})();

/** Receives each token; buf[start..end) is its text (valid during the call only). */
export type TokenSink = (kind: TokenKind, buf: Buffer, start: number, end: number) => void;

const EMPTY = Buffer.alloc(0);

export class JsonLexer {
  private state = S_START;
  /** Bytes of the current token seen in earlier chunks. */
  private carry: Buffer[] = [];
  private carryLen = 0;

  constructor(private readonly sink: TokenSink) {}

  /** Forget any partial token (json_lexer_destroy + json_lexer_init). */
  reset(): void {
    this.state = S_START;
    this.carry = [];
    this.carryLen = 0;
  }

  feed(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const n = buf.length;
    const table = TRANSITIONS;
    let state = this.state;
    let tokLen = this.carryLen; // bytes in the current token, carry included
    let tokStart = 0; // where the current token's bytes in this chunk begin
    for (let i = 0; i < n; i++) {
      const ch = buf[i];
      // Fast path: whitespace between tokens (the token is empty there).
      if (state === S_START && (ch === 0x20 || ch === 0x0a || ch === 0x0d || ch === 0x09)) continue;
      // Fast path: the body of a string (the commonest bytes in QMP input).
      if (state === S_DQ || state === S_SQ) {
        const quote = state === S_DQ ? 0x22 : 0x27;
        const limit = Math.min(n, i + (MAX_TOKEN_SIZE + 1 - tokLen));
        let j = i;
        for (; j < limit; j++) {
          const b = buf[j];
          if (b < 0x20 || b > 0xfd || b === quote || b === 0x5c) break;
        }
        if (j > i) {
          if (tokLen === 0) tokStart = i;
          tokLen += j - i;
          i = j - 1;
          if (tokLen > MAX_TOKEN_SIZE) {
            tokLen = this.flushOversized(tokLen);
            state = S_START;
          }
          continue;
        }
      }
      for (;;) {
        const next = table[(state << 8) | ch];
        const consumed = (next & LOOKAHEAD) === 0;
        const code = next & ~LOOKAHEAD;
        if (consumed) {
          if (tokLen === 0) tokStart = i;
          tokLen++;
        }
        if (code >= TOKEN_BASE) {
          this.emit(code, buf, tokStart, tokLen);
          tokLen = 0;
          state = S_START;
        } else if (code === S_START || code === S_RECOVERY) {
          if (tokLen !== 0) this.dropCarry();
          tokLen = 0;
          state = code;
        } else if (code === TOK_ERROR) {
          this.emit(TOK_ERROR, buf, tokStart, tokLen);
          tokLen = 0;
          state = S_RECOVERY;
        } else {
          state = code;
        }
        if (consumed) break;
      }
      if (tokLen > MAX_TOKEN_SIZE) {
        tokLen = this.flushOversized(tokLen);
        state = S_START;
      }
    }
    this.state = state;
    if (tokLen > this.carryLen) {
      this.carry.push(Buffer.from(buf.subarray(tokStart, tokStart + tokLen - this.carryLen)));
      this.carryLen = tokLen;
    }
  }

  private dropCarry(): void {
    if (this.carryLen !== 0) {
      this.carry = [];
      this.carryLen = 0;
    }
  }

  /** json-lexer.c: a token grown past MAX_TOKEN_SIZE is handed on as is. */
  private flushOversized(tokLen: number): number {
    this.dropCarry();
    this.sink(TOK_OVERSIZED, EMPTY, 0, tokLen);
    return 0;
  }

  /** Hand on the token whose last `tokLen` bytes end in this chunk at tokStart + (tokLen - carryLen). */
  private emit(kind: TokenKind, buf: Buffer, tokStart: number, tokLen: number): void {
    const inChunk = tokLen - this.carryLen;
    if (this.carryLen === 0) {
      this.sink(kind, buf, tokStart, tokStart + inChunk);
      return;
    }
    const whole = Buffer.concat([...this.carry, buf.subarray(tokStart, tokStart + inChunk)], tokLen);
    this.carry = [];
    this.carryLen = 0;
    this.sink(kind, whole, 0, tokLen);
  }
}
