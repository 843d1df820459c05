/**
 * Every promise of the API settles within its documented time, with a typed error, whatever the
 * registrar does: none configured, nothing listening, killed, closed, or silent (a UDP socket that
 * swallows every datagram). Timeouts are small and documented; the bounds asserted are generous, so
 * that a busy machine does not fail the tests: what they catch is a promise that never settles.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, describe, it } from 'node:test';
import {
  ClosedError,
  PoolElement,
  PoolUser,
  Registrar,
  RserpoolError,
  runClient,
  SessionFailedError,
  TimeoutError,
  UnknownPoolHandleError,
} from '../../src/api/index.js';

/** Loopback addresses of this file (each component owns UDP 9899 on its own address). */
let nextHost = 1;
const host = (): string => `127.0.41.${nextHost++}`;

const SHORT = 300;
/** Far above SHORT: only a promise that hangs (or waits for a default of seconds) exceeds it. */
const BOUND = SHORT + 4_000;

/** Resolves to the promise's outcome, or fails the test if it has not settled after `boundMs`. */
async function settle<T>(p: Promise<T>, boundMs = BOUND): Promise<{ value?: T; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${boundMs} ms`)), boundMs);
  });
  try {
    return await Promise.race([
      p.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      hang,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function rejectsWith(p: Promise<unknown>, cls: new (...a: never[]) => RserpoolError): Promise<void> {
  const { error } = await settle(p);
  assert.ok(error instanceof cls, `expected ${cls.name}, got ${String(error)}`);
  assert.ok(error instanceof RserpoolError);
}

async function resolves(p: Promise<unknown>): Promise<void> {
  const { error } = await settle(p);
  assert.equal(error, undefined);
}

interface Condition {
  /** Registrar ASAP endpoints to give the PE and PU. */
  registrars(): Promise<string[]>;
}

const sockets: Socket[] = [];
after(async () => {
  await Promise.all(sockets.map((s) => new Promise<void>((r) => s.close(() => r()))));
});

async function silentSocket(address: string): Promise<void> {
  const s = createSocket('udp4');
  s.on('message', () => {}); // swallows everything
  await new Promise<void>((resolve) => s.bind(9899, address, resolve));
  sockets.push(s);
}

async function stoppedRegistrar(stop: (r: Registrar) => Promise<void>): Promise<string[]> {
  const asap = `${host()}:3863`;
  const r = await Registrar.start({ asap, asapAnnounce: 'off', minAddressScope: 'loopback' });
  await stop(r);
  return [asap];
}

const CONDITIONS: Record<string, Condition> = {
  'no registrar configured': { registrars: async () => [] },
  'no registrar listening': { registrars: async () => [`${host()}:3863`] },
  'a killed registrar': { registrars: () => stoppedRegistrar((r) => r.kill()) },
  'a closed registrar': { registrars: () => stoppedRegistrar((r) => r.close(SHORT)) },
  'a silent registrar': {
    registrars: async () => {
      const h = host();
      await silentSocket(h);
      return [`${h}:3863`];
    },
  },
};

for (const [name, condition] of Object.entries(CONDITIONS)) {
  describe(`with ${name}`, () => {
    it('PoolElement: start resolves, waitRegistered rejects TimeoutError, close resolves', async () => {
      const registrars = await condition.registrars();
      const pe = await PoolElement.start({
        poolHandle: 'SettlePool',
        service: 'echo',
        registrars,
        asapAnnounce: 'off',
        local: host(),
      });
      await rejectsWith(pe.waitRegistered(SHORT), TimeoutError);
      const waiting = pe.waitRegistered(60_000);
      await resolves(pe.close(SHORT));
      await rejectsWith(waiting, ClosedError);
      await rejectsWith(pe.waitRegistered(), ClosedError);
    });

    it('PoolUser: resolve rejects TimeoutError within requestTimeoutMs, close resolves', async () => {
      const registrars = await condition.registrars();
      const user = await PoolUser.start({
        registrars,
        asapAnnounce: 'off',
        local: host(),
        requestTimeoutMs: SHORT,
      });
      await rejectsWith(user.resolve('SettlePool'), TimeoutError);
      const pending = user.resolve('SettlePool');
      await resolves(user.close(SHORT));
      await rejectsWith(pending, ClosedError);
      await rejectsWith(user.resolve('SettlePool'), ClosedError);
    });

    it('Session: fails after its timeoutMs; waitUp and runClient settle', async () => {
      const registrars = await condition.registrars();
      const user = await PoolUser.start({
        registrars,
        asapAnnounce: 'off',
        local: host(),
        requestTimeoutMs: SHORT,
      });
      try {
        const session = user.openSession('SettlePool', { timeoutMs: SHORT });
        const failed = new Promise<string>((resolve) => session.once('failed', resolve));
        const up = session.waitUp(60_000);
        const ended = runClient(session, { handle: () => [], nextDeadline: () => undefined }, () => {});
        await resolves(ended);
        assert.match(await failed, /timeout/);
        await rejectsWith(up, SessionFailedError);
        await rejectsWith(session.waitUp(), SessionFailedError);
        assert.throws(() => session.send('late'), ClosedError);
        const second = user.openSession('SettlePool', { timeoutMs: 60_000 });
        await rejectsWith(second.waitUp(SHORT), TimeoutError);
        second.close();
        await rejectsWith(second.waitUp(), ClosedError);
      } finally {
        await user.close(SHORT);
      }
    });
  });
}

describe('a registrar that dies after the PE and PU found it', () => {
  for (const how of ['kill', 'close'] as const) {
    it(`${how}: resolve rejects TimeoutError, the PE closes in time`, async () => {
      const asap = `${host()}:3863`;
      const registrar = await Registrar.start({ asap, asapAnnounce: 'off', minAddressScope: 'loopback' });
      const pe = await PoolElement.start({
        poolHandle: 'SettlePool',
        service: 'echo',
        registrars: [asap],
        asapAnnounce: 'off',
        local: host(),
      });
      const user = await PoolUser.start({
        registrars: [asap],
        asapAnnounce: 'off',
        local: host(),
        requestTimeoutMs: SHORT * 3,
      });
      try {
        await resolves(pe.waitRegistered(5_000));
        await rejectsWith(user.resolve('NoSuchPool'), UnknownPoolHandleError);
        await (how === 'kill' ? registrar.kill() : registrar.close(SHORT));
        await rejectsWith(user.resolve('SettlePool'), TimeoutError);
        await resolves(pe.close(SHORT));
      } finally {
        await user.close(SHORT);
        await registrar.kill();
      }
    });
  }
});

describe('a registrar whose ENRP peers are dead or silent', () => {
  it('start resolves and close resolves within its timeout', async () => {
    const silent = host();
    await silentSocket(silent);
    const registrar = await Registrar.start({
      asap: `${host()}:3863`,
      enrp: `${host()}:9901`,
      peers: [`${silent}:9901`, `${host()}:9901`],
      asapAnnounce: 'off',
      enrpAnnounce: 'off',
      minAddressScope: 'loopback',
    });
    await resolves(registrar.close(SHORT));
    await resolves(registrar.close(SHORT));
    await resolves(registrar.kill());
  });
});
