// Message splitting of qobject/json-streamer.c: counts braces and brackets
// over the lexer's tokens, hands a message to the parser when both counts
// are back to zero or either went negative, and enforces the size, count
// and nesting limits. One callback per message or error, in input order.

import type { QValue } from '../../qapi/qobject/qobject.js';
import { JsonLexer } from './lexer.js';
import { parseTokens, type TokenList } from './parser.js';
import { INTERN_MAX_LENGTH, StringCache } from './intern.js';
import { decodeStringToken, latin1, type StringTokenError } from './string.js';
import {
  MAX_NESTING,
  MAX_TOKEN_COUNT,
  MAX_TOKEN_SIZE,
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
  type TokenKind,
} from './token.js';
import { decodeCString } from './utf8.js';

function newTokenList(): TokenList {
  return { kinds: new Uint8Array(64), count: 0, values: [], valueCount: 0 };
}

/** Token arrays longer than this are dropped after a message, not reused. */
const TOKEN_ARRAY_KEEP = 4096;

export type JsonMessage = { value: QValue } | { error: string };

export class JsonStreamer {
  private readonly lexer: JsonLexer;
  private braces = 0;
  private brackets = 0;
  private tokenSize = 0;
  private tokens: TokenList = newTokenList();
  private readonly strings = new StringCache();
  /** First exception thrown by onMessage during the current feed(). */
  private callbackError: { error: unknown } | undefined;

  constructor(private readonly onMessage: (m: JsonMessage) => void) {
    this.lexer = new JsonLexer((kind, buf, start, end) => this.token(kind, buf, start, end));
  }

  /**
   * Bytes in, in any split. Messages are reported synchronously. Should
   * onMessage throw, the rest of the chunk is still processed and the
   * first exception is rethrown at the end.
   */
  feed(chunk: Uint8Array): void {
    this.callbackError = undefined;
    this.lexer.feed(chunk);
    const failure = this.callbackError as { error: unknown } | undefined;
    this.callbackError = undefined;
    if (failure) throw failure.error;
  }

  /** Drop any partial message (a new connection: json_message_parser_init). */
  reset(): void {
    this.lexer.reset();
    this.clear();
  }

  private clear(): void {
    this.braces = 0;
    this.brackets = 0;
    this.tokenSize = 0;
    const tokens = this.tokens;
    if (tokens.count > TOKEN_ARRAY_KEEP) {
      this.tokens = newTokenList();
    } else {
      tokens.count = 0; // stale entries are overwritten by the next message
      tokens.valueCount = 0;
    }
  }

  private emit(m: JsonMessage): void {
    this.clear();
    try {
      this.onMessage(m);
    } catch (error) {
      this.callbackError ??= { error };
    }
  }

  /** json_message_process_token */
  private token(kind: TokenKind, buf: Buffer, start: number, end: number): void {
    switch (kind) {
      case TOK_LCURLY:
        this.braces++;
        break;
      case TOK_RCURLY:
        this.braces--;
        break;
      case TOK_LSQUARE:
        this.brackets++;
        break;
      case TOK_RSQUARE:
        this.brackets--;
        break;
      case TOK_ERROR:
        this.emit({ error: `JSON parse error, stray '${decodeCString(buf, start, end)}'` });
        return;
    }
    const len = end - start;
    const tokens = this.tokens;
    if (this.tokenSize + len + 1 > MAX_TOKEN_SIZE) {
      this.emit({ error: 'JSON token size limit exceeded' });
      return;
    }
    if (tokens.count + 1 > MAX_TOKEN_COUNT) {
      this.emit({ error: 'JSON token count limit exceeded' });
      return;
    }
    if (this.braces + this.brackets > MAX_NESTING) {
      this.emit({ error: 'JSON nesting depth limit exceeded' });
      return;
    }
    if (tokens.count === tokens.kinds.length) {
      const grown = new Uint8Array(tokens.kinds.length * 2);
      grown.set(tokens.kinds);
      tokens.kinds = grown;
    }
    tokens.kinds[tokens.count++] = kind;
    const value = this.tokenValue(kind, buf, start, end);
    if (value !== undefined) tokens.values[tokens.valueCount++] = value;
    this.tokenSize += len;
    if ((this.braces > 0 || this.brackets > 0) && this.braces >= 0 && this.brackets >= 0) return;
    this.emit(parseTokens(this.tokens));
  }

  /** What the parser needs of a token: scalar text, or the decoded string. */
  private tokenValue(kind: TokenKind, buf: Buffer, start: number, end: number): string | StringTokenError | undefined {
    switch (kind) {
      case TOK_STRING:
        return decodeStringToken(buf, start, end, this.strings);
      case TOK_INTEGER:
      case TOK_FLOAT:
      case TOK_KEYWORD:
        return end - start <= INTERN_MAX_LENGTH ? this.strings.get(buf, start, end, latin1) : latin1(buf, start, end);
      default: // structural; TOK_OVERSIZED never gets here (size limit)
        return undefined;
    }
  }
}

