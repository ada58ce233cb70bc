// Token kinds the lexer hands to the streamer (qobject/json-parser-int.h
// calls them JSONTokenType). Kinds are >= TOKEN_BASE so that they never
// collide with lexer states in the transition table (see lexer.ts).

/** A byte that cannot start or continue a token: reported as "stray". */
export const TOK_ERROR = 0;
export const TOKEN_BASE = 32;
export const TOK_LCURLY = 32;
export const TOK_RCURLY = 33;
export const TOK_LSQUARE = 34;
export const TOK_RSQUARE = 35;
export const TOK_COLON = 36;
export const TOK_COMMA = 37;
export const TOK_INTEGER = 38;
export const TOK_FLOAT = 39;
export const TOK_KEYWORD = 40;
export const TOK_STRING = 41;
/** A token still being lexed that outgrew MAX_TOKEN_SIZE (force-flushed). */
export const TOK_OVERSIZED = 42;

export type TokenKind = number;

/** Limits of qobject/json-lexer.c and qobject/json-streamer.c. */
export const MAX_TOKEN_SIZE = 64 * 1024 * 1024;
export const MAX_TOKEN_COUNT = 2 * 1024 * 1024;
export const MAX_NESTING = 1024;
