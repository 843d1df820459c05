// Long codec fuzz run: `npm run fuzz -- [count] [seed]` (defaults: 2,000,000 inputs, a time-based seed).
// Prints the seed first so that a failure reproduces with the same arguments.
import { FuzzFailure, runFuzz } from './fuzz-run.js';

const count = Number(process.argv[2] ?? 2_000_000);
const seed = Number(process.argv[3] ?? Date.now() % 0x7fffffff);
if (!Number.isInteger(count) || count <= 0 || !Number.isInteger(seed)) {
  console.error('usage: codec-fuzz-long.ts [count] [seed]');
  process.exit(2);
}
console.log(`codec fuzz: ${count} inputs, seed ${seed}`);
const started = process.hrtime.bigint();
try {
  const stats = runFuzz({
    count,
    seed,
    progressEvery: 250_000,
    onProgress: (s) => console.log(`  ${s.inputs} inputs, ${s.decoded} decoded, ${s.errors} refused`),
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const causes = [...stats.causes].sort((a, b) => a[0] - b[0]).map(([c, n]) => `0x${c.toString(16)}: ${n}`);
  console.log(
    `ok: ${stats.inputs} inputs in ${seconds.toFixed(1)} s; ${stats.decoded} decoded; refused by cause: ${causes.join(', ')}`,
  );
} catch (e) {
  if (!(e instanceof FuzzFailure)) throw e;
  console.error(`FAILED (seed ${seed}, count ${count}): ${e.message}`);
  process.exit(1);
}
