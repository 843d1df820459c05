// The Node driver and addresses its sockets cannot reach (field test: "UDP send to ::1:9899 failed: send
// EINVAL" and fe80::… for every packet to addresses learnt from a peer's Presence): nothing is sent to
// an IPv6 address from IPv4 sockets only, nor to a link-local address without a zone, and the warning
// comes once per destination, not once per packet.
//
// Addresses of this file: 127.0.29.11.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Instant } from '../../src/base/index.js';
import { NodeRunner, type RunnableNode } from '../../src/io/node-runner.js';
import type { NodeInput, NodeOutput } from '../../src/stack/index.js';

const IP = '127.0.29.11';

/** Counts the datagrams it receives. */
class Sink implements RunnableNode<never> {
  datagrams = 0;
  handle(input: NodeInput): NodeOutput<never>[] {
    if (input.kind === 'datagram') this.datagrams++;
    return [];
  }
  nextDeadline(): Instant | undefined {
    return undefined;
  }
}

const transmit = (ip: string, port: number): NodeOutput<never> => ({
  kind: 'transmit',
  to: { ip, port },
  bytes: new Uint8Array([1, 2, 3, 4]),
});

describe('NodeRunner: destinations its sockets cannot reach', () => {
  it('sends nothing to ::1 and fe80:: from an IPv4 socket, and warns once per destination', async () => {
    const node = new Sink();
    const warnings: string[] = [];
    const runner = await NodeRunner.start(node, {
      addresses: [IP],
      udpPort: 0,
      onWarning: (m) => warnings.push(m),
    });
    try {
      for (let k = 0; k < 5; k++)
        runner.act([transmit('::1', 9899), transmit('fe80::5054:ff:fe12:3456', 9899)]);
      // Then one to ourselves: once it arrives, every earlier send (and its error callback) is done.
      runner.act([transmit(IP, runner.udpPort)]);
      while (node.datagrams === 0) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setImmediate(r));
      assert.equal(warnings.length, 2, warnings.join('\n'));
      assert.ok(
        warnings.every((w) => w.includes('not sent')),
        warnings.join('\n'),
      );
      assert.ok(!warnings.some((w) => w.includes('EINVAL')));
    } finally {
      await runner.close();
    }
  });
});
