/**
 * PEs by the connection (association) they registered over: a Map from the opaque connection key to the
 * first PE of an intrusive doubly linked list through the PE records. O(1) link and unlink; listing a
 * connection's PEs is O(m). Order inside a connection is unspecified.
 */
import { assert } from '../base/assert.js';
import type { PoolElementNode } from './pool.js';

export class ConnectionIndex {
  private readonly heads = new Map<number, PoolElementNode>();

  /** Links a PE under its current `connection` (no-op when it has none). */
  link(node: PoolElementNode): void {
    const c = node.connection;
    if (c === undefined) return;
    const head = this.heads.get(c);
    node.connectionPrev = undefined;
    node.connectionNext = head;
    if (head !== undefined) head.connectionPrev = node;
    this.heads.set(c, node);
  }

  /** Unlinks a PE from its current `connection` (no-op when it has none). */
  unlink(node: PoolElementNode): void {
    const c = node.connection;
    if (c === undefined) return;
    const { connectionPrev: prev, connectionNext: next } = node;
    if (prev !== undefined) prev.connectionNext = next;
    else if (next !== undefined) this.heads.set(c, next);
    else this.heads.delete(c);
    if (next !== undefined) next.connectionPrev = prev;
    node.connectionPrev = undefined;
    node.connectionNext = undefined;
  }

  list(connection: number): PoolElementNode[] {
    const out: PoolElementNode[] = [];
    for (let n = this.heads.get(connection); n !== undefined; n = n.connectionNext) out.push(n);
    return out;
  }

  /** Checks the lists against the set of PEs that have a connection; throws on a mismatch. */
  verify(connected: ReadonlySet<PoolElementNode>): void {
    let listed = 0;
    for (const [connection, head] of this.heads) {
      assert(head.connectionPrev === undefined, 'connection list head');
      for (let n: PoolElementNode | undefined = head; n !== undefined; n = n.connectionNext) {
        assert(n.connection === connection && connected.has(n), 'connection list member');
        assert(
          n.connectionNext === undefined || n.connectionNext.connectionPrev === n,
          'connection list links',
        );
        listed++;
      }
    }
    assert(listed === connected.size, 'connection index size');
  }
}
