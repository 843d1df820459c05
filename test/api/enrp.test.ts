import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dumpHandlespace, PoolElement, Registrar } from '../../src/api/index.js';

/** Three registrars peering over ENRP, each owning UDP 9899 on its own loopback address. */
const R = ['127.0.6.1', '127.0.6.2', '127.0.6.3'];
const FAST = {
  peerHeartbeatCycleMs: 300,
  peerMaxTimeLastHeardMs: 1_000,
  peerMaxTimeNoResponseMs: 1_000,
  mentorDiscoveryTimeoutMs: 1_000,
  takeoverExpiryIntervalMs: 1_000,
  keepAliveIntervalMs: 500,
  keepAliveTimeoutMs: 500,
};

/** Polls for a state; `timeoutMs` only guards against a hang. */
async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const peIdsOf = (r: Registrar): number[] =>
  r.handlespace
    .elementsOf(new TextEncoder().encode('EchoPool'))
    .map((e) => e.id)
    .sort((a, b) => a - b);

describe('ENRP between our registrars over real loopback sockets', () => {
  const registrars: Registrar[] = [];
  const pes: PoolElement[] = [];

  before(async () => {
    for (const [i, ip] of R.entries()) {
      registrars.push(
        await Registrar.start({
          id: 0x7e000001 + i,
          asap: `${ip}:3863`,
          enrp: `${ip}:9901`,
          peers: R.filter((p) => p !== ip).map((p) => `${p}:9901`),
          asapAnnounce: 'off',
          enrpAnnounce: 'off',
          minAddressScope: 'loopback',
          ...FAST,
        }),
      );
    }
    // Two PEs at each registrar.
    for (let k = 0; k < 6; k++) {
      pes.push(
        await PoolElement.start({
          poolHandle: 'EchoPool',
          service: 'echo',
          registrars: [`${R[k % 3]}:3863`],
          asapAnnounce: 'off',
          local: `127.0.6.${11 + k}`,
          // A registration life (3 intervals) that outlasts failure detection and takeover on a loaded
          // machine: a PE that expired at the survivors before the takeover would never be claimed.
          reregistrationIntervalMs: 10_000,
        }),
      );
    }
    await Promise.all(pes.map((pe) => pe.waitRegistered(5_000)));
  });

  after(async () => {
    await Promise.all(pes.map((pe) => pe.close(200)));
    await Promise.all(registrars.map((r) => r.close()));
  });

  it('replicates every registration to every registrar, with equal checksums', async () => {
    const all = pes.map((p) => p.id).sort((a, b) => a - b);
    await waitFor('replication', () => registrars.every((r) => peIdsOf(r).join() === all.join()), 60_000);
    const sums = registrars.map((r) => r.handlespace.checksum);
    assert.ok(
      sums.every((s) => s === sums[0]),
      `checksums ${sums.map((s) => s.toString(16))}`,
    );
    for (const r of registrars) {
      for (const o of registrars) assert.equal(r.handlespace.checksumOf(o.id), o.handlespace.ownChecksum);
    }
    const dump = await dumpHandlespace(`${R[1]}:9901`, { local: '127.0.6.30' });
    assert.equal(dump.pools[0]?.poolElements.length, 6);
  });

  it('a crashed registrar is taken over by one survivor; its PEs move and no PE is lost', async () => {
    const dead = registrars[0]!;
    const orphans = pes.filter((_, k) => k % 3 === 0).map((p) => p.id);
    await dead.kill();
    const survivors = registrars.slice(1);
    const ownerOf = (r: Registrar, id: number) =>
      r.handlespace.find(new TextEncoder().encode('EchoPool'), id)?.homeRegistrarId;
    await waitFor(
      'takeover',
      () =>
        survivors.every((r) =>
          orphans.every((id) => {
            const o = ownerOf(r, id);
            return o !== undefined && o !== dead.id;
          }),
        ),
      60_000,
    );
    const newOwners = new Set(orphans.map((id) => ownerOf(survivors[0]!, id)));
    assert.equal(newOwners.size, 1, 'exactly one survivor took the PEs over');
    for (const id of orphans) assert.equal(ownerOf(survivors[0]!, id), ownerOf(survivors[1]!, id));
    const all = pes.map((p) => p.id).sort((a, b) => a - b);
    await waitFor(
      'all PEs alive everywhere',
      () => survivors.every((r) => peIdsOf(r).join() === all.join()),
      60_000,
    );
  });
});
