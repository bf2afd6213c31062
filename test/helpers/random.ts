// Deterministic randomness for tests that mutate inputs, so a failure can be replayed.

/** A small linear congruential generator: numbers in [0, 1) from a seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
