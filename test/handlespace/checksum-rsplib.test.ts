/**
 * Handlespace checksums against values RSPLIB put on the wire (notes/rsplib-interop.md §3.3 and
 * fixtures/rsplib/README.md, capture A).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Handlespace } from '../../src/handlespace/index.js';
import type { PoolPolicy } from '../../src/wire/types.js';
import { element, handle } from './build.js';

const REGISTRAR = 0xa0000001;

// The PEs registered at registrar 0xa0000001 during frames 333-1095 of A-single-pr (Registration
// Responses at frames 25-276): pe01-pe15 and pe17 with their pool handles and policies.
const CAPTURE_A: [string, number, PoolPolicy][] = [
  ['EchoPool', 0xa0000101, { name: 'RoundRobin' }],
  ['EchoPool', 0xa0000102, { name: 'RoundRobin' }],
  ['DiscardPool', 0xa0000103, { name: 'WeightedRoundRobin', weight: 3 }],
  ['DaytimePool', 0xa0000104, { name: 'Random' }],
  ['Pool-WRAND', 0xa0000105, { name: 'WeightedRandom', weight: 5 }],
  ['Pool-PRIO', 0xa0000106, { name: 'Priority', priority: 7 }],
  ['PingPongPool', 0xa0000107, { name: 'LeastUsed', load: 0 }],
  ['CalcAppPool', 0xa0000108, { name: 'LeastUsedDegradation', load: 0, loadDegradation: 0x40000000 }],
  ['Pool-PLU', 0xa0000109, { name: 'PriorityLeastUsed', load: 0, loadDegradation: 0x1999999a }],
  ['Pool-RLU', 0xa0000110, { name: 'RandomizedLeastUsed', load: 0 }],
  ['Pool-PLUD', 0xa0000111, { name: 'PriorityLeastUsedDegradation', load: 0, loadDegradation: 0x33333333 }],
  ['Pool-RPLU', 0xa0000112, { name: 'RandomizedPriorityLeastUsed', load: 0, loadDegradation: 0 }],
  ['Pool-LUDPF', 0xa0000113, { name: 'LeastUsedDPF', load: 0, loadDpf: 0x4ccccccc, distance: 0 }],
  [
    'Pool-LUDDPF',
    0xa0000114,
    {
      name: 'LeastUsedDegradationDPF',
      load: 0,
      loadDegradation: 0x1999999a,
      loadDpf: 0x4ccccccc,
      distance: 0,
    },
  ],
  ['Pool-WRANDDPF', 0xa0000115, { name: 'WeightedRandomDPF', weight: 4, weightDpf: 0x80000000, distance: 0 }],
  ['Pool-KILL', 0xa0000117, { name: 'RoundRobin' }],
];

describe("Handlespace checksums equal RSPLIB's", () => {
  it('empty handlespace: 0xFFFF', () => {
    assert.equal(new Handlespace({ ownRegistrarId: REGISTRAR }).ownChecksum, 0xffff);
  });

  it('demo.pcap: "CalcAppPool" + 0x5562e917 -> 0x8490; + 0x3775a3bd alone -> 0xE7D7', () => {
    const hs = new Handlespace({ ownRegistrarId: 1 });
    hs.register({ poolHandle: handle('CalcAppPool'), element: element(0x5562e917, { owner: 1 }), now: 0 });
    assert.equal(hs.ownChecksum, 0x8490);
    hs.deregister(handle('CalcAppPool'), 0x5562e917);
    hs.register({ poolHandle: handle('CalcAppPool'), element: element(0x3775a3bd, { owner: 1 }), now: 0 });
    assert.equal(hs.ownChecksum, 0xe7d7);
  });

  it('capture A frames 333-1095: the 16 PEs give 0x3f50', () => {
    const hs = new Handlespace({ ownRegistrarId: REGISTRAR });
    for (const [pool, id, policy] of CAPTURE_A) {
      const r = hs.register({
        poolHandle: handle(pool),
        element: element(id, { owner: REGISTRAR, policy }),
        now: 0,
      });
      assert.ok(r.ok, pool);
    }
    assert.equal(hs.size, 16);
    assert.equal(hs.poolCount, 15);
    assert.equal(hs.ownChecksum, 0x3f50);
    assert.equal(hs.checksum, 0x3f50);
    // pe18 (Random into the RoundRobin EchoPool) was rejected and does not count.
    const pe18 = hs.register({
      poolHandle: handle('EchoPool'),
      element: element(0xa0000118, { owner: REGISTRAR, policy: { name: 'Random' } }),
      now: 0,
    });
    assert.ok(!pe18.ok);
    assert.equal(pe18.error.cause, 0x0005);
    assert.equal(hs.ownChecksum, 0x3f50);
    hs.verify();
  });
});
