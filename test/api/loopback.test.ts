import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PoolElement, PoolUser, Registrar, type Session } from '../../src/api/index.js';

/** Each component owns UDP 9899 on its own loopback address, as a kernel SCTP peer expects. */
const REGISTRAR = '127.0.3.1';
const PORT = 43863;

describe('API over real loopback sockets', () => {
  let registrar: Registrar;
  const pes: PoolElement[] = [];
  let user: PoolUser;

  before(async () => {
    registrar = await Registrar.start({
      asap: `${REGISTRAR}:${PORT}`,
      asapAnnounce: 'off',
      minAddressScope: 'loopback',
      keepAliveIntervalMs: 500,
      keepAliveTimeoutMs: 500,
    });
    for (let i = 0; i < 3; i++) {
      pes.push(
        await PoolElement.start({
          poolHandle: 'EchoPool',
          service: 'echo',
          registrars: [`${REGISTRAR}:${PORT}`],
          asapAnnounce: 'off',
          local: `127.0.3.${i + 2}`,
        }),
      );
    }
    await Promise.all(pes.map((pe) => pe.waitRegistered(5_000)));
    user = await PoolUser.start({
      registrars: [`${REGISTRAR}:${PORT}`],
      asapAnnounce: 'off',
      local: '127.0.3.9',
    });
  });

  after(async () => {
    await user?.close();
    await Promise.all(pes.map((pe) => pe.close(200)));
    await registrar?.close();
  });

  it('registers every PE and resolves the pool round robin', async () => {
    assert.equal(registrar.handlespace.size, 3);
    const ids = new Set<number>();
    for (let i = 0; i < 3; i++) {
      const r = await user.resolve('EchoPool', { items: 1 });
      ids.add(r.poolElements[0]!.id);
    }
    assert.equal(ids.size, 3);
    await assert.rejects(user.resolve('NoSuchPool'), { code: 'ERR_RSERPOOL_UNKNOWN_POOL_HANDLE' });
  });

  it('echoes through a session and fails over when its PE is closed', async () => {
    const session: Session = user.openSession('EchoPool');
    const replies: string[] = [];
    session.on('data', (d) => replies.push(new TextDecoder().decode(d.bytes)));
    const up = new Promise<{ pe: number }>((resolve) => session.once('up', resolve));
    session.send('one');
    const { pe } = await up;
    await waitFor(() => replies.includes('one'), 30_000);
    const victim = pes.find((p) => p.id === pe)!;
    const failedOver = new Promise<{ pe: number }>((resolve) => session.once('failoverComplete', resolve));
    await victim.close(500);
    const next = await failedOver;
    assert.notEqual(next.pe, pe);
    session.send('two');
    await waitFor(() => replies.includes('two'), 30_000);
    session.close();
  });
});

/** Polls for a state; `timeoutMs` only guards against a hang. */
async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
