/**
 * The association's DATA and SACK part (RFC 9260 §6): DATA to the receiver (reassembly and
 * delivery, with the errors a DATA chunk can carry), SACKs to the sender (and what they say about
 * the paths: errors cleared, T3-rtx and the tail loss probe re-armed). It sees the association
 * only through `TransferHost`.
 */
import type { Instant } from '../../base/time.js';
import type { LostCause } from '../types.js';
import { CauseCode, ChunkType } from '../wire/chunk-types.js';
import {
  decodeData,
  decodeSack,
  EMPTY,
  encodeCauses,
  protocolViolationCause,
  type SackChunk,
} from '../wire/chunks.js';
import type { RawChunk } from '../wire/packet.js';
import type { Link } from './link.js';
import type { InboundMessage } from './reassembly.js';
import type { Receiver } from './receiver.js';
import type { Sender } from './sender.js';
import { type AssocState, isUp } from './state.js';

/** What the DATA and SACK part may see and change of its association. */
export interface TransferHost {
  readonly link: Link;
  readonly state: AssocState;
  readonly sender: Sender;
  readonly receiver: Receiver | undefined;
  lastActivityAt: Instant;
  close(now: Instant, cause: LostCause | undefined): void;
}

export class Transfer {
  constructor(private readonly a: TransferHost) {}

  /** Turns a reassembled message into a `deliver` action (one closure per association). */
  private readonly deliver = (m: InboundMessage): void => {
    const { ppid, stream, unordered, bytes } = m;
    this.a.link.ctx.out.push({ kind: 'deliver', assoc: this.a.link.id, ppid, stream, unordered, bytes });
  };

  /** DATA (§6.2): to the receiver; errors in it abort or are reported. Returns true if accepted for SACK. */
  onData(now: Instant, c: RawChunk): boolean {
    const r = this.a.receiver;
    if (!r || !isUp(this.a.state) || this.a.state.kind === 'shutdownAckSent') return false;
    const d = decodeData(c.flags, c.value);
    if (!d.ok) return false;
    this.a.lastActivityAt = now;
    const verdict = r.onData(d.value, this.deliver);
    if (verdict === 'noUserData') {
      this.a.link.sendAbort([{ code: CauseCode.noUserData, info: c.value.subarray(0, 4).slice() }]);
      this.a.close(now, { kind: 'localAbort', reason: 'DATA chunk without user data' });
      return false;
    }
    if (verdict === 'tooLarge') {
      this.a.link.sendAbort([{ code: CauseCode.outOfResource, info: EMPTY }]);
      this.a.close(now, { kind: 'localAbort', reason: 'message larger than maxMessageBytes' });
      return false;
    }
    if (verdict === 'invalidStream') {
      const info = new Uint8Array(4);
      info[0] = d.value.stream >> 8;
      info[1] = d.value.stream & 0xff;
      const causes = encodeCauses([{ code: CauseCode.invalidStreamIdentifier, info }]);
      this.a.link.queueControl(ChunkType.error, 0, causes);
    }
    return true;
  }

  onSack(now: Instant, c: RawChunk): void {
    if (!isUp(this.a.state)) return;
    const s = decodeSack(c.value);
    if (s.ok) this.applySack(now, s.value);
  }

  /** A SACK (or a SHUTDOWN's cumulative ack) to the sender; paths heard, T3 and probes re-armed. */
  applySack(now: Instant, s: SackChunk): void {
    const link = this.a.link;
    const o = this.a.sender.onSack(s, now, link.maxPacketBytes);
    if (o.violation) {
      link.sendAbort([protocolViolationCause('SACK acknowledges a TSN not sent')]);
      this.a.close(now, { kind: 'localAbort', reason: 'protocol violation: SACK beyond last TSN sent' });
      return;
    }
    if (o.ignored) return;
    if (o.ackedPaths.size > 0) {
      link.errorCount = 0;
      for (const p of o.ackedPaths) link.pathHeard(p);
    }
    // §6.3.2 R2/R3; a SACK re-arms the tail loss probe.
    for (const p of link.paths) {
      if (p.flight === 0) p.t3At = undefined;
      else if (o.cumAdvanced) p.t3At = now + p.rtoMs;
      p.probeSent = false;
      p.probeAt = this.a.sender.probeDeadline(p, now, link.maxPacketBytes);
    }
  }
}
