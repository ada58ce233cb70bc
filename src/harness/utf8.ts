// UTF-8 decoding with Python's error handlers: 'strict' (throws), 'replace'
// (U+FFFD per maximal invalid subpart) and 'backslashreplace' (\xNN per byte).

export type Utf8Errors = 'strict' | 'replace' | 'backslashreplace';

/** UnicodeDecodeError, worded as Python's str(e). */
export class Utf8DecodeError extends Error {
  constructor(bytes: Uint8Array, start: number, length: number) {
    const c = bytes[start];
    const reason =
      c < 0xc2 || c > 0xf4 ? 'invalid start byte' : start + length >= bytes.length ? 'unexpected end of data' : 'invalid continuation byte';
    const where =
      length === 1
        ? `byte 0x${c.toString(16).padStart(2, '0')} in position ${start}`
        : `bytes in position ${start}-${start + length - 1}`;
    super(`'utf-8' codec can't decode ${where}: ${reason}`);
  }
}

// Length of a well-formed sequence starting at i, or the length of its
// maximal invalid subpart negated (at least 1).
function sequenceAt(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  let need: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) need = 1;
  else if (c >= 0xe0 && c <= 0xef) {
    need = 2;
    if (c === 0xe0) lo = 0xa0;
    if (c === 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    need = 3;
    if (c === 0xf0) lo = 0x90;
    if (c === 0xf4) hi = 0x8f;
  } else return -1;
  for (let k = 1; k <= need; k++) {
    const x = b[i + k];
    const ok = x !== undefined && (k === 1 ? x >= lo && x <= hi : x >= 0x80 && x <= 0xbf);
    if (!ok) return -k;
  }
  return need + 1;
}

export function decodeUtf8(bytes: Uint8Array, errors: Utf8Errors = 'strict'): string {
  const parts: string[] = [];
  let start = 0;
  let i = 0;
  const flushValid = (end: number) => {
    if (end > start) parts.push(Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8'));
  };
  while (i < bytes.length) {
    if (bytes[i] < 0x80) {
      i++;
      continue;
    }
    const n = sequenceAt(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    flushValid(i);
    const bad = -n;
    if (errors === 'strict') throw new Utf8DecodeError(bytes, i, bad);
    if (errors === 'replace') parts.push('\uFFFD');
    else for (let k = 0; k < bad; k++) parts.push('\\x' + bytes[i + k].toString(16).padStart(2, '0'));
    i += bad;
    start = i;
  }
  flushValid(i);
  return parts.join('');
}

/** UTF-8 encoding of a string (lone surrogates cannot come from a UTF-8 file). */
export function encodeUtf8(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}
