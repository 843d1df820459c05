import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { poolHash } from '../../src/handlespace/index.js';
import { RATE_LIMIT_BURST, RequestRateLimiter } from '../../src/registrar/request-rate-limiter.js';

const enc = (s: string) => new TextEncoder().encode(s);

describe('RequestRateLimiter (per pool user and pool)', () => {
  it('allows a burst, then the configured rate', () => {
    const limiter = new RequestRateLimiter(5);
    const pool = enc('EchoPool');
    let allowed = 0;
    for (let i = 0; i < 100; i++) if (limiter.allow(1, pool, 0)) allowed++;
    assert.equal(allowed, RATE_LIMIT_BURST);
    // Over 10 s at 5/s: 50 more, whatever the pattern of requests.
    allowed = 0;
    for (let t = 1; t <= 10_000; t += 7) if (limiter.allow(1, pool, t)) allowed++;
    assert.ok(allowed >= 49 && allowed <= 50, `${allowed}`);
  });

  it('keeps pools in different buckets and pool users apart, and forgets a pool user', () => {
    const limiter = new RequestRateLimiter(1);
    const a = enc('A');
    let b = enc('B');
    for (let i = 0; (poolHash(b) & 63) === (poolHash(a) & 63); i++) b = enc(`B${i}`);
    for (let i = 0; i < RATE_LIMIT_BURST; i++) limiter.allow(1, a, 0);
    assert.equal(limiter.allow(1, a, 0), false);
    assert.equal(limiter.allow(1, b, 0), true);
    assert.equal(limiter.allow(2, a, 0), true);
    assert.equal(limiter.size, 2);
    limiter.forget(1);
    assert.equal(limiter.allow(1, a, 0), true);
  });
});
