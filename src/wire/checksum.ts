/**
 * PE checksum (RFC 5353 §3.6.2): the RFC 1071 Internet checksum over, per PE, its pool handle zero-padded
 * to a 32-bit boundary followed by its 4-byte PE identifier. The sum is kept unfolded so that PEs can be
 * added and removed incrementally (the RFC's implementation note); `finishPeChecksum` folds and
 * complements. RSPLIB computes the same value (notes/rsplib-interop.md §3.3): an empty set gives 0xFFFF.
 */
import type { PoolElementId, PoolHandle } from './types.js';

/** The unfolded 16-bit word sum one PE contributes. Always >= 0; add or subtract it from an accumulator. */
export function peChecksumContribution(handle: PoolHandle, id: PoolElementId): number {
  let sum = 0;
  const n = handle.length;
  let i = 0;
  for (; i + 1 < n; i += 2) sum += (handle[i]! << 8) | handle[i + 1]!;
  if (i < n) sum += handle[i]! << 8;
  return sum + (id >>> 16) + (id & 0xffff);
}

/** Folds an accumulated sum (a safe integer >= 0) into 16 bits and complements it, per RFC 1071. */
export function finishPeChecksum(accumulator: number): number {
  let s = accumulator;
  // Fold in 16-bit steps; the accumulator may exceed 32 bits for huge handlespaces.
  while (s > 0xffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

/** A checksum over a set of PEs, updated incrementally. */
export class PeChecksumAccumulator {
  private sum = 0;

  add(handle: PoolHandle, id: PoolElementId): void {
    this.sum += peChecksumContribution(handle, id);
  }

  remove(handle: PoolHandle, id: PoolElementId): void {
    this.sum -= peChecksumContribution(handle, id);
  }

  addContribution(c: number): void {
    this.sum += c;
  }

  clear(): void {
    this.sum = 0;
  }

  /** The raw unfolded sum (for comparing with a full recomputation in tests). */
  get raw(): number {
    return this.sum;
  }

  get value(): number {
    return finishPeChecksum(this.sum);
  }
}
