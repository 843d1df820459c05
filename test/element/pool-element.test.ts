import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../src/base/random.js';
import { PoolElement, type PoolElementAction } from '../../src/element/pool-element.js';
import type { AsapMessage } from '../../src/wire/asap-messages.js';

const handle = new TextEncoder().encode('EchoPool');
const ID = 0x11223344;

function element(registrars = 1): PoolElement {
  return new PoolElement(
    {
      poolHandle: handle,
      id: ID,
      policy: { name: 'RoundRobin' },
      userTransport: { kind: 'sctp', port: 7, transportUse: 'dataAndControl', addresses: ['10.0.0.1'] },
      registrars: Array.from({ length: registrars }, (_, i) => ({
        addresses: [`10.0.1.${i + 1}`],
        port: 3863,
      })),
    },
    new SeededRandom(1),
  );
}

const sent = (actions: PoolElementAction[]): AsapMessage[] =>
  actions.flatMap((a) => (a.kind === 'send' ? [a.message] : []));
const events = (actions: PoolElementAction[]) =>
  actions.flatMap((a) => (a.kind === 'notify' ? [a.event.kind] : []));
const connectRef = (actions: PoolElementAction[]): number => {
  const c = actions.find((a) => a.kind === 'connect');
  assert.ok(c && c.kind === 'connect', 'expected a connect action');
  return c.ref;
};

/** Registers over association 1 and returns the element in state 'registered' at time 10. */
function registered(): PoolElement {
  const pe = element();
  const ref = connectRef(pe.handle({ kind: 'register', now: 0 }));
  pe.handle({ kind: 'connected', now: 5, ref, assoc: 1 });
  pe.handle({
    kind: 'received',
    now: 10,
    assoc: 1,
    message: { kind: 'registrationResponse', reject: false, poolHandle: handle, poolElementId: ID },
  });
  assert.equal(pe.phase, 'registered');
  return pe;
}

describe('PoolElement registration (RFC 5352 §3.1)', () => {
  it('hunts, registers with home id 0 and a life of 3 x the re-registration interval', () => {
    const pe = element();
    const ref = connectRef(pe.handle({ kind: 'register', now: 0 }));
    assert.equal(pe.phase, 'hunting');
    const [reg] = sent(pe.handle({ kind: 'connected', now: 5, ref, assoc: 1 }));
    assert.ok(reg && reg.kind === 'registration');
    assert.equal(reg.poolElement.homeRegistrarId, 0);
    assert.equal(reg.poolElement.registrationLife, 90_000);
    assert.equal(reg.poolElement.id, ID);
    const out = pe.handle({
      kind: 'received',
      now: 10,
      assoc: 1,
      message: { kind: 'registrationResponse', reject: false, poolHandle: handle, poolElementId: ID },
    });
    assert.deepEqual(events(out), ['registered']);
  });

  it('T4: re-registers every interval with the home registrar id learned from keep-alives', () => {
    const pe = registered();
    pe.handle({
      kind: 'received',
      now: 20,
      assoc: 1,
      message: {
        kind: 'endpointKeepAlive',
        homeRegistrar: false,
        registrarId: 0xa0000001,
        poolHandle: handle,
        poolElementId: ID,
      },
    });
    assert.equal(pe.nextDeadline(), 30_010);
    const [again] = sent(pe.handle({ kind: 'tick', now: 30_010 }));
    assert.ok(again && again.kind === 'registration');
    assert.equal(again.poolElement.homeRegistrarId, 0xa0000001);
  });

  it('stays registered while a re-registration is under way, not while registering anew after a loss', () => {
    const pe = element();
    const ref = connectRef(pe.handle({ kind: 'register', now: 0 }));
    pe.handle({ kind: 'connected', now: 5, ref, assoc: 1 });
    assert.equal(pe.registered, false, 'the first registration is not answered yet');
    const ok: AsapMessage = {
      kind: 'registrationResponse',
      reject: false,
      poolHandle: handle,
      poolElementId: ID,
    };
    pe.handle({ kind: 'received', now: 10, assoc: 1, message: ok });
    assert.equal(pe.registered, true);
    pe.handle({ kind: 'tick', now: 30_010 }); // T4: the re-registration goes out
    assert.equal(pe.phase, 'registering');
    assert.equal(pe.registered, true, 'a re-registration does not end the registration (field test)');
    pe.handle({ kind: 'assocLost', now: 30_020, assoc: 1 });
    assert.equal(pe.registered, false);
  });

  it('a rejected registration is not retried until the PE corrects it', () => {
    const pe = element();
    const ref = connectRef(pe.handle({ kind: 'register', now: 0 }));
    pe.handle({ kind: 'connected', now: 1, ref, assoc: 1 });
    const out = pe.handle({
      kind: 'received',
      now: 2,
      assoc: 1,
      message: {
        kind: 'registrationResponse',
        reject: true,
        poolHandle: handle,
        poolElementId: ID,
        operationError: { causes: [{ cause: 5, data: new Uint8Array() }] },
      },
    });
    assert.deepEqual(events(out), ['registrationRejected']);
    assert.equal(pe.nextDeadline(), undefined);
    const retry = sent(pe.handle({ kind: 'update', now: 3, policy: { name: 'Random' } }));
    assert.ok(retry[0]?.kind === 'registration' && retry[0].poolElement.policy.name === 'Random');
  });

  it('T2 expiry closes the association and hunts again; MAX-REG-ATTEMPT failures are reported', () => {
    const pe = element(2);
    let ref = connectRef(pe.handle({ kind: 'register', now: 0 }));
    pe.handle({ kind: 'connected', now: 1, ref, assoc: 1 });
    let out = pe.handle({ kind: 'tick', now: 3_001 });
    assert.ok(out.some((a) => a.kind === 'close' && a.assoc === 1));
    ref = connectRef(out);
    pe.handle({ kind: 'connected', now: 3_002, ref, assoc: 2 });
    out = pe.handle({ kind: 'tick', now: 6_002 });
    assert.deepEqual(events(out), ['registrationTimeout']);
  });
});

describe('PoolElement keep-alive (RFC 5352 §3.4)', () => {
  it('KA1/KA2: acks a keep-alive for its handle and id, ignores others', () => {
    const pe = registered();
    const ka = (poolHandle: Uint8Array, poolElementId?: number): AsapMessage => ({
      kind: 'endpointKeepAlive',
      homeRegistrar: false,
      registrarId: 7,
      poolHandle,
      ...(poolElementId === undefined ? {} : { poolElementId }),
    });
    const [ack] = sent(pe.handle({ kind: 'received', now: 11, assoc: 1, message: ka(handle, ID) }));
    assert.deepEqual(ack, { kind: 'endpointKeepAliveAck', poolHandle: handle, poolElementId: ID });
    assert.equal(sent(pe.handle({ kind: 'received', now: 12, assoc: 1, message: ka(handle) })).length, 1);
    assert.equal(
      sent(pe.handle({ kind: 'received', now: 13, assoc: 1, message: ka(new Uint8Array([1])) })).length,
      0,
    );
    assert.equal(
      sent(pe.handle({ kind: 'received', now: 14, assoc: 1, message: ka(handle, ID + 1) })).length,
      0,
    );
  });

  it('KA2.4: a keep-alive with H from another registrar makes it the new home', () => {
    const pe = registered();
    const out = pe.handle({
      kind: 'received',
      now: 20,
      assoc: 9,
      message: {
        kind: 'endpointKeepAlive',
        homeRegistrar: true,
        registrarId: 0xb0000002,
        poolHandle: handle,
        poolElementId: ID,
      },
    });
    assert.ok(
      out.some((a) => a.kind === 'send' && a.assoc === 9 && a.message.kind === 'endpointKeepAliveAck'),
    );
    assert.ok(out.some((a) => a.kind === 'close' && a.assoc === 1));
    assert.deepEqual(events(out), ['homeChanged']);
    assert.equal(pe.homeAssociation, 9);
    assert.equal(pe.homeRegistrarId, 0xb0000002);
    const [rereg] = sent(pe.handle({ kind: 'tick', now: 30_010 }));
    assert.ok(rereg && rereg.kind === 'registration');
    assert.equal(rereg.poolElement.homeRegistrarId, 0xb0000002);
  });
  it('KA2.4: a keep-alive with H from the home id on a new association (restarted registrar) moves there', () => {
    const pe = registered();
    const ka = (assoc: number) =>
      pe.handle({
        kind: 'received',
        now: 20 + assoc,
        assoc,
        message: {
          kind: 'endpointKeepAlive',
          homeRegistrar: true,
          registrarId: 0xb0000001,
          poolHandle: handle,
          poolElementId: ID,
        },
      });
    assert.deepEqual(events(ka(1)), []); // learns its home's id on the home association
    assert.equal(pe.homeRegistrarId, 0xb0000001);
    const out = ka(9);
    assert.ok(out.some((a) => a.kind === 'close' && a.assoc === 1));
    assert.deepEqual(events(out), ['homeChanged']);
    assert.equal(pe.homeAssociation, 9);
    assert.equal(pe.phase, 'registered');
  });
});

describe('PoolElement failover and deregistration', () => {
  it('hunts for another registrar when the home association is lost, then re-registers', () => {
    const pe = registered();
    const out = pe.handle({ kind: 'assocLost', now: 100, assoc: 1 });
    assert.deepEqual(events(out), ['registrarLost']);
    const ref = connectRef(out);
    const [reg] = sent(pe.handle({ kind: 'connected', now: 110, ref, assoc: 2 }));
    assert.ok(reg && reg.kind === 'registration');
    assert.equal(pe.phase, 'registering');
  });

  it('deregisters over the home association and closes it on the response', () => {
    const pe = registered();
    const [dereg] = sent(pe.handle({ kind: 'deregister', now: 50 }));
    assert.deepEqual(dereg, { kind: 'deregistration', poolHandle: handle, poolElementId: ID });
    const out = pe.handle({
      kind: 'received',
      now: 60,
      assoc: 1,
      message: { kind: 'deregistrationResponse', poolHandle: handle, poolElementId: ID },
    });
    assert.deepEqual(events(out), ['deregistered']);
    assert.ok(out.some((a) => a.kind === 'close' && a.assoc === 1));
    assert.equal(pe.phase, 'closed');
    assert.equal(pe.nextDeadline(), undefined);
  });

  it('T3 expiry still ends the deregistration', () => {
    const pe = registered();
    pe.handle({ kind: 'deregister', now: 50 });
    assert.deepEqual(events(pe.handle({ kind: 'tick', now: 3_050 })), ['deregistered']);
  });
});

describe('PoolElement robustness', () => {
  it('a T4 that falls due while hunting does not leave a deadline in the past', () => {
    const pe = registered();
    pe.handle({ kind: 'assocLost', now: 29_000, assoc: 1 });
    pe.handle({ kind: 'tick', now: 31_000 });
    const next = pe.nextDeadline();
    assert.ok(next === undefined || next > 31_000, `next deadline ${next}`);
  });

  it('a deregistered PE ignores a Keep Alive with H (a takeover does not revive it)', () => {
    const pe = registered();
    pe.handle({ kind: 'deregister', now: 50 });
    pe.handle({ kind: 'tick', now: 3_050 });
    assert.equal(pe.phase, 'closed');
    const out = pe.handle({
      kind: 'received',
      now: 4_000,
      assoc: 9,
      message: {
        kind: 'endpointKeepAlive',
        homeRegistrar: true,
        registrarId: 5,
        poolHandle: handle,
        poolElementId: ID,
      },
    });
    assert.deepEqual(out, []);
  });
});
