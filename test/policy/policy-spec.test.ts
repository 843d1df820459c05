import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatPolicySpec,
  makePolicy,
  POLICY_DESCRIPTORS,
  parsePolicySpec,
  policyValueToFraction,
} from '../../src/policy/index.js';

describe('policy spec (rspserver -policy=)', () => {
  // Values RSPLIB put on the wire for these specs (fixtures/rsplib/README.md, capture A).
  const vectors: [string, object][] = [
    ['RoundRobin', { name: 'RoundRobin' }],
    ['WeightedRoundRobin:3', { name: 'WeightedRoundRobin', weight: 3 }],
    ['Random', { name: 'Random' }],
    ['WeightedRandom:5', { name: 'WeightedRandom', weight: 5 }],
    ['Priority:7', { name: 'Priority', priority: 7 }],
    ['LeastUsed', { name: 'LeastUsed', load: 0 }],
    ['LeastUsedDegradation:0.25', { name: 'LeastUsedDegradation', load: 0, loadDegradation: 0x40000000 }],
    ['PriorityLeastUsed:0.1', { name: 'PriorityLeastUsed', load: 0, loadDegradation: 0x1999999a }],
    ['RandomizedLeastUsed', { name: 'RandomizedLeastUsed', load: 0 }],
    [
      'PriorityLeastUsedDegradation:0.2',
      { name: 'PriorityLeastUsedDegradation', load: 0, loadDegradation: 0x33333333 },
    ],
    ['RandomizedPriorityLeastUsed', { name: 'RandomizedPriorityLeastUsed', load: 0, loadDegradation: 0 }],
    ['LeastUsedDPF:0.3', { name: 'LeastUsedDPF', load: 0, loadDpf: 0x4ccccccc, distance: 0 }],
    [
      'LeastUsedDegradationDPF:0.1:0.3',
      {
        name: 'LeastUsedDegradationDPF',
        load: 0,
        loadDegradation: 0x1999999a,
        loadDpf: 0x4ccccccc,
        distance: 0,
      },
    ],
    ['WeightedRandomDPF:4:0.5', { name: 'WeightedRandomDPF', weight: 4, weightDpf: 0x80000000, distance: 0 }],
    [
      'PriorityLeastUsedDegradationDPF:0.1:0.3',
      {
        name: 'PriorityLeastUsedDegradationDPF',
        load: 0,
        loadDegradation: 0x1999999a,
        loadDpf: 0x4ccccccc,
        distance: 0,
      },
    ],
  ];

  it('parses the RSPLIB forms to the values RSPLIB sends', () => {
    for (const [spec, policy] of vectors) {
      const r = parsePolicySpec(spec);
      assert.ok(r.ok, spec);
      assert.deepEqual(r.value, policy, spec);
    }
  });

  it('formats back to the same spec', () => {
    for (const [spec] of vectors) {
      const r = parsePolicySpec(spec);
      assert.ok(r.ok);
      assert.equal(formatPolicySpec(r.value), spec);
    }
  });

  it('accepts our load extension (LeastUsed:0.3 = load 30 %) and round-trips it', () => {
    const r = parsePolicySpec('LeastUsed:0.3');
    assert.ok(r.ok);
    assert.deepEqual(r.value, { name: 'LeastUsed', load: 0x4ccccccc });
    assert.equal(formatPolicySpec(r.value), 'LeastUsed:0.3');
    const r2 = parsePolicySpec('leastuseddegradation:0.25:0.5');
    assert.ok(r2.ok);
    assert.deepEqual(r2.value, {
      name: 'LeastUsedDegradation',
      load: 0x80000000,
      loadDegradation: 0x40000000,
    });
    assert.equal(formatPolicySpec(r2.value), 'LeastUsedDegradation:0.25:0.5');
  });

  it('round-trips every policy with random parameters', () => {
    for (const d of POLICY_DESCRIPTORS) {
      for (let i = 0; i < 50; i++) {
        const values: Record<string, number> = {};
        for (const f of d.specFields) {
          values[f] =
            f === 'weight' || f === 'priority'
              ? (i * 7919) % 1000
              : Math.round((((i * 37) % 101) / 100) * 0xffffffff);
        }
        const p = makePolicy(d.name, values);
        const r = parsePolicySpec(formatPolicySpec(p));
        assert.ok(r.ok, formatPolicySpec(p));
        assert.deepEqual(r.value, p);
      }
    }
    assert.equal(policyValueToFraction(0x40000000), '0.25');
  });

  it('rejects bad specs with a reason', () => {
    for (const spec of [
      'Nope',
      'WeightedRandom:x',
      'WeightedRandom:1.5',
      'LeastUsedDegradation:1.5',
      'Random:1',
      'Priority:-1',
      'WeightedRandom:',
    ]) {
      const r = parsePolicySpec(spec);
      assert.ok(!r.ok, spec);
      assert.ok(r.error.length > 0);
    }
  });
});
