import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dumpHandlespace, PoolElement, Registrar } from '../../src/api/index.js';
import { ownerChecksums } from '../../src/cli/commands/hsdump.js';

const IP = '127.0.4.1';

describe('dumpHandlespace (hsdump) against our registrar over loopback', () => {
  let registrar: Registrar;
  const pes: PoolElement[] = [];

  before(async () => {
    registrar = await Registrar.start({
      asap: `${IP}:3863`,
      enrp: `${IP}:9901`,
      asapAnnounce: 'off',
      enrpAnnounce: 'off',
      minAddressScope: 'loopback',
    });
    for (const [i, pool] of [
      [2, 'EchoPool'],
      [3, 'EchoPool'],
      [4, 'OtherPool'],
    ] as const) {
      const pe = await PoolElement.start({
        poolHandle: pool,
        service: 'echo',
        registrars: [`${IP}:3863`],
        asapAnnounce: 'off',
        local: `127.0.4.${i}`,
        policy: 'WeightedRandom:3',
      });
      pes.push(pe);
    }
    await Promise.all(pes.map((pe) => pe.waitRegistered(5_000)));
  });

  after(async () => {
    await Promise.all(pes.map((pe) => pe.close(200)));
    await registrar?.close();
  });

  it('lists every pool and PE with owner, policy and the checksum the registrar announces', async () => {
    const dump = await dumpHandlespace(`${IP}:9901`, { local: '127.0.4.9', timeoutMs: 5_000 });
    assert.equal(dump.registrarId, registrar.id);
    const pools = new Map(dump.pools.map((p) => [new TextDecoder().decode(p.poolHandle), p.poolElements]));
    assert.equal(pools.get('EchoPool')?.length, 2);
    assert.equal(pools.get('OtherPool')?.length, 1);
    for (const pe of dump.pools.flatMap((p) => p.poolElements)) {
      assert.equal(pe.homeRegistrarId, registrar.id);
      assert.deepEqual(pe.policy, { name: 'WeightedRandom', weight: 3 });
      assert.equal(pe.asapTransport?.kind, 'sctp', 'ENRP carries the ASAP transport');
    }
    assert.equal(dump.ownChecksum, registrar.handlespace.ownChecksum);
    assert.equal(ownerChecksums(dump).get(registrar.id), registrar.handlespace.ownChecksum);
  });

  it('leaves the registrar as a peer as soon as it is done (the shutdown completes before it returns)', async () => {
    const removed = new Promise<number>((resolve) =>
      registrar.on('event', (e) => {
        if (e.kind === 'peerRemoved' && e.reason === 'associationLost') resolve(e.registrarId);
      }),
    );
    await dumpHandlespace(`${IP}:9901`, { local: '127.0.4.12', timeoutMs: 5_000 });
    // Without the completed shutdown the registrar keeps the dump as a peer until peerMaxTimeNoResponse.
    const id = await Promise.race([removed, new Promise<undefined>((r) => setTimeout(r, 4_000, undefined))]);
    assert.notEqual(id, undefined, 'the registrar forgot the dump when its association closed');
  });

  it('rejects with AssociationLostError when the address has no ENRP endpoint (a registrar without --enrp)', async () => {
    const plain = await Registrar.start({
      asap: '127.0.4.20:3863',
      asapAnnounce: 'off',
      enrpAnnounce: 'off',
      minAddressScope: 'loopback',
    });
    try {
      await assert.rejects(dumpHandlespace('127.0.4.20:9901', { local: '127.0.4.11', timeoutMs: 30_000 }), {
        name: 'AssociationLostError',
        code: 'ERR_RSERPOOL_ASSOCIATION_LOST',
      });
    } finally {
      await plain.close();
    }
  });

  it('refuses bad arguments with InvalidArgumentError', async () => {
    for (const [registrar, options] of [
      [undefined, {}],
      ['127.0.4.1:9901', { timeoutMs: -1 }],
      ['127.0.4.1:9901', { udpPort: 70_000 }],
      ['127.0.4.1:9901', { tiemoutMs: 5 }],
    ] as const)
      await assert.rejects(dumpHandlespace(registrar as unknown as string, options as object), {
        code: 'ERR_RSERPOOL_INVALID_ARGUMENT',
      });
  });

  it('rejects when nothing answers', async () => {
    await assert.rejects(dumpHandlespace('127.0.4.200:9901', { local: '127.0.4.10', timeoutMs: 1_500 }), {
      name: 'TimeoutError',
      code: 'ERR_RSERPOOL_TIMEOUT',
    });
  });
});
