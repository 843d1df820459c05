/**
 * The machine's latency of dependent random reads over a working set of a given size (a pointer chase
 * through one random cycle of cache lines in an Int32Array): what each cache miss of a handle resolution
 * costs once the handlespace outgrows the caches. Printed beside the handlespace figures so that their
 * growth from 1 k to 1 M PEs can be read against the machine's.
 */
import { SeededRandom } from '../../src/base/random.js';

const LINE_INTS = 16; // 64-byte cache lines

/** Nanoseconds per read of a random chase over `bytes` (`reads` dependent reads). */
export function pointerChaseNs(bytes: number, reads = 2_000_000): number {
  const lines = Math.max(2, Math.floor(bytes / (LINE_INTS * 4)));
  const next = new Int32Array(lines * LINE_INTS);
  const order = new Int32Array(lines);
  for (let i = 0; i < lines; i++) order[i] = i;
  const rng = new SeededRandom(lines);
  for (let i = lines - 1; i > 0; i--) {
    const j = Math.floor(rng.float() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  for (let i = 0; i < lines; i++) next[order[i]! * LINE_INTS] = order[(i + 1) % lines]! * LINE_INTS;
  let p = 0;
  for (let i = 0; i < reads / 10; i++) p = next[p]!; // warm-up
  const t0 = performance.now();
  for (let i = 0; i < reads; i++) p = next[p]!;
  const ns = ((performance.now() - t0) * 1e6) / reads;
  if (p < 0) throw new Error('unreachable');
  return ns;
}
