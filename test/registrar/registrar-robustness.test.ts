/**
 * Property: whatever sequence of (well-formed but arbitrary) ASAP and ENRP messages, association events
 * and ticks arrives, the Registrar core never throws, keeps its handlespace indexes consistent and always
 * has a sane next deadline. Ids are drawn from a small set so that messages hit known peers, our own id
 * and takeover targets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SeededRandom } from '../../src/base/random.js';
import { Registrar, type RegistrarInput } from '../../src/registrar/registrar.js';
import { AddressScope } from '../../src/wire/address-scope.js';
import type { AsapMessage } from '../../src/wire/asap-messages.js';
import type { EnrpMessage } from '../../src/wire/enrp-messages.js';
import { arbAsap, arbEnrp } from '../wire/arbitraries.js';

const OWN = 7;
const IDS = [0, 1, 2, 3, OWN];

type Step =
  | { kind: 'asap'; assoc: number; message: AsapMessage }
  | { kind: 'enrp'; assoc: number; message: EnrpMessage; sender: number; target: number }
  | { kind: 'up'; assoc: number; protocol: 'asap' | 'enrp'; ref: number | undefined }
  | { kind: 'lost'; assoc: number }
  | { kind: 'failed'; ref: number }
  | { kind: 'tick'; advance: number };

const arbStep: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('asap' as const), assoc: fc.integer({ min: 1, max: 4 }), message: arbAsap }),
  fc.record({
    kind: fc.constant('enrp' as const),
    assoc: fc.integer({ min: 5, max: 8 }),
    message: arbEnrp,
    sender: fc.constantFrom(...IDS),
    target: fc.constantFrom(...IDS),
  }),
  fc.record({
    kind: fc.constant('up' as const),
    assoc: fc.integer({ min: 1, max: 12 }),
    protocol: fc.constantFrom('asap' as const, 'enrp' as const),
    ref: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
  }),
  fc.record({ kind: fc.constant('lost' as const), assoc: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('failed' as const), ref: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('tick' as const), advance: fc.integer({ min: 0, max: 8_000 }) }),
);

function toInput(step: Step, now: number): RegistrarInput {
  switch (step.kind) {
    case 'asap':
      return { kind: 'received', now, assoc: step.assoc, protocol: 'asap', message: step.message };
    case 'enrp': {
      const m = { ...step.message, senderId: step.sender } as EnrpMessage;
      const message = 'targetId' in m ? ({ ...m, targetId: step.target } as EnrpMessage) : m;
      return { kind: 'received', now, assoc: step.assoc, protocol: 'enrp', message };
    }
    case 'up':
      return {
        kind: 'assocUp',
        now,
        assoc: step.assoc,
        protocol: step.protocol,
        peer: { addresses: ['10.0.0.9'], port: 5000 },
        ...(step.ref === undefined ? {} : { ref: step.ref }),
      };
    case 'lost':
      return { kind: 'assocLost', now, assoc: step.assoc };
    case 'failed':
      return { kind: 'connectFailed', now, ref: step.ref };
    case 'tick':
      return { kind: 'tick', now };
  }
}

describe('Registrar robustness (property)', () => {
  it('never throws, keeps the handlespace consistent, and keeps a sane deadline', () => {
    fc.assert(
      fc.property(fc.array(arbStep, { minLength: 1, maxLength: 60 }), fc.boolean(), (steps, suggestion) => {
        const r = new Registrar(
          {
            registrarId: OWN,
            enrpTransport: { kind: 'sctp', port: 9901, transportUse: 'data', addresses: ['10.0.0.1'] },
            peers: [{ addresses: ['10.0.0.2'], port: 9901 }],
            supportTakeoverSuggestion: suggestion,
            minAddressScope: AddressScope.Loopback,
          },
          new SeededRandom(1),
        );
        let now = 0;
        r.handle({ kind: 'start', now });
        for (const step of steps) {
          if (step.kind === 'tick') now += step.advance;
          r.handle(toInput(step, now));
          r.handlespace.verify();
          const d = r.nextDeadline();
          assert.ok(d === undefined || Number.isFinite(d));
        }
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});
