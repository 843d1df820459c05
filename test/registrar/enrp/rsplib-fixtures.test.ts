/**
 * The crafted ENRP messages of the RSPLIB capture D-errors (test/fixtures/rsplib, copied from ../shared), replayed into our
 * Registrar one association each, as they were sent to RSPLIB; our answers are compared with RSPLIB's
 * where we agree and with the RFC where we deviate on purpose (docs/enrp.md).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex } from '../../../src/base/bytes.js';
import { SeededRandom } from '../../../src/base/random.js';
import { Registrar, type RegistrarAction } from '../../../src/registrar/registrar.js';
import type { EnrpMessage } from '../../../src/wire/enrp-messages.js';
import { decodeEnrp } from '../../../src/wire/index.js';
import { loadFixture } from '../../wire/rsplib-fixtures.js';

const RSPLIB_ID = 0xd0000001;

describe('ENRP answers to the crafted messages of RSPLIB capture D-errors', () => {
  const crafted = loadFixture('D-errors').filter(
    (m) => m.origin === 'crafted' && m.protocol === 'enrp' && m.dstport === 9901,
  );
  const r = new Registrar({ registrarId: RSPLIB_ID, enrpMulticast: false }, new SeededRandom(1));
  r.handle({ kind: 'start', now: 0 });
  const answers = new Map<number, { sent: EnrpMessage[]; all: RegistrarAction[] }>();
  let assoc = 100;
  for (const m of crafted) {
    assoc++;
    const now = m.frame;
    r.handle({
      kind: 'assocUp',
      now,
      assoc,
      protocol: 'enrp',
      peer: { addresses: [m.src], port: m.srcport },
    });
    const bytes = fromHex(m.hex)!;
    const decoded = decodeEnrp(bytes);
    const all = decoded.ok
      ? r.handle({ kind: 'received', now, assoc, protocol: 'enrp', message: decoded.value })
      : r.handle({ kind: 'malformed', now, assoc, protocol: 'enrp', error: decoded.error, bytes });
    const sent = all.flatMap((a) =>
      a.kind === 'send' && a.assoc === assoc ? [a.message as EnrpMessage] : [],
    );
    answers.set(m.srcport, { sent, all });
  }

  it('replays all crafted ENRP messages', () => assert.ok(crafted.length >= 7));

  it('Handle Table Request from an unknown registrar: R, ids swapped (RSPLIB frame 289)', () => {
    const [resp] = answers.get(41013)!.sent;
    assert.deepEqual(resp, {
      kind: 'handleTableResponse',
      senderId: RSPLIB_ID,
      receiverId: 0xdead0001,
      reject: true,
      moreToSend: false,
      pools: [],
    });
  });

  it('List Request: a List Response without R (RSPLIB frame 306)', () => {
    const resp = answers.get(41014)!.sent.find((m) => m.kind === 'listResponse');
    assert.ok(resp?.kind === 'listResponse' && !resp.reject);
    assert.equal(resp.senderId, RSPLIB_ID);
    assert.equal(resp.receiverId, 0xdead0001);
  });

  it('Presence with a 5-byte PE checksum: ENRP Error 0x0011 with the TLV; ids the RFC way (RSPLIB copies them, frame 321)', () => {
    const [err] = answers.get(41015)!.sent;
    assert.ok(err?.kind === 'error');
    assert.equal(err.senderId, RSPLIB_ID);
    assert.equal(err.receiverId, 0xdead0001);
    assert.deepEqual(err.operationError.causes, [{ cause: 0x0011, data: fromHex('000f000512')! }]);
  });

  it('Init Takeover for an unknown target: acked (RSPLIB frame 340)', () => {
    const ack = answers.get(41016)!.sent.find((m) => m.kind === 'initTakeoverAck');
    assert.deepEqual(ack, {
      kind: 'initTakeoverAck',
      senderId: RSPLIB_ID,
      receiverId: 0xdead0001,
      targetId: 0xdead00ff,
    });
  });

  it('Init Takeover targeting us: no ack, a Presence instead (§3.5.1 step 1)', () => {
    const a = answers.get(41017)!.sent;
    assert.equal(a.filter((m) => m.kind === 'initTakeoverAck').length, 0);
    assert.ok(
      answers
        .get(41017)!
        .all.some((x) => x.kind === 'send' && (x.message as EnrpMessage).kind === 'presence'),
    );
  });

  it('Presence with R from a new registrar: answered with a Presence (RSPLIB sent none in the capture)', () => {
    const p = answers.get(41018)!.sent.find((m) => m.kind === 'presence');
    assert.ok(p?.kind === 'presence' && p.replyRequired, 'new peer: Presence with R');
  });

  it('Handle Table Request with W from that now known registrar: answered, not rejected (RSPLIB rejected, frame 392)', () => {
    const resp = answers.get(41019)!.sent.find((m) => m.kind === 'handleTableResponse');
    assert.ok(resp?.kind === 'handleTableResponse' && !resp.reject && !resp.moreToSend);
  });
});
