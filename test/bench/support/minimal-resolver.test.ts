import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MinimalResolver } from '../../../bench/support/minimal-resolver.js';

const enc = new TextEncoder();

describe('MinimalResolver (the handlespace benchmark floor)', () => {
  const handles = Array.from({ length: 300 }, (_, i) => enc.encode(`pool-${i.toString(36)}`));
  const members = handles.map((_, p) => Array.from({ length: 1 + (p % 5) }, (_, k) => `${p}:${k}`));

  it('finds every pool and walks its items three at a time in rotation, one step per resolution', () => {
    const r = new MinimalResolver(handles, members);
    for (let p = 0; p < handles.length; p++) {
      const m = members[p]!;
      const want = (start: number): string[] =>
        Array.from({ length: Math.min(3, m.length) }, (_, k) => m[(start + k) % m.length]!);
      assert.deepEqual(r.resolve(handles[p]!.slice()), want(0));
      assert.deepEqual(r.resolve(handles[p]!.slice()), want(1));
    }
  });

  it('draws random reads inside the pool only, and knows no other handle', () => {
    const r = new MinimalResolver(handles, members);
    let x = 0;
    const u = (): number => {
      x = (x * 69069 + 1) % 1024;
      return x / 1024;
    };
    for (let p = 0; p < handles.length; p++)
      for (const item of r.resolveRandom(handles[p]!, u)!) assert.ok(members[p]!.includes(item));
    assert.equal(r.resolve(enc.encode('pool-none')), undefined);
    assert.equal(r.resolveRandom(enc.encode('x'), u), undefined);
  });
});
