// Finding zero ranges in buffers (what QEMU's buffer_is_zero does), used where
// the host cannot be asked for holes: Node has no SEEK_DATA/SEEK_HOLE.

/** Read-only comparison source; never handed out, never written. */
const ZEROES = Buffer.alloc(64 * 1024);

/** buffer_is_zero(). */
export function isAllZero(buf: Buffer): boolean {
  for (let off = 0; off < buf.length; off += ZEROES.length) {
    const n = Math.min(ZEROES.length, buf.length - off);
    if (!buf.subarray(off, off + n).equals(n === ZEROES.length ? ZEROES : ZEROES.subarray(0, n))) return false;
  }
  return true;
}

/**
 * Splits buf (which starts at byte `base` of its device) into runs of
 * zero / non-zero granules, granules aligned to `granule` on the device.
 */
export function zeroRuns(buf: Buffer, base: number, granule: number): Array<{ start: number; length: number; zero: boolean }> {
  const runs: Array<{ start: number; length: number; zero: boolean }> = [];
  let pos = 0;
  while (pos < buf.length) {
    const abs = base + pos;
    const next = Math.min(buf.length, abs - (abs % granule) + granule - base);
    const zero = isAllZero(buf.subarray(pos, next));
    const last = runs[runs.length - 1];
    if (last && last.zero === zero) last.length += next - pos;
    else runs.push({ start: pos, length: next - pos, zero });
    pos = next;
  }
  return runs;
}
