/**
 * Runs an SCTP endpoint for a node: turns its actions into node outputs (transmits) and upcalls
 * (deliveries, association events), and feeds what the upcalls return back into the endpoint until
 * nothing is left. Sends made while handling one input are bundled and flushed once at the end.
 */
import type { Instant } from '../base/index.js';
import type { AssocId, PeerSpec, SctpAction, SctpEndpoint, SctpEvent } from '../sctp/index.js';
import type { NodeOutput } from './node-types.js';

/** What the owner of a host reacts to. Each returns more work as thunks run against the endpoint. */
export interface SctpUpcalls {
  deliver(now: Instant, assoc: AssocId, ppid: number, stream: number, bytes: Uint8Array): void;
  event(now: Instant, assoc: AssocId, event: SctpEvent): void;
}

export class SctpHost {
  private pending: SctpAction[] = [];
  private head = 0;
  private dirty = false;

  constructor(
    readonly endpoint: SctpEndpoint,
    private readonly upcalls: SctpUpcalls,
  ) {}

  /** Queues a message; it leaves at the next `drain` (bundled with the others). */
  send(now: Instant, assoc: AssocId, ppid: number, bytes: Uint8Array, stream = 0, unordered = false): void {
    this.push(this.endpoint.handle({ kind: 'send', now, assoc, ppid, stream, bytes, unordered, more: true }));
    this.dirty = true;
  }

  /** Opens (or finds) an association; `established` tells whether it is already up. */
  connect(now: Instant, peer: PeerSpec): { assoc: AssocId; established: boolean } {
    const { assoc, actions } = this.endpoint.connect(now, peer);
    this.push(actions);
    return { assoc, established: this.endpoint.status(assoc)?.state === 'established' };
  }

  shutdown(now: Instant, assoc: AssocId): void {
    this.push(this.endpoint.handle({ kind: 'shutdown', now, assoc }));
  }

  abort(now: Instant, assoc: AssocId, reason: string): void {
    this.push(this.endpoint.handle({ kind: 'abort', now, assoc, reason }));
  }

  datagram(now: Instant, from: { ip: string; port: number }, bytes: Uint8Array): void {
    this.push(this.endpoint.handle({ kind: 'datagram', now, from, bytes }));
  }

  tick(now: Instant): void {
    this.push(this.endpoint.handle({ kind: 'tick', now }));
  }

  srttMs(assoc: AssocId): number | undefined {
    return this.endpoint.status(assoc)?.srttMs;
  }

  /**
   * Processes queued endpoint actions, running upcalls (which may queue more) until none are left, then
   * flushes bundled sends. Transmits go to `out`.
   */
  drain<E>(now: Instant, out: NodeOutput<E>[]): void {
    for (;;) {
      while (this.head < this.pending.length) {
        const a = this.pending[this.head++]!;
        if (a.kind === 'transmit') {
          out.push(a.from === undefined ? { kind: 'transmit', to: a.to, bytes: a.bytes } : a);
        } else if (a.kind === 'deliver') {
          this.upcalls.deliver(now, a.assoc, a.ppid, a.stream, a.bytes);
        } else {
          this.upcalls.event(now, a.assoc, a.event);
        }
      }
      this.pending = [];
      this.head = 0;
      if (!this.dirty) return;
      this.dirty = false;
      this.push(this.endpoint.handle({ kind: 'flush', now }));
    }
  }

  /** True when actions or unflushed sends are waiting for `drain`. */
  hasWork(): boolean {
    return this.head < this.pending.length || this.dirty;
  }

  private push(actions: SctpAction[]): void {
    if (actions.length === 0) return;
    if (this.pending.length === 0) this.pending = actions;
    else for (const a of actions) this.pending.push(a);
  }
}
