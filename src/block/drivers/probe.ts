// Format probing for -drive without format= (block.c bdrv_probe_all): each
// format driver scores the first sector; raw always scores 1, qcow2 100 when
// the magic matches and the version is at least 2 (block/qcow2.c qcow2_probe).

/** BLOCK_PROBE_BUF_SIZE: how many bytes of the image the probe looks at. */
export const BLOCK_PROBE_BUF_SIZE = 512;

export type ProbedFormat = 'qcow2' | 'raw';

/** Probe scores as data: first driver with the highest score wins. */
const PROBES: ReadonlyArray<{ format: ProbedFormat; score: (buf: Buffer) => number }> = [
  { format: 'raw', score: () => 1 },
  {
    format: 'qcow2',
    score: (buf) => (buf.length >= 8 && buf.readUInt32BE(0) === 0x514649fb && buf.readUInt32BE(4) >= 2 ? 100 : 0),
  },
];

export function probeFormat(bytes: Buffer): ProbedFormat {
  let best: ProbedFormat = 'raw';
  let bestScore = 0;
  for (const p of PROBES) {
    const s = p.score(bytes);
    if (s > bestScore) {
      best = p.format;
      bestScore = s;
    }
  }
  return best;
}

/** The warning raw_open prints when probing guessed raw for a writable image. */
export function rawProbeWarning(filename: string): string {
  return (
    `WARNING: Image format was not specified for '${filename}' and probing guessed raw.\n` +
    '         Automatically detecting the format is dangerous for raw images, write operations on block 0 will be restricted.\n' +
    "         Specify the 'raw' format explicitly to remove the restrictions."
  );
}
