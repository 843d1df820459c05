import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CHARGEN_BLOCK_BYTES,
  ChargenService,
  DaytimeService,
  DiscardService,
  EchoService,
  formatDaytime,
} from '../../src/services/index.js';

describe('standard services', () => {
  it('Echo reflects each message with its PPID and stream', () => {
    const s = new EchoService();
    s.handle({ kind: 'sessionUp', now: 0, session: 3 });
    assert.equal(s.sessionCount, 1);
    assert.deepEqual(
      s.handle({ kind: 'message', now: 1, session: 3, ppid: 0, stream: 2, bytes: Uint8Array.of(104, 105) }),
      [{ kind: 'send', session: 3, ppid: 0, stream: 2, unordered: false, bytes: Uint8Array.of(104, 105) }],
    );
    assert.deepEqual(s.handle({ kind: 'shutdown', now: 2 }), [{ kind: 'close', session: 3 }]);
    assert.equal(s.defaultPoolHandle, 'EchoPool');
  });

  it('Discard drops everything', () => {
    const s = new DiscardService();
    s.handle({ kind: 'sessionUp', now: 0, session: 1 });
    assert.deepEqual(
      s.handle({ kind: 'message', now: 1, session: 1, ppid: 0, stream: 0, bytes: Uint8Array.of(1) }),
      [],
    );
  });

  it('Daytime formats like RSPLIB (A-single-pr frame 555) and closes after sending with PPID 0', () => {
    const epochUs = Date.UTC(2026, 10, 21, 5, 11, 20) * 1000 + 364419;
    assert.equal(
      formatDaytime({ epochUs, utcOffsetMinutes: 0 }),
      'Saturday, 21-November-2026 05:11:20.364419\n',
    );
    assert.equal(
      formatDaytime({ epochUs, utcOffsetMinutes: 120 }),
      'Saturday, 21-November-2026 07:11:20.364419\n',
    );
    assert.equal(
      formatDaytime({ epochUs: Date.UTC(2027, 0, 3, 9, 8, 7) * 1000 + 5, utcOffsetMinutes: 0 }),
      'Sunday, 03-January-2027 09:08:07.000005\n',
    );
    const a = new DaytimeService().handle({
      kind: 'sessionUp',
      now: 0,
      session: 4,
      wallClock: { epochUs, utcOffsetMinutes: 0 },
    });
    assert.equal(a.length, 2);
    const [send, close] = a;
    assert.ok(send?.kind === 'send' && send.ppid === 0 && send.session === 4);
    assert.equal(new TextDecoder().decode(send.bytes), 'Saturday, 21-November-2026 05:11:20.364419\n');
    assert.deepEqual(close, { kind: 'close', session: 4 });
  });

  it('Chargen sends 1024-byte blocks of the bytes 30..127 in a continuing cycle, as room allows', () => {
    const s = new ChargenService({ maxBlocksPerWritable: 4 });
    s.handle({ kind: 'sessionUp', now: 0, session: 1 });
    assert.deepEqual(s.handle({ kind: 'writable', now: 1, session: 1, roomBytes: 1000 }), []);
    const a = s.handle({ kind: 'writable', now: 1, session: 1, roomBytes: 3000 });
    assert.equal(a.length, 2);
    const all: number[] = [];
    for (const x of a) {
      assert.ok(x.kind === 'send' && x.bytes.length === CHARGEN_BLOCK_BYTES && x.ppid === 0);
      all.push(...x.bytes);
    }
    assert.deepEqual(
      all,
      Array.from({ length: all.length }, (_, i) => 30 + (i % 98)),
    );
    assert.equal(s.handle({ kind: 'writable', now: 2, session: 1, roomBytes: 1 << 20 }).length, 4);
    s.handle({ kind: 'sessionDown', now: 3, session: 1 });
    assert.deepEqual(s.handle({ kind: 'writable', now: 4, session: 1, roomBytes: 4096 }), []);
  });
});
