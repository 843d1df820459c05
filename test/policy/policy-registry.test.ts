import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  makePolicy,
  POLICY_DESCRIPTORS,
  policyByName,
  policyByTypeCode,
  policyFieldValues,
  policyTypeCode,
} from '../../src/policy/index.js';

describe('policy registry', () => {
  it('maps every policy name to its wire type code and back (RFC 5356 §7, notes §2.7)', () => {
    const expected: Record<string, number> = {
      RoundRobin: 0x00000001,
      WeightedRoundRobin: 0x00000002,
      Random: 0x00000003,
      WeightedRandom: 0x00000004,
      Priority: 0x00000005,
      LeastUsed: 0x40000001,
      LeastUsedDegradation: 0x40000002,
      PriorityLeastUsed: 0x40000003,
      RandomizedLeastUsed: 0x40000004,
      RandomizedPriorityLeastUsed: 0xb0001001,
      RandomizedLeastUsedDegradation: 0xb0001002,
      PriorityLeastUsedDegradation: 0xb0001003,
      RandomizedPriorityLeastUsedDegradation: 0xb0001004,
      WeightedRandomDPF: 0xb0002001,
      LeastUsedDPF: 0xb0002002,
      LeastUsedDegradationDPF: 0xb0002003,
      PriorityLeastUsedDPF: 0xb0002004,
      PriorityLeastUsedDegradationDPF: 0xb0002005,
    };
    assert.equal(POLICY_DESCRIPTORS.length, 18);
    for (const d of POLICY_DESCRIPTORS) {
      assert.equal(policyTypeCode(d.name), expected[d.name], d.name);
      assert.equal(policyByTypeCode(d.typeCode)?.name, d.name);
    }
    assert.equal(policyByTypeCode(0x12345678), undefined);
    assert.equal(policyByName('leastused')?.name, 'LeastUsed');
    assert.equal(policyByName('NoSuchPolicy'), undefined);
    assert.equal(policyByTypeCode(0xb0002004)?.rsplibEncodable, false);
  });

  it('builds policies with their wire fields in order', () => {
    const p = makePolicy('LeastUsedDegradationDPF', { load: 1, loadDegradation: 2, loadDpf: 3, distance: 4 });
    assert.deepEqual(p, {
      name: 'LeastUsedDegradationDPF',
      load: 1,
      loadDegradation: 2,
      loadDpf: 3,
      distance: 4,
    });
    assert.deepEqual(policyFieldValues(p), [1, 2, 3, 4]);
    assert.deepEqual(makePolicy('WeightedRandom'), { name: 'WeightedRandom', weight: 1 });
    assert.deepEqual(makePolicy('RoundRobin', { weight: 9 }), { name: 'RoundRobin' });
  });
});
