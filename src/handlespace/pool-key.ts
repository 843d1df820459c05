/**
 * Pool handles are byte strings; the handlespace keys them by a one-byte-per-char string: a length
 * character followed by the bytes as latin1 characters. The key is both the Map key of the pool index and
 * an order key: comparing two keys as JS strings gives RSPLIB's pool order "shorter handle first, then
 * memcmp" (notes/rsplib-interop.md §3.1), because the first character is the length.
 */
import type { PoolHandle } from '../wire/types.js';

export type PoolKey = string;

export function poolKey(handle: PoolHandle): PoolKey {
  const n = handle.length;
  if (n <= 64) return String.fromCharCode(n, ...handle);
  let s = String.fromCharCode(Math.min(n, 0xffff));
  for (let i = 0; i < n; i++) s += String.fromCharCode(handle[i]!);
  return s;
}

/** RSPLIB's pool handle order: shorter first, then bytewise. */
export function comparePoolHandles(a: PoolHandle, b: PoolHandle): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

export const compareKeys = (a: PoolKey, b: PoolKey): number => (a < b ? -1 : a > b ? 1 : 0);
