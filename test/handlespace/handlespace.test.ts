import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../src/base/random.js';
import {
  Handlespace,
  type HandlespaceOptions,
  handleTablePosition,
  poolElementParameter,
  poolHash,
} from '../../src/handlespace/index.js';
import { ErrorCause, type PoolElementParameter, type PoolHandle } from '../../src/wire/types.js';
import { element, handle, sctp } from './build.js';

const OWN = 0xa0000001;
const PEER = 0xb0000002;
const rng = new SeededRandom(42);

function registrar(options: HandlespaceOptions = {}): Handlespace {
  return new Handlespace({ ownRegistrarId: OWN, ...options });
}

function reg(
  hs: Handlespace,
  h: PoolHandle,
  e: PoolElementParameter,
  extra: { connection?: number; now?: number } = {},
) {
  return hs.register({ poolHandle: h, element: e, now: extra.now ?? 0, connection: extra.connection });
}

describe('Handlespace: pools and registration', () => {
  it('creates a pool with its first PE and removes it with its last', () => {
    const hs = registrar();
    const echo = handle('EchoPool');
    const r1 = reg(hs, echo, element(1, { owner: OWN }));
    assert.ok(r1.ok);
    assert.equal(r1.value.kind, 'added');
    assert.ok(reg(hs, echo, element(2, { owner: OWN })).ok);
    assert.equal(hs.poolCount, 1);
    assert.equal(hs.size, 2);
    assert.deepEqual(hs.pool(echo), hs.pool(handle('EchoPool')));
    assert.equal(hs.pool(echo)?.size, 2);
    assert.equal(hs.pool(echo)?.policyName, 'RoundRobin');
    assert.equal(hs.deregister(echo, 1)?.id, 1);
    assert.equal(hs.deregister(echo, 1), undefined);
    assert.equal(hs.poolCount, 1);
    hs.deregister(echo, 2);
    assert.equal(hs.poolCount, 0);
    assert.equal(hs.pool(echo), undefined);
    assert.equal(hs.select(echo, 3, rng), undefined);
    hs.verify();
  });

  it('keeps pools apart whose handles collide in the hash index', () => {
    const hs = registrar();
    const a = handle('pool-465454');
    const b = handle('pool-1322240');
    assert.equal(poolHash(a), poolHash(b));
    reg(hs, a, element(1));
    reg(hs, b, element(2, { policy: { name: 'Random' } }));
    reg(hs, handle('other'), element(3));
    assert.equal(hs.poolCount, 3);
    assert.equal(hs.pool(a)?.policyName, 'RoundRobin');
    assert.equal(hs.pool(b)?.policyName, 'Random');
    assert.equal(hs.find(b, 1), undefined);
    assert.equal([...hs.poolInfos()].length, 3);
    hs.verify();
    hs.deregister(a, 1);
    assert.equal(hs.pool(a), undefined);
    assert.equal(hs.pool(b)?.size, 1);
    reg(hs, a, element(1));
    hs.deregister(b, 2);
    assert.equal(hs.pool(a)?.size, 1);
    assert.equal(hs.poolCount, 2);
    hs.verify();
  });

  it('copies the pool handle (the caller may reuse its buffer)', () => {
    const hs = registrar();
    const h = handle('AAAA');
    reg(hs, h, element(1));
    h[0] = 0x42;
    assert.equal(hs.find(handle('AAAA'), 1)?.id, 1);
    assert.deepEqual([...hs.find(handle('AAAA'), 1)!.poolHandle], [...handle('AAAA')]);
  });

  it('rejects an inconsistent policy with 0x0005 (RFC 5352 §3, as RSPLIB, capture A frame 298)', () => {
    const hs = registrar();
    const echo = handle('EchoPool');
    reg(hs, echo, element(0xa0000101));
    const r = reg(hs, echo, element(0xa0000118, { policy: { name: 'Random' } }));
    assert.ok(!r.ok);
    assert.deepEqual(r.error, { kind: 'inconsistentPolicy', cause: 0x0005 });
    assert.equal(hs.size, 1);
  });

  it('rejects an inconsistent transport with RSPLIB 0x100a by default, 0x0007 as an option', () => {
    const tcp = { kind: 'tcp', port: 7, transportUse: 'data', addresses: ['10.0.0.1'] } as const;
    const hs = registrar();
    reg(hs, handle('P'), element(1));
    const r = reg(hs, handle('P'), element(2, { transport: tcp }));
    assert.ok(!r.ok);
    assert.deepEqual(r.error, { kind: 'inconsistentTransport', cause: 0x100a });
    const rfc = registrar({ transportMismatchCause: ErrorCause.InconsistentTransportType });
    reg(rfc, handle('P'), element(1));
    const r2 = reg(rfc, handle('P'), element(2, { transport: tcp }));
    assert.ok(!r2.ok);
    assert.equal(r2.error.cause, 0x0007);
  });

  it('rejects an inconsistent control channel use with 0x0008', () => {
    const hs = registrar();
    reg(hs, handle('P'), element(1, { transport: sctp(7, 'dataAndControl') }));
    const r = reg(hs, handle('P'), element(2, { transport: sctp(7, 'data') }));
    assert.ok(!r.ok);
    assert.deepEqual(r.error, { kind: 'inconsistentControlChannel', cause: 0x0008 });
  });

  it('rejects PE id 0 and bad handle lengths', () => {
    const hs = registrar();
    const r = reg(hs, handle('P'), element(0));
    assert.ok(!r.ok);
    assert.equal(r.error.cause, ErrorCause.RsplibInvalidId);
    const long = reg(hs, new Uint8Array(33), element(1));
    assert.ok(!long.ok);
    assert.equal(long.error.kind, 'invalidPoolHandle');
    assert.ok(!reg(hs, new Uint8Array(0), element(1)).ok);
    assert.ok(reg(hs, new Uint8Array(32), element(1)).ok);
  });

  it('re-registration updates in place, resets degradation, may change owner and connection', () => {
    const hs = registrar();
    const p = handle('LUD');
    const lud = (load: number) => ({ name: 'LeastUsedDegradation', load, loadDegradation: 100 }) as const;
    reg(hs, p, element(1, { owner: OWN, policy: lud(0) }), { connection: 5 });
    reg(hs, p, element(2, { owner: OWN, policy: lud(50) }), { connection: 5 });
    assert.deepEqual(
      [1, 2, 3, 4].map(() => hs.select(p, 1, rng)![0]!.id),
      [1, 2, 1, 2], // keys 0/50 -> 100/50 -> 100/150 -> 200/150 -> 200/250
    );
    assert.equal(hs.find(p, 1)!.degradation, 200);
    const r = reg(hs, p, element(1, { owner: PEER, policy: lud(10) }), { connection: 9, now: 1000 });
    assert.ok(r.ok);
    assert.equal(r.value.kind, 'updated');
    assert.equal(r.value.previousOwner, OWN);
    const e = hs.find(p, 1)!;
    assert.equal(e.degradation, 0);
    assert.equal(e.homeRegistrarId, PEER);
    assert.equal(e.connection, 9);
    assert.equal(e.lastUpdate, 1000);
    assert.deepEqual(e.policy, lud(10));
    assert.equal(hs.size, 2);
    assert.deepEqual(
      hs.elementsByConnection(5).map((x) => x.id),
      [2],
    );
    assert.equal(hs.select(p, 1, rng)![0]!.id, 1);
    hs.verify();
  });

  it('counts unreachability reports per PE', () => {
    const hs = registrar();
    reg(hs, handle('P'), element(1));
    assert.equal(hs.reportUnreachable(handle('P'), 1), 1);
    assert.equal(hs.reportUnreachable(handle('P'), 1), 2);
    assert.equal(hs.reportUnreachable(handle('P'), 2), undefined);
    assert.equal(hs.find(handle('P'), 1)!.unreachabilityReports, 2);
  });

  it('counts selections per PE, kept through re-registration and after deregistration', () => {
    for (const policy of [
      { name: 'RoundRobin' },
      { name: 'WeightedRandom', weight: 5 },
      { name: 'LeastUsed', load: 7 },
    ] as const) {
      const hs = registrar();
      for (const id of [1, 2, 3]) reg(hs, handle('P'), element(id, { policy }));
      const counts = new Map<number, number>([
        [1, 0],
        [2, 0],
        [3, 0],
      ]);
      for (let i = 0; i < 30; i++) {
        const first = hs.select(handle('P'), 1, rng)![0]!;
        counts.set(first.id, counts.get(first.id)! + 1);
      }
      reg(hs, handle('P'), element(2, { policy }));
      for (const id of [1, 2, 3])
        assert.equal(hs.find(handle('P'), id)!.selectionCount, counts.get(id), policy.name);
      const gone = hs.deregister(handle('P'), 1)!;
      assert.equal(gone.selectionCount, counts.get(1), `${policy.name}: after deregistration`);
      for (const id of [2, 3])
        assert.equal(hs.find(handle('P'), id)!.selectionCount, counts.get(id), policy.name);
    }
  });
});

describe('Handlespace: indexes', () => {
  it('removes every PE of a lost association', () => {
    const hs = registrar();
    reg(hs, handle('A'), element(1), { connection: 1 });
    reg(hs, handle('B'), element(2), { connection: 1 });
    reg(hs, handle('A'), element(3), { connection: 2 });
    reg(hs, handle('A'), element(4));
    assert.deepEqual(
      hs
        .removeByConnection(1)
        .map((e) => e.id)
        .sort(),
      [1, 2],
    );
    assert.deepEqual(
      hs.elementsOf(handle('A')).map((e) => e.id),
      [3, 4],
    );
    assert.equal(hs.pool(handle('B')), undefined);
    assert.deepEqual(hs.removeByConnection(1), []);
    hs.verify();
  });

  it('keeps one timer per PE: nextTimer and popDueTimers in deadline order', () => {
    const hs = registrar();
    const p = handle('P');
    for (const id of [1, 2, 3]) reg(hs, p, element(id));
    const [a, b, c] = [1, 2, 3].map((id) => hs.find(p, id)!);
    hs.setTimer(a!, 'keepAliveTransmission', 500);
    hs.setTimer(b!, 'expiry', 300);
    hs.setTimer(c!, 'keepAliveTimeout', 300);
    assert.deepEqual(hs.nextTimer(), { kind: 'expiry', deadline: 300, element: b });
    hs.setTimer(b!, 'expiry', 900); // replaces
    assert.equal(hs.nextTimer()?.element, c);
    assert.deepEqual(hs.popDueTimers(299), []);
    const due = hs.popDueTimers(600);
    assert.deepEqual(
      due.map((t) => [t.kind, t.element.id]),
      [
        ['keepAliveTimeout', 3],
        ['keepAliveTransmission', 1],
      ],
    );
    assert.equal(a!.timerKind, undefined);
    assert.equal(hs.nextTimer()?.deadline, 900);
    hs.clearTimer(b!);
    assert.equal(hs.nextTimer(), undefined);
    hs.setTimer(a!, 'expiry', 10);
    hs.deregister(p, 1);
    assert.equal(hs.nextTimer(), undefined);
    hs.verify();
  });

  it('extracts the handle table by owner, pool handle (shorter first), PE id, resumably', () => {
    const hs = registrar();
    const add = (owner: number, h: string, id: number) => reg(hs, handle(h), element(id, { owner }));
    add(PEER, 'BB', 5);
    add(OWN, 'BB', 2);
    add(OWN, 'AAA', 1);
    add(OWN, 'BB', 1);
    add(OWN, 'C', 9);
    add(PEER, 'C', 1);
    const ids = (es: readonly { poolHandle: Uint8Array; id: number; homeRegistrarId: number }[]) =>
      es.map(
        (e) =>
          `${e.homeRegistrarId === OWN ? 'own' : 'peer'}:${new TextDecoder().decode(e.poolHandle)}/${e.id}`,
      );
    const all = hs.handleTable({ maxElements: 100 });
    assert.deepEqual(ids(all.elements), [
      'own:C/9',
      'own:BB/1',
      'own:BB/2',
      'own:AAA/1',
      'peer:C/1',
      'peer:BB/5',
    ]);
    assert.equal(all.more, false);
    const own1 = hs.handleTable({ owner: OWN, maxElements: 2 });
    assert.deepEqual(ids(own1.elements), ['own:C/9', 'own:BB/1']);
    assert.equal(own1.more, true);
    // The PE at the resume position disappears: resume at the nearest next.
    hs.deregister(handle('BB'), 1);
    const own2 = hs.handleTable({ owner: OWN, after: own1.next, maxElements: 2 });
    assert.deepEqual(ids(own2.elements), ['own:BB/2', 'own:AAA/1']);
    assert.equal(own2.more, false);
    const rest = hs.handleTable({ after: own2.next, maxElements: 5 });
    assert.deepEqual(ids(rest.elements), ['peer:C/1', 'peer:BB/5']);
    assert.deepEqual(hs.handleTable({ owner: 0x1234, maxElements: 5 }), {
      elements: [],
      more: false,
      next: undefined,
    });
    const last = hs.find(handle('BB'), 5)!;
    assert.deepEqual(hs.handleTable({ after: handleTablePosition(last), maxElements: 5 }).elements, []);
  });
});

describe('Handlespace: ownership and checksums', () => {
  it('keeps per-owner and total checksums as owners change (RFC 5353 §3.6.2)', () => {
    const hs = registrar();
    const calc = handle('CalcAppPool');
    assert.equal(hs.ownChecksum, 0xffff);
    assert.equal(hs.checksum, 0xffff);
    reg(hs, calc, element(0x5562e917, { owner: OWN }));
    assert.equal(hs.ownChecksum, 0x8490);
    assert.equal(hs.checksumOf(PEER), 0xffff);
    hs.setOwner(hs.find(calc, 0x5562e917)!, PEER);
    assert.equal(hs.ownChecksum, 0xffff);
    assert.equal(hs.checksumOf(PEER), 0x8490);
    assert.equal(hs.checksum, 0x8490);
    reg(hs, calc, element(0x3775a3bd, { owner: PEER }));
    assert.deepEqual(hs.ownerIds(), [PEER]);
    assert.equal(hs.countOwnedBy(PEER), 2);
    hs.deregister(calc, 0x5562e917);
    assert.equal(hs.checksumOf(PEER), 0xe7d7);
    // Takeover: all of PEER's PEs move to us.
    assert.equal(hs.transferOwnership(PEER, OWN).length, 1);
    assert.equal(hs.ownChecksum, 0xe7d7);
    assert.equal(hs.checksumOf(PEER), 0xffff);
    assert.deepEqual(hs.ownerIds(), [OWN]);
    hs.verify();
  });

  it("marks a peer's PEs and purges those not refreshed (ENRP resynchronisation)", () => {
    const hs = registrar();
    for (const id of [1, 2, 3]) reg(hs, handle('P'), element(id, { owner: PEER }));
    reg(hs, handle('P'), element(4, { owner: OWN }));
    assert.equal(hs.markOwnedBy(PEER), 3);
    reg(hs, handle('P'), element(2, { owner: PEER }));
    assert.deepEqual(
      hs.purgeMarked(PEER).map((e) => e.id),
      [1, 3],
    );
    assert.deepEqual(
      hs.elementsOf(handle('P')).map((e) => e.id),
      [2, 4],
    );
    hs.verify();
  });
});

describe('Handlespace: Pool Element parameter', () => {
  it('gives the Pool Element parameter back with the measured DPF distance', () => {
    const hs = registrar();
    const policy = { name: 'LeastUsedDPF', load: 1, loadDpf: 2, distance: 0 } as const;
    hs.register({ poolHandle: handle('D'), element: element(1, { policy }), distanceMs: 50, now: 0 });
    const e = hs.find(handle('D'), 1)!;
    assert.equal(e.distanceMs, 50);
    assert.deepEqual(poolElementParameter(e).policy, { ...policy, distance: 50 });
    assert.equal(poolElementParameter(e).asapTransport, undefined);
    hs.setDistance(e, 100);
    assert.equal(poolElementParameter(e).policy.name, 'LeastUsedDPF');
    assert.deepEqual(poolElementParameter(e).policy, { ...policy, distance: 100 });
  });
});
