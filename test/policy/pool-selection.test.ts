import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../src/base/random.js';
import { NIL, RingStore, TreeNodeStore, WeightArena } from '../../src/collections/index.js';
import {
  makePolicy,
  POLICY_DESCRIPTORS,
  type PolicyCandidate,
  type PolicyField,
  PoolSelection,
  policySortKey,
  policyWeight,
  SequenceCounter,
} from '../../src/policy/index.js';
import type { PolicyName, PoolPolicy } from '../../src/wire/types.js';

const MAX = 0xffffffff;

class Candidate implements PolicyCandidate {
  distanceMs = 0;
  degradation = 0;
  turn = 0;
  selectionNode = NIL;
  constructor(
    readonly id: number,
    public policy: PoolPolicy,
  ) {}
}

function makePool(name: PolicyName, params: Partial<Record<PolicyField, number>>[], seed = 1) {
  const selection = new PoolSelection<Candidate>(name, {
    sorted: new TreeNodeStore<Candidate>({ keyed: true }),
    weighted: new WeightArena<Candidate>(),
    queued: new RingStore<Candidate>(),
  });
  const sequence = new SequenceCounter();
  const rng = new SeededRandom(seed);
  const members = params.map((p, i) => new Candidate(i + 1, makePolicy(name, p)));
  for (const c of members) selection.add(c, sequence.next());
  const pick = (count: number, maxIncrement = 0): number[] =>
    selection.select(count, { rng, sequence, maxIncrement }).map((c) => c.id);
  const picks = (times: number): number[] => Array.from({ length: times }, () => pick(1)[0]!);
  return { selection, members, pick, picks, sequence, rng };
}

/** Counts per id over `draws` single selections. */
function histogram(ids: number[], n: number): number[] {
  const h = new Array<number>(n).fill(0);
  for (const id of ids) h[id - 1]!++;
  return h;
}

/** |observed - expected| within 5 standard deviations of a binomial. */
function assertBinomial(observed: number, draws: number, p: number, label: string): void {
  const mean = draws * p;
  const sd = Math.sqrt(draws * p * (1 - p));
  assert.ok(
    Math.abs(observed - mean) <= 5 * sd + 1,
    `${label}: ${observed} vs expected ${mean.toFixed(1)} ± ${5 * sd}`,
  );
}

describe('PoolSelection: sort policies', () => {
  it('RoundRobin returns the list from the head and advances the head by one (RFC 5356 §4.1.2)', () => {
    const { pick } = makePool('RoundRobin', [{}, {}, {}, {}]);
    assert.deepEqual(pick(3), [1, 2, 3]);
    assert.deepEqual(pick(3), [2, 3, 4]);
    assert.deepEqual(pick(3), [3, 4, 1]);
    assert.deepEqual(pick(3), [4, 1, 2]);
    assert.deepEqual(pick(9), [1, 2, 3, 4]);
  });

  it('RoundRobin with maxIncrement 3 advances all three returned PEs', () => {
    const { pick } = makePool('RoundRobin', [{}, {}, {}, {}]);
    assert.deepEqual(pick(3, 3), [1, 2, 3]);
    assert.deepEqual(pick(3, 3), [4, 1, 2]);
  });

  it('WeightedRoundRobin picks each PE weight times per round, evenly spread', () => {
    const { picks } = makePool('WeightedRoundRobin', [{ weight: 3 }, { weight: 1 }]);
    const seq = picks(400);
    assert.deepEqual(seq.slice(0, 8), [1, 1, 2, 1, 1, 1, 2, 1]);
    for (let i = 0; i + 4 <= seq.length; i += 4) {
      assert.deepEqual(histogram(seq.slice(i, i + 4), 2), [3, 1], `round at ${i}`);
    }
  });

  it('WeightedRoundRobin weights 5:3:2 over 1000 picks are exact per 10-pick round; weight 0 only when needed', () => {
    const { picks, pick } = makePool('WeightedRoundRobin', [
      { weight: 5 },
      { weight: 3 },
      { weight: 2 },
      { weight: 0 },
    ]);
    const seq = picks(1000);
    for (let i = 0; i < 1000; i += 10) assert.deepEqual(histogram(seq.slice(i, i + 10), 4), [5, 3, 2, 0]);
    assert.deepEqual(pick(4).sort(), [1, 2, 3, 4]);
  });

  it('Priority returns the highest priorities first, round robin among equals (RFC 5356 §4.5.2)', () => {
    const { pick, picks } = makePool('Priority', [
      { priority: 5 },
      { priority: 9 },
      { priority: 9 },
      { priority: 1 },
    ]);
    assert.deepEqual(pick(4), [2, 3, 1, 4]);
    assert.deepEqual(pick(4), [3, 2, 1, 4]);
    assert.deepEqual(picks(4), [2, 3, 2, 3]);
  });

  it('LeastUsed returns ascending load, round robin among equal loads (RFC 5356 §5.1.2)', () => {
    const { pick, picks } = makePool('LeastUsed', [
      { load: 500 },
      { load: 200 },
      { load: 200 },
      { load: 900 },
    ]);
    assert.deepEqual(pick(4), [2, 3, 1, 4]);
    assert.deepEqual(picks(4), [3, 2, 3, 2]);
  });

  it('LeastUsedDegradation grows the degradation by loadDegradation per selection (RFC 5356 §5.2.2)', () => {
    const { picks, members, selection } = makePool('LeastUsedDegradation', [
      { load: 100, loadDegradation: 300 },
      { load: 300, loadDegradation: 100 },
    ]);
    assert.deepEqual(picks(11), [1, 2, 1, 2, 2, 2, 1, 2, 2, 2, 1]);
    assert.equal(members[0]!.degradation, 4 * 300);
    assert.equal(members[1]!.degradation, 7 * 100);
    assert.equal(selection.selectionCountOf(members[0]!), 4);
    // Re-registration resets the counter (the handlespace does this; here by hand).
    members[0]!.degradation = 0;
    selection.update(members[0]!);
    assert.deepEqual(picks(1), [1]);
  });

  it('PriorityLeastUsed ranks by load + loadDegradation, without growth', () => {
    const { picks, pick } = makePool('PriorityLeastUsed', [
      { load: 100, loadDegradation: 500 },
      { load: 300, loadDegradation: 100 },
      { load: 300, loadDegradation: 100 },
    ]);
    assert.deepEqual(pick(3), [2, 3, 1]);
    assert.deepEqual(picks(4), [3, 2, 3, 2]);
  });

  it('PriorityLeastUsedDegradation ranks by load + loadDegradation + degradation', () => {
    const { picks } = makePool('PriorityLeastUsedDegradation', [
      { load: 0, loadDegradation: 200 },
      { load: 300, loadDegradation: 100 },
    ]);
    // keys A 200, B 400 -> A (400, newer seq than B) -> B (500) -> A (600) -> B (600, newer) -> A
    assert.deepEqual(picks(5), [1, 2, 1, 2, 1]);
  });

  it('DPF sort policies add distance * DPF, clamped to 100 %', () => {
    const { pick, members, selection } = makePool('LeastUsedDPF', [
      { load: 1000, loadDpf: 0 },
      { load: 0, loadDpf: 600 },
    ]);
    members[1]!.distanceMs = 2;
    selection.update(members[1]!);
    assert.equal(selection.keyOf(members[1]!.selectionNode), 1200);
    assert.deepEqual(pick(2), [1, 2]);
    members[1]!.distanceMs = 1e9;
    assert.equal(policySortKey(members[1]!), MAX);
    const lud = new Candidate(
      1,
      makePolicy('LeastUsedDegradationDPF', { load: 10, loadDegradation: 5, loadDpf: 3 }),
    );
    lud.distanceMs = 4;
    lud.degradation = 7;
    assert.equal(policySortKey(lud), 10 + 7 + 12);
    const plu = new Candidate(
      1,
      makePolicy('PriorityLeastUsedDPF', { load: 10, loadDegradation: 5, loadDpf: 3 }),
    );
    plu.distanceMs = 4;
    assert.equal(policySortKey(plu), 10 + 5 + 12);
    const plud = new Candidate(
      1,
      makePolicy('PriorityLeastUsedDegradationDPF', { load: 10, loadDegradation: 5, loadDpf: 3 }),
    );
    plud.distanceMs = 4;
    plud.degradation = 7;
    assert.equal(policySortKey(plud), 10 + 5 + 7 + 12);
  });
});

describe('PoolSelection: random (value-tree) policies', () => {
  it('Random: uniform over many draws, never a PE twice in one selection', () => {
    const { pick, picks } = makePool('Random', [{}, {}, {}, {}], 7);
    for (let i = 0; i < 200; i++) assert.deepEqual(pick(4).sort(), [1, 2, 3, 4]);
    const h = histogram(picks(20000), 4);
    for (let i = 0; i < 4; i++) assertBinomial(h[i]!, 20000, 0.25, `PE ${i + 1}`);
  });

  it('WeightedRandom: probability weight / sum (RFC 5356 §4.4.2)', () => {
    const { picks } = makePool(
      'WeightedRandom',
      [{ weight: 1 }, { weight: 2 }, { weight: 3 }, { weight: 4 }],
      11,
    );
    const draws = 40000;
    const h = histogram(picks(draws), 4);
    for (let i = 0; i < 4; i++) assertBinomial(h[i]!, draws, (i + 1) / 10, `weight ${i + 1}`);
  });

  it('WeightedRandom without replacement: second pick follows the remaining weights', () => {
    const { pick } = makePool('WeightedRandom', [{ weight: 1 }, { weight: 1 }, { weight: 98 }], 3);
    const draws = 5000;
    let thirdFirst = 0;
    for (let i = 0; i < draws; i++) {
      const s = pick(2);
      assert.notEqual(s[0], s[1]);
      if (s[0] === 3) thirdFirst++;
    }
    assertBinomial(thirdFirst, draws, 0.98, 'heavy PE first');
  });

  it('WeightedRandom in a large pool: the same distribution once drawn by the alias table, and after changes', () => {
    // 100 PEs (over ALIAS_MIN_SLOTS): after 100 draws with unchanged weights the pool draws by alias table.
    const weights = Array.from({ length: 100 }, (_, i) => (i % 10 === 0 ? 0 : 1 + (i % 7)));
    const { picks, selection, members } = makePool(
      'WeightedRandom',
      weights.map((weight) => ({ weight })),
      17,
    );
    const check = (w: number[], label: string) => {
      const total = w.reduce((x, y) => x + y, 0);
      const draws = 60_000;
      const h = histogram(picks(draws), w.length);
      for (let i = 0; i < w.length; i++) {
        if (w[i] === 0) assert.equal(h[i], 0, `${label}: weight-0 PE ${i + 1} drawn`);
        else assertBinomial(h[i]!, draws, w[i]! / total, `${label}: PE ${i + 1}`);
      }
    };
    check(weights, 'stable');
    // A re-weighted PE (a re-registration) drops the table; the new weights apply at once.
    const heavy = members[5]!;
    heavy.policy = { name: 'WeightedRandom', weight: 200 };
    selection.update(heavy);
    const changed = weights.map((w, i) => (i === 5 ? 200 : w));
    check(changed, 'changed');
    selection.removeCandidate(members[99]!);
    check(
      changed.map((w, i) => (i === 99 ? 0 : w)),
      'after a removal',
    );
  });

  it('WeightedRandom: weight-0 PEs come only after all others', () => {
    const { pick, picks } = makePool('WeightedRandom', [{ weight: 0 }, { weight: 5 }, { weight: 0 }], 5);
    assert.deepEqual(picks(50), new Array(50).fill(2));
    assert.deepEqual(pick(3), [2, 1, 3]);
  });

  it('RandomizedLeastUsed: probability (MAX - load) / sum (RFC 5356 §5.4.1)', () => {
    const { picks } = makePool('RandomizedLeastUsed', [{ load: 0 }, { load: 0xbfffffff }, { load: MAX }], 13);
    const draws = 20000;
    const h = histogram(picks(draws), 3);
    const w = [MAX, MAX - 0xbfffffff, 1];
    const total = w[0]! + w[1]! + w[2]!;
    for (let i = 0; i < 3; i++) assertBinomial(h[i]!, draws, w[i]! / total, `PE ${i + 1}`);
  });

  it('RandomizedLeastUsedDegradation lowers the weight of selected PEs; the others keep theirs', () => {
    const { pick, members, selection } = makePool(
      'RandomizedLeastUsedDegradation',
      [
        { load: 0, loadDegradation: 0x10000000 },
        { load: 0, loadDegradation: 0x10000000 },
      ],
      17,
    );
    const [first] = pick(2);
    const chosen = members[first! - 1]!;
    const other = members[2 - first!]!;
    assert.equal(chosen.degradation, 0x10000000);
    assert.equal(other.degradation, 0);
    assert.equal(selection.weightOf(chosen), MAX - 0x10000000);
    assert.equal(selection.weightOf(other), MAX);
    assert.equal(selection.weightTotal, 2 * MAX - 0x10000000);
  });

  it('RandomizedPriorityLeastUsed(Degradation) and WeightedRandomDPF weights', () => {
    const rplu = new Candidate(
      1,
      makePolicy('RandomizedPriorityLeastUsed', { load: 100, loadDegradation: 50 }),
    );
    assert.equal(policyWeight(rplu), MAX - 150);
    const rplud = new Candidate(
      1,
      makePolicy('RandomizedPriorityLeastUsedDegradation', { load: 100, loadDegradation: 50 }),
    );
    rplud.degradation = 25;
    assert.equal(policyWeight(rplud), MAX - 175);
    rplud.degradation = MAX;
    assert.equal(policyWeight(rplud), 1);
    const wdpf = new Candidate(1, makePolicy('WeightedRandomDPF', { weight: 400, weightDpf: 0x80000000 }));
    assert.equal(policyWeight(wdpf), 400);
    wdpf.distanceMs = 1;
    assert.equal(policyWeight(wdpf), 200);
    wdpf.distanceMs = 10;
    assert.equal(policyWeight(wdpf), 1);
  });
});

describe('PoolSelection: every policy', () => {
  it('returns min(count, size) distinct PEs and keeps its tree valid', () => {
    for (const d of POLICY_DESCRIPTORS) {
      const params = Array.from({ length: 9 }, (_, i) => ({
        weight: (i % 3) + 1,
        priority: i % 4,
        load: (i * 0x1000000) % 0x7fffffff,
        loadDegradation: 0x100000 * (i % 5),
        loadDpf: 0x10000,
        weightDpf: 0x1000000,
      }));
      const { pick, selection } = makePool(d.name, params, 23);
      for (let round = 0; round < 50; round++) {
        const s = pick(round % 12, round % 4);
        assert.equal(s.length, Math.min(round % 12, 9), d.name);
        assert.equal(new Set(s).size, s.length, `${d.name}: duplicates`);
      }
      selection.verify();
      assert.equal(selection.size, 9);
    }
  });

  it('counts selections per candidate in the stores, through re-links, slot moves and run moves', () => {
    for (const name of ['RoundRobin', 'WeightedRandom', 'LeastUsed', 'LeastUsedDegradation'] as const) {
      const params = Array.from({ length: 40 }, (_, i) => ({ weight: 1 + (i % 3), load: i * 1000 }));
      const { selection, members, pick } = makePool(name, params, 7);
      const expected = new Map<Candidate, number>(members.map((c) => [c, 0]));
      const byId = new Map(members.map((c) => [c.id, c]));
      for (let round = 0; round < 400; round++) {
        // maxIncrement 2: the first two of each selection are counted.
        for (const id of pick(3, 2).slice(0, 2)) {
          const c = byId.get(id)!;
          expected.set(c, expected.get(c)! + 1);
        }
        if (round % 50 === 49) {
          // Remove a few (value policies move the last slot into the hole; runs shrink).
          for (let k = 0; k < 4; k++) {
            const c = members.shift()!;
            assert.equal(selection.removeCandidate(c), expected.get(c), `${name}: final count`);
            expected.delete(c);
          }
        }
      }
      for (const c of members) assert.equal(selection.selectionCountOf(c), expected.get(c), name);
      selection.verify();
    }
  });
});
