import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../src/base/random.js';
import { MAX_LEARNED_REGISTRARS } from '../../src/hunt/defaults.js';
import { type HuntAction, RegistrarHunt } from '../../src/hunt/registrar-hunt.js';
import { RegistrarTable } from '../../src/hunt/registrar-table.js';

const endpoint = (n: number) => ({ addresses: [`10.0.0.${n}`], port: 3863 });
type Connect = Extract<HuntAction, { kind: 'connect' }>;
const connects = (actions: HuntAction[]): Connect[] =>
  actions.filter((a): a is Connect => a.kind === 'connect');

function huntWith(registrars: number, seed = 1): RegistrarHunt {
  const table = new RegistrarTable(Array.from({ length: registrars }, (_, i) => endpoint(i + 1)));
  return new RegistrarHunt(table, new SeededRandom(seed));
}

describe('RegistrarHunt (RFC 5352 §3.6)', () => {
  it('SH1: tries at most three registrars at once', () => {
    const hunt = huntWith(5);
    const actions = hunt.handle({ kind: 'start', now: 0 });
    assert.equal(connects(actions).length, 3);
    assert.equal(hunt.nextDeadline(), 10_000);
  });

  it('SH3/SH6: adopts the first association up and cancels the others', () => {
    const hunt = huntWith(3);
    const [a, b, c] = connects(hunt.handle({ kind: 'start', now: 0 }));
    const actions = hunt.handle({ kind: 'connected', now: 5, ref: b!.ref, assoc: 42 });
    const found = actions.find((x) => x.kind === 'found');
    assert.ok(found && found.kind === 'found' && found.assoc === 42);
    const cancelled = actions.filter((x) => x.kind === 'cancel').map((x) => (x as { ref: number }).ref);
    assert.deepEqual(cancelled.sort(), [a!.ref, c!.ref].sort());
    assert.ok(!hunt.isHunting);
    assert.equal(hunt.nextDeadline(), undefined);
    // A late success of a cancelled attempt is ignored.
    assert.deepEqual(hunt.handle({ kind: 'connected', now: 6, ref: a!.ref, assoc: 43 }), []);
  });

  it('SH4: a failed attempt is replaced by a different registrar, not retried at once', () => {
    const hunt = huntWith(4);
    const first = connects(hunt.handle({ kind: 'start', now: 0 }));
    const failed = first[0]!;
    const next = connects(hunt.handle({ kind: 'connectFailed', now: 10, ref: failed.ref }));
    assert.equal(next.length, 1);
    const used = new Set(first.map((x) => x.to.addresses[0]));
    assert.ok(!used.has(next[0]!.to.addresses[0]));
    // With every registrar failed, nothing is retried until T5 expires.
    const hunt1 = huntWith(1);
    const [only] = connects(hunt1.handle({ kind: 'start', now: 0 }));
    assert.deepEqual(hunt1.handle({ kind: 'connectFailed', now: 1, ref: only!.ref }), []);
    assert.equal(connects(hunt1.handle({ kind: 'tick', now: 10_000 })).length, 1);
  });

  it('SH5: T5 doubles on expiry up to RETRAN-MAX and abandons the round', () => {
    const hunt = huntWith(1);
    hunt.handle({ kind: 'start', now: 0 });
    let now = 0;
    const timeouts: number[] = [];
    for (let i = 0; i < 6; i++) {
      const deadline = hunt.nextDeadline()!;
      timeouts.push(deadline - now);
      now = deadline;
      const actions = hunt.handle({ kind: 'tick', now });
      assert.equal(actions.filter((a) => a.kind === 'cancel').length, 1);
      assert.equal(connects(actions).length, 1);
    }
    assert.deepEqual(timeouts, [10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);
  });

  it('learns registrars from announces while hunting with an empty table', () => {
    const hunt = new RegistrarHunt(new RegistrarTable([]), new SeededRandom(3));
    assert.deepEqual(hunt.handle({ kind: 'start', now: 0 }), []);
    const actions = hunt.handle({
      kind: 'announce',
      now: 100,
      announce: { registrarId: 7, transports: [], source: { address: '10.1.1.1', port: 40000 } },
    });
    const [c] = connects(actions);
    // RSPLIB announces without transports from its ASAP port: that source port is the ASAP port.
    assert.deepEqual(c!.to, { addresses: ['10.1.1.1'], port: 40000 });
  });
});

describe('RegistrarTable', () => {
  it('keeps announce-learned entries for T7-ENRPoutdate, configured ones for ever', () => {
    const table = new RegistrarTable([endpoint(1)], 5_000);
    table.learn(0, {
      registrarId: 9,
      transports: [{ kind: 'sctp', port: 3863, transportUse: 'data', addresses: ['10.0.0.9', '10.0.1.9'] }],
      source: { address: '10.0.0.9', port: 3863 },
    });
    assert.equal(table.size, 2);
    assert.equal(table.nextDeadline(), 5_000);
    table.learn(3_000, {
      registrarId: 9,
      transports: [{ kind: 'sctp', port: 3863, transportUse: 'data', addresses: ['10.0.1.9', '10.0.0.9'] }],
      source: { address: '10.0.0.9', port: 3863 },
    });
    assert.equal(table.size, 2, 'address order does not make a new entry');
    table.expire(7_999);
    assert.equal(table.size, 2);
    table.expire(8_000);
    assert.equal(table.size, 1);
    assert.equal(table.all()[0]!.configured, true);
  });

  it('keeps at most MAX_LEARNED_REGISTRARS announce-learned entries (a flood of announces cannot grow it)', () => {
    const table = new RegistrarTable([endpoint(1)], 5_000);
    const announce = (now: number, n: number) =>
      table.learn(now, {
        registrarId: n,
        transports: [],
        source: { address: `10.9.${n >> 8}.${n & 255}`, port: 3863 },
      });
    for (let n = 1; n <= 1000; n++) announce(0, n);
    assert.equal(table.size, 1 + MAX_LEARNED_REGISTRARS);
    assert.equal(announce(1_000, 1).length, 1, 'a known one is refreshed');
    assert.equal(announce(1_000, 999).length, 0, 'a new one is not taken while full');
    table.expire(5_000);
    assert.equal(table.size, 2);
    assert.equal(announce(5_000, 999).length, 1, 'room again after expiry');
  });
});
