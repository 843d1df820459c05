import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpointOf } from '../../../src/registrar/enrp/peer-table.js';
import type { EnrpMessage } from '../../../src/wire/enrp-messages.js';
import type { TransportParameter } from '../../../src/wire/types.js';
import { connects, enrpServer, started } from './build.js';

const sctp = (...addresses: string[]): TransportParameter => ({
  kind: 'sctp',
  port: 9901,
  transportUse: 'data',
  addresses,
});

describe('endpointOf: the addresses of a peer we can reach (field test: send EINVAL to ::1, fe80::)', () => {
  it('drops loopback and link-local addresses when the peer has others', () => {
    assert.deepEqual(endpointOf(sctp('10.0.0.2', '::1', 'fe80::1', '127.0.0.1', '2001:db8::2')), {
      addresses: ['10.0.0.2', '2001:db8::2'],
      port: 9901,
    });
  });

  it('keeps loopback addresses of a peer on loopback only; link-local never', () => {
    assert.deepEqual(endpointOf(sctp('127.0.0.5', 'fe80::1')), { addresses: ['127.0.0.5'], port: 9901 });
    assert.equal(endpointOf(sctp('fe80::1', '169.254.1.1')), undefined);
  });

  it('a Presence naming ::1 and fe80:: besides its address: we connect to that address only', () => {
    const { server } = enrpServer({ multicast: true });
    started(server);
    const presence: EnrpMessage = {
      kind: 'presence',
      senderId: 0x200,
      receiverId: 0,
      replyRequired: false,
      peChecksum: 0xffff,
      serverInformation: {
        registrarId: 0x200,
        transport: sctp('::1', '10.0.0.2', 'fe80::5054:ff:fe12:3456'),
      },
    };
    const out = server.handle({
      kind: 'multicastReceived',
      now: 1,
      from: { address: '10.0.0.2', port: 9901 },
      message: presence,
    });
    assert.deepEqual(
      connects(out).map((c) => c.to),
      [{ addresses: ['10.0.0.2'], port: 9901 }],
    );
  });
});
