/**
 * Pool handles are byte strings; the handlespace keys them by a one-byte-per-char string: a length
 * character followed by the bytes as latin1 characters. The key is both the Map key of the pool index and
 * an order key: comparing two keys as JS strings gives RSPLIB's pool order "shorter handle first, then
 * memcmp" (notes/rsplib-interop.md §3.1), because the first character is the length. Lookups go through
 * `poolHash` instead (no string is built per message).
 */
import type { PoolHandle } from '../wire/types.js';

export type PoolKey = string;

export function poolKey(handle: PoolHandle): PoolKey {
  const n = handle.length;
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

/**
 * FNV-1a hash of a pool handle, folded to 30 bits so that V8 keeps it as a small integer in the pool object
 * (a larger one is a boxed number: one more cache miss per lookup). Building a string key per lookup costs
 * several hundred ns; hashing ten bytes costs a few.
 */
export function poolHash(handle: PoolHandle): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < handle.length; i++) h = Math.imul(h ^ handle[i]!, 0x01000193);
  return (h ^ (h >>> 30)) & 0x3fffffff;
}

/**
 * Bytes of a handle kept inline in its pool, as six 24-bit words (small integers for V8, so they sit in the
 * pool object itself); longer handles compare by key string.
 */
export const INLINE_HANDLE_BYTES = 18;

/** Word `w` (0-5) of a handle's first 18 bytes, three bytes each, little-endian, zero-padded. */
export function handleWord(handle: PoolHandle, w: number): number {
  const o = w * 3;
  const n = handle.length;
  return (
    (o < n ? handle[o]! : 0) | (o + 1 < n ? handle[o + 1]! << 8 : 0) | (o + 2 < n ? handle[o + 2]! << 16 : 0)
  );
}

/** Whether `key` is the `poolKey` of `handle` (without building the key). */
export function keyMatchesHandle(key: PoolKey, handle: PoolHandle): boolean {
  const n = handle.length;
  if (key.length !== n + 1 || key.charCodeAt(0) !== n) return false;
  for (let i = 0; i < n; i++) if (key.charCodeAt(i + 1) !== handle[i]) return false;
  return true;
}

export function equalHandles(a: PoolHandle, b: PoolHandle): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export const compareKeys = (a: PoolKey, b: PoolKey): number => (a < b ? -1 : a > b ? 1 : 0);
