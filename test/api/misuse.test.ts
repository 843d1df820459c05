/**
 * Misuse of the API gets a typed error with a stable code (an RserpoolError subclass per kind), never a
 * plain TypeError or "assertion failed"; numeric options are range-checked by the API itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ClosedError,
  InvalidArgumentError,
  PoolElement,
  type PoolElementOptions,
  PoolUser,
  Registrar,
  type RegistrarOptions,
  RserpoolError,
  runClient,
  type Session,
} from '../../src/api/index.js';
import { createService } from '../../src/api/services.js';
import * as root from '../../src/index.js';

// biome-ignore lint/suspicious/noExplicitAny: misuse from JavaScript is the point of these tests
type Anything = any;

const invalid = (e: unknown): boolean =>
  e instanceof InvalidArgumentError &&
  e instanceof RserpoolError &&
  e.code === 'ERR_RSERPOOL_INVALID_ARGUMENT';

const PE_BASE = { poolHandle: 'MisusePool', service: 'echo', asapAnnounce: 'off' } as const;

describe('Registrar.start refuses bad options with InvalidArgumentError', () => {
  const cases: [string, unknown][] = [
    ['null', null],
    ['a number', 5],
    ['udpPort -1', { udpPort: -1 }],
    ['keepAliveIntervalMs NaN', { keepAliveIntervalMs: Number.NaN }],
    ['maxHResItems 1e9', { maxHResItems: 1e9 }],
    ['id 2**40', { id: 2 ** 40 }],
    ['id 1.5', { id: 1.5 }],
    ['peers a string', { peers: '127.0.0.1:9901' }],
    ['an unknown option', { keepAliveInterval: 500 }],
    ['asap a number', { asap: 3863 }],
    ['maxHandleResolutionRate -1', { maxHandleResolutionRate: -1 }],
    ['supportTakeoverSuggestion "yes"', { supportTakeoverSuggestion: 'yes' }],
    ['sctp.rtoMaxMs 0', { sctp: { rtoMaxMs: 0 } }],
    ['sctp.sackDelayMs 600 (RFC 9260: at most 500)', { sctp: { sackDelayMs: 600 } }],
    ['logger a string', { logger: 'console' }],
    ['mentorDiscoveryTimeoutMs beyond the timer limit', { mentorDiscoveryTimeoutMs: 2 ** 31 }],
  ];
  for (const [name, options] of cases) {
    it(name, async () => {
      await assert.rejects(Registrar.start(options as RegistrarOptions), invalid);
    });
  }
});

describe('PoolElement.start refuses bad options with InvalidArgumentError', () => {
  const cases: [string, unknown][] = [
    ['{}', {}],
    ['undefined', undefined],
    ['no service', { poolHandle: 'P' }],
    ['poolHandle null', { ...PE_BASE, poolHandle: null }],
    ['poolHandle empty', { ...PE_BASE, poolHandle: '' }],
    ['an oversized handle', { ...PE_BASE, poolHandle: 'x'.repeat(33) }],
    ['id -5', { ...PE_BASE, id: -5 }],
    ['id 0', { ...PE_BASE, id: 0 }],
    ['an unknown service', { ...PE_BASE, service: 'telnet' }],
    ['a service object without handle()', { ...PE_BASE, service: {} }],
    ['policy 42', { ...PE_BASE, policy: 42 }],
    ['an unknown policy object', { ...PE_BASE, policy: { name: 'Fastest' } }],
    ['a policy field out of range', { ...PE_BASE, policy: { name: 'WeightedRandom', weight: -1 } }],
    ['a bad policy spec', { ...PE_BASE, policy: 'LeastUsed:2' }],
    ['udpPort 70000', { ...PE_BASE, udpPort: 70000 }],
    ['asapPort -1', { ...PE_BASE, asapPort: -1 }],
    ['reregistrationIntervalMs Infinity', { ...PE_BASE, reregistrationIntervalMs: Number.POSITIVE_INFINITY }],
    ['registrationLife 0', { ...PE_BASE, registrationLife: 0 }],
    ['registrars a string', { ...PE_BASE, registrars: '127.0.0.1' }],
    ['local not an IP', { ...PE_BASE, local: 'localhost' }],
  ];
  for (const [name, options] of cases) {
    it(name, async () => {
      await assert.rejects(PoolElement.start(options as PoolElementOptions), invalid);
    });
  }
});

describe('PoolUser and Session refuse misuse', () => {
  let user: PoolUser;
  let session: Session;

  before(async () => {
    user = await PoolUser.start({ asapAnnounce: 'off', local: '127.0.42.2', requestTimeoutMs: 200 });
    session = user.openSession('MisusePool', { timeoutMs: 60_000 });
  });
  after(async () => {
    await user.close();
  });

  it('PoolUser.start: bad options', async () => {
    for (const options of [null, { udpPort: -1 }, { requestTimeoutMs: Number.NaN }, { registrars: [1] }]) {
      await assert.rejects(PoolUser.start(options as Anything), invalid);
    }
  });

  it('resolve(null), an oversized handle, bad items: rejected promises, not throws', async () => {
    for (const args of [
      [null],
      [undefined],
      [42],
      ['x'.repeat(33)],
      ['P', { items: -1 }],
      ['P', { itemz: 1 }],
    ]) {
      const p = (user.resolve as Anything)(...args);
      assert.ok(p instanceof Promise);
      await assert.rejects(p, invalid);
    }
  });

  it('openSession(undefined) and bad session options throw', () => {
    assert.throws(() => user.openSession(undefined as Anything), invalid);
    assert.throws(() => user.openSession('P', { timeoutMs: 0 }), invalid);
    assert.throws(() => user.openSession('P', { maxAttempts: -1 }), invalid);
    assert.throws(() => user.openSession('P', null as Anything), invalid);
  });

  it('reportUnreachable with a bad id throws', () => {
    assert.throws(() => user.reportUnreachable('P', -5), invalid);
    assert.throws(() => user.reportUnreachable(null as Anything, 5), invalid);
  });

  it('session.send(123), send({}) and bad send options throw', () => {
    assert.throws(() => session.send(123 as Anything), invalid);
    assert.throws(() => session.send({} as Anything), invalid);
    assert.throws(() => session.send('x', { stream: 70000 }), invalid);
    assert.throws(() => session.send('x', { ppid: -1 }), invalid);
  });

  it('waitUp and close take valid times only', async () => {
    await assert.rejects(session.waitUp(-1), invalid);
    await assert.rejects(user.close(Number.NaN), invalid);
  });

  it('runClient refuses what is not a session or a client', async () => {
    await assert.rejects(
      runClient(null as Anything, { handle: () => [], nextDeadline: () => undefined }, () => {}),
      invalid,
    );
    await assert.rejects(
      runClient(session, {} as Anything, () => {}),
      invalid,
    );
  });

  it('send after close() throws ClosedError at once', () => {
    const s = user.openSession('MisusePool');
    s.close();
    assert.throws(
      () => s.send('late'),
      (e: unknown) => e instanceof ClosedError && e.code === 'ERR_RSERPOOL_CLOSED',
    );
  });

  it('createService refuses an unknown name', () => {
    assert.throws(() => createService('telnet' as Anything), invalid);
  });
});

describe('error classes', () => {
  it('each code has its own class, exported from the package root', () => {
    const classes = [
      ['InvalidArgumentError', 'ERR_RSERPOOL_INVALID_ARGUMENT'],
      ['ClosedError', 'ERR_RSERPOOL_CLOSED'],
      ['TimeoutError', 'ERR_RSERPOOL_TIMEOUT'],
      ['UnknownPoolHandleError', 'ERR_RSERPOOL_UNKNOWN_POOL_HANDLE'],
      ['RegistrarError', 'ERR_RSERPOOL_REGISTRAR_ERROR'],
      ['RegistrationRejectedError', 'ERR_RSERPOOL_REGISTRATION_REJECTED'],
      ['SessionFailedError', 'ERR_RSERPOOL_SESSION_FAILED'],
      ['SocketError', 'ERR_RSERPOOL_SOCKET'],
      ['AssociationLostError', 'ERR_RSERPOOL_ASSOCIATION_LOST'],
    ] as const;
    assert.deepEqual(new Set(Object.values(root.RserpoolErrorCode)), new Set(classes.map(([, c]) => c)));
    for (const [name, code] of classes) {
      const Cls = (root as Anything)[name];
      const e = new Cls('m', 0);
      assert.ok(e instanceof root.RserpoolError);
      assert.equal(e.code, code);
      assert.equal(e.name, name);
    }
  });

  it('a taken port rejects with SocketError', async () => {
    const a = await PoolUser.start({ asapAnnounce: 'off', local: '127.0.42.3', udpPort: 0 });
    try {
      const taken = `127.0.42.3`;
      const port = (a as Anything).runner.udpPort as number;
      await assert.rejects(
        PoolUser.start({ asapAnnounce: 'off', local: taken, udpPort: port }),
        (e: unknown) => e instanceof root.SocketError && e.code === 'ERR_RSERPOOL_SOCKET',
      );
    } finally {
      await a.close();
    }
  });
});
