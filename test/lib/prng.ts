// A small seeded PRNG (a linear congruential generator) for tests: a failing seed reproduces.

export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}
