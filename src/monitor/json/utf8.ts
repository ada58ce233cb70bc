// Modified UTF-8 as QEMU reads it (util/unicode.c): like UTF-8, except that
// U+0000 may be written C0 80; surrogates, noncharacters and code points
// beyond U+10FFFF are invalid, and so is any other overlong form.

/** util/unicode.c: is_valid_codepoint. */
export function isValidCodepoint(cp: number): boolean {
  if (cp < 0 || cp > 0x10ffff) return false;
  if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe) return false; // noncharacters
  return cp < 0xd800 || cp > 0xdfff; // surrogates
}

/** Smallest code point needing 2, 3, 4, 5, 6 bytes (shorter forms are overlong). */
const MIN_CP = [0x80, 0x800, 0x10000, 0x200000, 0x4000000] as const;

/**
 * Decode one sequence at buf[p] (p < end, buf[p] != 0); bytes at or after
 * `end` read as NUL, as past a C string's terminator.
 * Returns cp * 8 + length when valid, else -(bytes consumed), following
 * util/unicode.c's mod_utf8_codepoint: an impossible or continuation byte
 * consumes 1, a truncated sequence the bytes seen, a bad code point all.
 */
export function modUtf8Decode(buf: Uint8Array, p: number, end: number): number {
  const lead = buf[p];
  if (lead < 0x80) return lead * 8 + 1;
  if (lead >= 0xfe || (lead & 0x40) === 0) return -1;
  let len = 2;
  while (lead & (0x80 >> len)) len++;
  let cp = lead & ((0x80 >> len) - 1);
  for (let i = 1; i < len; i++) {
    const q = p + i;
    const b = q < end ? buf[q] : 0;
    if ((b & 0xc0) !== 0x80) return -i;
    cp = cp * 64 + (b & 0x3f);
  }
  if (!isValidCodepoint(cp)) return -len;
  if (cp < MIN_CP[len - 2] && !(cp === 0 && len === 2)) return -len;
  return cp * 8 + len;
}

/**
 * Bytes of a C string as QEMU's JSON writer will render them: text stops
 * at the first NUL, each invalid sequence becomes U+FFFD
 * (qobject/json-writer.c quoted_str). Used for error texts quoting input.
 */
export function decodeCString(buf: Uint8Array, start: number, end: number): string {
  let out = '';
  let p = start;
  while (p < end) {
    const b = buf[p];
    if (b === 0) break;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      p++;
      continue;
    }
    const r = modUtf8Decode(buf, p, end);
    if (r < 0) {
      out += '\uFFFD';
      p -= r;
    } else {
      out += String.fromCodePoint(Math.floor(r / 8));
      p += r & 7;
    }
  }
  return out;
}
