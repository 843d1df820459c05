/**
 * Property test: random sequences of register / re-register / deregister / expire / owner change /
 * connection loss / selection keep every index of the handlespace equal to a naive model (plain maps and
 * arrays) and every checksum equal to a full recomputation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SeededRandom } from '../../src/base/random.js';
import { Handlespace, type PoolElementTimerKind } from '../../src/handlespace/index.js';
import { makePolicy } from '../../src/policy/index.js';
import { finishPeChecksum, peChecksumContribution } from '../../src/wire/checksum.js';
import type { PolicyName } from '../../src/wire/types.js';
import { element, handle, sctp } from './build.js';

const POOLS: [string, PolicyName][] = [
  ['A', 'RoundRobin'],
  ['BB', 'WeightedRandom'],
  ['C2', 'LeastUsedDegradation'],
  ['AAA', 'WeightedRoundRobin'],
  ['E', 'RandomizedLeastUsedDegradation'],
];
const OTHER_POLICY: PolicyName = 'Priority';
const OWNERS = [0, 1, 0xffffffff];

interface ModelPe {
  pool: number;
  id: number;
  owner: number;
  connection: number | undefined;
  timer: { kind: PoolElementTimerKind; deadline: number } | undefined;
}

type Op =
  | {
      kind: 'register';
      pool: number;
      id: number;
      owner: number;
      connection: number;
      wrongPolicy: boolean;
      load: number;
    }
  | { kind: 'deregister'; pool: number; id: number }
  | { kind: 'timer'; pool: number; id: number; deadline: number; timerKind: number }
  | { kind: 'expire'; now: number }
  | { kind: 'setOwner'; pool: number; id: number; owner: number }
  | { kind: 'transfer'; from: number; to: number }
  | { kind: 'lose'; connection: number }
  | { kind: 'select'; pool: number; count: number; maxIncrement: number };

const small = (max: number) => fc.integer({ min: 0, max });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('register' as const),
      pool: small(4),
      id: fc.integer({ min: 1, max: 10 }),
      owner: small(2),
      connection: small(3),
      wrongPolicy: small(9).map((n) => n === 0),
      load: small(1000),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('deregister' as const),
      pool: small(4),
      id: fc.integer({ min: 1, max: 10 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('timer' as const),
      pool: small(4),
      id: fc.integer({ min: 1, max: 10 }),
      deadline: small(100),
      timerKind: small(2),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('expire' as const), now: small(100) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('setOwner' as const),
      pool: small(4),
      id: fc.integer({ min: 1, max: 10 }),
      owner: small(2),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('transfer' as const), from: small(2), to: small(2) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lose' as const), connection: small(3) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('select' as const),
      pool: small(4),
      count: small(5),
      maxIncrement: small(3),
    }),
  },
);

const TIMER_KINDS: PoolElementTimerKind[] = ['keepAliveTransmission', 'keepAliveTimeout', 'expiry'];
const keyOf = (pool: number, id: number): string => `${pool}/${id}`;
const handleOf = (pool: number) => handle(POOLS[pool]![0]);

function check(hs: Handlespace, model: Map<string, ModelPe>): void {
  hs.verify();
  assert.equal(hs.size, model.size);
  const pools = new Set([...model.values()].map((m) => m.pool));
  assert.equal(hs.poolCount, pools.size);
  for (let p = 0; p < POOLS.length; p++) {
    const want = [...model.values()]
      .filter((m) => m.pool === p)
      .map((m) => m.id)
      .sort((a, b) => a - b);
    const got = hs
      .elementsOf(handleOf(p))
      .map((e) => e.id)
      .sort((a, b) => a - b);
    assert.deepEqual(got, want, `pool ${p}`);
  }
  // Checksums: full recomputation per owner and overall.
  let total = 0;
  for (const owner of OWNERS) {
    let sum = 0;
    for (const m of model.values())
      if (m.owner === owner) sum += peChecksumContribution(handleOf(m.pool), m.id);
    total += sum;
    assert.equal(hs.checksumOf(owner), finishPeChecksum(sum), `owner ${owner}`);
  }
  assert.equal(hs.checksum, finishPeChecksum(total));
  // Handle table order: owner, handle (shorter first, then bytes), id.
  const cmpHandle = (a: number, b: number): number => {
    const x = POOLS[a]![0];
    const y = POOLS[b]![0];
    return x.length - y.length || (x < y ? -1 : x > y ? 1 : 0);
  };
  const order = [...model.values()]
    .sort((a, b) => a.owner - b.owner || cmpHandle(a.pool, b.pool) || a.id - b.id)
    .map((m) => `${m.owner}:${m.pool}/${m.id}`);
  const poolIndex = (h: Uint8Array) => POOLS.findIndex(([name]) => name === new TextDecoder().decode(h));
  const table: string[] = [];
  let after: ReturnType<Handlespace['handleTable']>['next'];
  for (;;) {
    const x = hs.handleTable({ after, maxElements: 3 });
    table.push(...x.elements.map((e) => `${e.homeRegistrarId}:${poolIndex(e.poolHandle)}/${e.id}`));
    if (!x.more) break;
    after = x.next;
  }
  assert.deepEqual(table, order);
  for (const owner of OWNERS) {
    assert.deepEqual(
      hs.elementsOwnedBy(owner).map((e) => `${e.homeRegistrarId}:${poolIndex(e.poolHandle)}/${e.id}`),
      order.filter((s) => s.startsWith(`${owner}:`)),
    );
  }
  for (let c = 0; c < 4; c++) {
    const want = [...model.values()]
      .filter((m) => m.connection === c)
      .map((m) => keyOf(m.pool, m.id))
      .sort();
    const got = hs
      .elementsByConnection(c)
      .map((e) => keyOf(poolIndex(e.poolHandle), e.id))
      .sort();
    assert.deepEqual(got, want, `connection ${c}`);
  }
  const deadlines = [...model.values()].flatMap((m) => (m.timer ? [m.timer.deadline] : []));
  assert.equal(hs.nextTimer()?.deadline, deadlines.length ? Math.min(...deadlines) : undefined);
}

function run(ops: Op[], seed: number): void {
  const hs = new Handlespace({ ownRegistrarId: 1 });
  const model = new Map<string, ModelPe>();
  const rng = new SeededRandom(seed);
  for (const op of ops) {
    switch (op.kind) {
      case 'register': {
        const [, name] = POOLS[op.pool]!;
        const policyName = op.wrongPolicy ? OTHER_POLICY : name;
        const policy = makePolicy(policyName, {
          load: op.load,
          weight: (op.load % 4) + 1,
          loadDegradation: 10,
        });
        const connection = op.connection === 3 ? undefined : op.connection;
        const r = hs.register({
          poolHandle: handleOf(op.pool),
          element: element(op.id, { owner: OWNERS[op.owner]!, policy, transport: sctp() }),
          connection,
          now: 0,
        });
        const poolExists = [...model.values()].some((m) => m.pool === op.pool);
        if (op.wrongPolicy && poolExists) {
          assert.ok(!r.ok);
          assert.equal(r.error.cause, 0x0005);
          break;
        }
        assert.ok(r.ok);
        const prev = model.get(keyOf(op.pool, op.id));
        assert.equal(r.value.kind, prev ? 'updated' : 'added');
        if (op.wrongPolicy) {
          // It created the pool with the other policy: undo to keep the model's pool policies fixed.
          hs.deregister(handleOf(op.pool), op.id);
          break;
        }
        model.set(keyOf(op.pool, op.id), {
          pool: op.pool,
          id: op.id,
          owner: OWNERS[op.owner]!,
          connection,
          timer: prev?.timer,
        });
        assert.equal(hs.find(handleOf(op.pool), op.id)?.degradation, 0);
        break;
      }
      case 'deregister': {
        const had = model.delete(keyOf(op.pool, op.id));
        assert.equal(hs.deregister(handleOf(op.pool), op.id) !== undefined, had);
        break;
      }
      case 'timer': {
        const m = model.get(keyOf(op.pool, op.id));
        const e = hs.find(handleOf(op.pool), op.id);
        assert.equal(e !== undefined, m !== undefined);
        if (m && e) {
          const kind = TIMER_KINDS[op.timerKind]!;
          hs.setTimer(e, kind, op.deadline);
          m.timer = { kind, deadline: op.deadline };
        }
        break;
      }
      case 'expire': {
        const due = hs.popDueTimers(op.now);
        const want = [...model.values()].filter((m) => m.timer && m.timer.deadline <= op.now);
        assert.equal(due.length, want.length);
        for (let i = 1; i < due.length; i++) assert.ok(due[i - 1]!.deadline <= due[i]!.deadline);
        for (const m of want) m.timer = undefined;
        for (const t of due) {
          if (t.kind === 'expiry') {
            hs.remove(t.element);
            model.delete(
              keyOf(
                POOLS.findIndex(([n]) => n === new TextDecoder().decode(t.element.poolHandle)),
                t.element.id,
              ),
            );
          }
        }
        break;
      }
      case 'setOwner': {
        const m = model.get(keyOf(op.pool, op.id));
        const e = hs.find(handleOf(op.pool), op.id);
        if (m && e) {
          hs.setOwner(e, OWNERS[op.owner]!);
          m.owner = OWNERS[op.owner]!;
        }
        break;
      }
      case 'transfer': {
        const from = OWNERS[op.from]!;
        const to = OWNERS[op.to]!;
        const moved = hs.transferOwnership(from, to);
        const want = [...model.values()].filter((m) => m.owner === from);
        assert.equal(moved.length, want.length);
        for (const m of want) m.owner = to;
        break;
      }
      case 'lose': {
        const removed = hs.removeByConnection(op.connection);
        const want = [...model.values()].filter((m) => m.connection === op.connection);
        assert.equal(removed.length, want.length);
        for (const m of want) model.delete(keyOf(m.pool, m.id));
        break;
      }
      case 'select': {
        const members = [...model.values()].filter((m) => m.pool === op.pool).map((m) => m.id);
        const got = hs.select(handleOf(op.pool), op.count, rng, op.maxIncrement);
        if (members.length === 0) {
          assert.equal(got, undefined);
          break;
        }
        assert.ok(got);
        assert.equal(got.length, Math.min(op.count, members.length));
        assert.equal(new Set(got.map((e) => e.id)).size, got.length);
        for (const e of got) assert.ok(members.includes(e.id));
        break;
      }
    }
    check(hs, model);
  }
}

describe('Handlespace against a naive model (property)', () => {
  it('keeps every index and checksum consistent under random operation sequences', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 120 }), fc.integer(), (ops, seed) =>
        run(ops, seed),
      ),
      { numRuns: 150 },
    );
  });
});
