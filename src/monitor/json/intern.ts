// A small per-streamer cache of the short ASCII strings QMP repeats in
// every message ("execute", "arguments", "id", command names, numbers):
// comparing a few bytes is cheaper than allocating a new string.

const SLOTS = 512; // power of two
export const INTERN_MAX_LENGTH = 32;

export class StringCache {
  private readonly slots: string[] = new Array<string>(SLOTS).fill('');

  /** buf[start..end) as Latin-1; callers pass only ASCII of at most INTERN_MAX_LENGTH bytes. */
  get(buf: Buffer, start: number, end: number, slice: (buf: Buffer, start: number, end: number) => string): string {
    const len = end - start;
    // Slot from the length and the bytes at both ends: O(1), and enough to
    // tell QMP's usual words apart.
    const h = len === 0 ? 0 : Math.imul(len, 0x9e3779b1) ^ Math.imul(buf[start], 31) ^ Math.imul(buf[end - 1], 961) ^ buf[start + (len >> 1)];
    const slot = (h ^ (h >>> 9)) & (SLOTS - 1);
    const cached = this.slots[slot];
    if (cached.length === len) {
      let i = 0;
      while (i < len && cached.charCodeAt(i) === buf[start + i]) i++;
      if (i === len) return cached;
    }
    return (this.slots[slot] = slice(buf, start, end));
  }
}
