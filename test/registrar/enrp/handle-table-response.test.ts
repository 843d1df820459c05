import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Handlespace } from '../../../src/handlespace/index.js';
import { HandleTableResponder, poolEntries } from '../../../src/registrar/enrp/handle-table-response.js';
import { encodeEnrp } from '../../../src/wire/index.js';
import { element, handle } from './build.js';

const OWNER = 0x10;

function table(n: number, addresses = 1) {
  const hs = new Handlespace({ ownRegistrarId: OWNER });
  for (let i = 1; i <= n; i++) {
    const base = element(i, OWNER);
    const many = Array.from({ length: addresses }, (_, k) =>
      `2001:db8::${(i << 8) + k + 1}`.replace(/::(\d+)$/, (_m, d) => `::${Number(d).toString(16)}`),
    );
    const pe =
      addresses === 1
        ? base
        : { ...base, userTransport: { ...base.userTransport, addresses: many } as typeof base.userTransport };
    assert.ok(hs.register({ poolHandle: handle(`pool-${i % 4}`), element: pe, now: 0 }).ok);
  }
  return hs;
}

describe('HandleTableResponder', () => {
  it('groups consecutive PEs of a pool into one pool entry', () => {
    const hs = table(8);
    const entries = poolEntries(hs.handleTable({ maxElements: 100 }).elements);
    assert.equal(entries.length, 4);
    assert.ok(entries.every((e) => e.poolElements.length === 2));
  });

  it('a PE larger than the byte limit still goes out, one per response (64 IPv6 addresses, 600-byte limit)', () => {
    const hs = table(3, 64);
    const r = new HandleTableResponder(hs, 5_000);
    let after: ReturnType<typeof r.build>['next'];
    const counts: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = r.build({
        senderId: OWNER,
        receiverId: 1,
        maxElements: 128,
        maxBytes: 600,
        ...(after ? { after } : {}),
      });
      counts.push(res.count);
      assert.ok(encodeEnrp(res.message).length > 600, 'oversized single PE');
      after = res.next;
      if (!res.message.moreToSend) break;
    }
    assert.deepEqual(counts, [1, 1, 1]);
  });

  it('resumes a session per peer and W flag, and restarts after the session timeout', () => {
    const hs = table(300);
    const r = new HandleTableResponder(hs, 5_000);
    const first = r.respond(0, 7, { senderId: OWNER, maxElements: 128, maxBytes: 1400 });
    const second = r.respond(10, 7, { senderId: OWNER, maxElements: 128, maxBytes: 1400 });
    const firstIds = first.message.pools.flatMap((p) => p.poolElements.map((e) => e.id));
    const secondIds = second.message.pools.flatMap((p) => p.poolElements.map((e) => e.id));
    assert.equal(new Set([...firstIds, ...secondIds]).size, firstIds.length + secondIds.length, 'no repeats');
    const other = r.respond(10, 8, { senderId: OWNER, maxElements: 128, maxBytes: 1400 });
    assert.deepEqual(other.message.pools, first.message.pools, 'another peer starts at the beginning');
    const stale = r.respond(10 + 5_000, 7, { senderId: OWNER, maxElements: 128, maxBytes: 1400 });
    assert.deepEqual(stale.message.pools, first.message.pools, 'an idle session is dropped');
  });
});
