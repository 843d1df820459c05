/**
 * The two rules the handlespace's open-addressing tables (linear probing) share: where a key's probe run
 * starts, and when backward-shift deletion may move an entry into a hole.
 */

/** Fibonacci hashing: the top `bits` bits of hash * 2^32/phi (spreads keys whose low bits cluster). */
export function homeSlot(hash: number, bits: number): number {
  return Math.imul(hash, 0x9e3779b1) >>> (32 - bits);
}

/**
 * Backward-shift deletion: whether the entry at `at`, whose probe run starts at `home`, may move into the
 * hole at `hole` (the probe run after the hole is scanned up to the next empty slot). It may unless its
 * home lies cyclically in (hole, at]: then the hole is before its home and moving it would lose it.
 */
export function fillsHole(hole: number, at: number, home: number): boolean {
  return hole <= at ? home <= hole || home > at : home <= hole && home > at;
}
