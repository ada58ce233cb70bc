// QEMU 7.2's JSON input codec for QMP (qobject/json-*.c).
export { JsonStreamer, type JsonMessage } from './streamer.js';
export { JsonLexer, type TokenSink } from './lexer.js';
export { parseTokens, integerValue, type ParseResult, type TokenList } from './parser.js';
export { decodeStringToken, StringTokenError } from './string.js';
export { decodeCString, isValidCodepoint, modUtf8Decode } from './utf8.js';
export { MAX_NESTING, MAX_TOKEN_COUNT, MAX_TOKEN_SIZE } from './token.js';
