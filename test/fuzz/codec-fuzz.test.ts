// Codec fuzzing in CI: 120,000 inputs per run (mutated RSPLIB capture messages and random bytes, both
// protocols). The seed is printed and can be fixed with FUZZ_SEED; `npm run fuzz -- COUNT SEED` runs longer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCause } from '../../src/wire/index.js';
import { runFuzz } from './fuzz-run.js';

const COUNT = 120_000;

describe('codec fuzz', () => {
  it(`${COUNT} mutated and random inputs: no throw, typed errors, stable round trips`, () => {
    const seed =
      process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : Date.now() % 0x7fffffff;
    console.log(`codec fuzz seed ${seed} (reproduce: FUZZ_SEED=${seed} or npm run fuzz -- ${COUNT} ${seed})`);
    const stats = runFuzz({ count: COUNT, seed });
    assert.equal(stats.inputs, COUNT);
    // The mutations must reach both outcomes and many different checks.
    assert.ok(stats.decoded > COUNT * 0.05, `only ${stats.decoded} inputs decoded`);
    assert.ok(stats.errors > COUNT * 0.3, `only ${stats.errors} inputs were refused`);
    for (const cause of [
      ErrorCause.UnrecognizedParameter,
      ErrorCause.UnrecognizedMessage,
      ErrorCause.InvalidValues,
      ErrorCause.RsplibInvalidMessage,
      ErrorCause.RsplibInvalidValue,
      ErrorCause.RsplibUnsupportedPoolPolicy,
    ]) {
      assert.ok((stats.causes.get(cause) ?? 0) > 0, `cause 0x${cause.toString(16)} never produced`);
    }
  });
});
