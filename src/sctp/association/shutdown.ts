/**
 * The association's shutdown part (RFC 9260 §9.2): the user's graceful shutdown, SHUTDOWN,
 * SHUTDOWN ACK and SHUTDOWN COMPLETE, the shutdown collision, and T2-shutdown / T5-shutdown-guard.
 * It waits for the sender to drain before sending SHUTDOWN or SHUTDOWN ACK. It sees the
 * association only through `ShutdownHost`.
 */
import type { Instant } from '../../base/time.js';
import type { LostCause } from '../types.js';
import { ChunkType } from '../wire/chunk-types.js';
import { decodeShutdown, EMPTY, encodeShutdown, type SackChunk, userAbortCause } from '../wire/chunks.js';
import type { RawChunk } from '../wire/packet.js';
import type { Link } from './link.js';
import type { Path } from './path.js';
import type { Receiver } from './receiver.js';
import type { Sender } from './sender.js';
import { type AssocState, isUp, type ShutdownTimers } from './state.js';

/** What the shutdown part may see and change of its association. */
export interface ShutdownHost {
  readonly link: Link;
  state: AssocState;
  readonly sender: Sender;
  readonly receiver: Receiver | undefined;
  applySack(now: Instant, s: SackChunk): void;
  abort(now: Instant, reason: string): void;
  close(now: Instant, cause: LostCause | undefined): void;
}

export class Shutdown {
  constructor(private readonly a: ShutdownHost) {}

  /** API: graceful shutdown (§9.2). */
  start(now: Instant): void {
    const k = this.a.state.kind;
    if (k === 'cookieWait' || k === 'cookieEchoed') {
      this.a.abort(now, 'shutdown before established');
      return;
    }
    if (k !== 'established') return;
    this.a.state = { kind: 'shutdownPending' };
    this.progress(now);
  }

  /** SHUTDOWN: its cumulative TSN ack acts as a SACK; the peer is shutting down. */
  onShutdown(now: Instant, c: RawChunk): void {
    const cum = decodeShutdown(c.value);
    if (!cum.ok || !isUp(this.a.state)) return;
    const sender = this.a.sender;
    this.a.applySack(now, {
      cumTsnAck: cum.value,
      arwnd: sender.peerRwnd + sender.totalFlight,
      gapStarts: [],
      gapEnds: [],
      dupTsns: [],
    });
    const s = this.a.state;
    if (s.kind === 'established' || s.kind === 'shutdownPending') {
      this.a.state = { kind: 'shutdownReceived', timers: undefined };
      this.a.link.notify({ kind: 'peerShutdown' });
    } else if (s.kind === 'shutdownSent') {
      // Shutdown collision: answer with SHUTDOWN ACK; T2 and T5 keep running.
      this.a.state = { kind: 'shutdownReceived', timers: s.timers };
    } else if (s.kind === 'closed') return;
    this.progress(now);
  }

  /** Once all data is acknowledged: SHUTDOWN (or SHUTDOWN ACK when the peer asked first). */
  progress(now: Instant): void {
    if (!this.a.sender.idle) return;
    const s = this.a.state;
    const link = this.a.link;
    if (s.kind === 'shutdownPending') {
      const p = link.dataPath();
      link.transmit(p, link.shutdownPacket(this.a.receiver?.cumTsn ?? 0));
      this.a.state = {
        kind: 'shutdownSent',
        timers: { t2At: now + p.rtoMs, t5At: now + link.cfg.shutdownGuardMs },
      };
    } else if (s.kind === 'shutdownReceived') {
      const p = link.dataPath();
      link.transmit(p, link.shutdownAckPacket());
      this.a.state = { kind: 'shutdownAckSent', timers: { t2At: now + p.rtoMs, t5At: s.timers?.t5At } };
    }
  }

  /** §9.2: DATA arriving in SHUTDOWN-SENT is acknowledged at once, with a new SHUTDOWN. */
  onDataWhileShutdownSent(now: Instant, timers: ShutdownTimers, receiver: Receiver): void {
    receiver.sackNow = true;
    this.a.link.queueControl(ChunkType.shutdown, 0, encodeShutdown(receiver.cumTsn));
    timers.t2At = now + this.a.link.primaryPath.rtoMs;
  }

  /** SHUTDOWN ACK: answered with SHUTDOWN COMPLETE, then closed. Returns true when closed. */
  onShutdownAck(now: Instant, path: Path | undefined): boolean {
    const k = this.a.state.kind;
    if (k !== 'shutdownSent' && k !== 'shutdownAckSent') return false;
    const link = this.a.link;
    link.transmit(path ?? link.primaryPath, link.packet(ChunkType.shutdownComplete, 0, EMPTY));
    this.a.close(now, undefined);
    return true;
  }

  /** SHUTDOWN COMPLETE in SHUTDOWN-ACK-SENT: closed. Returns true when closed. */
  onShutdownComplete(now: Instant): boolean {
    if (this.a.state.kind !== 'shutdownAckSent') return false;
    this.a.close(now, undefined);
    return true;
  }

  /** T2-shutdown expiry: retransmit SHUTDOWN or SHUTDOWN ACK with backoff (§9.2). Returns true when closed. */
  onT2(now: Instant, timers: ShutdownTimers): boolean {
    timers.t2At = undefined;
    const link = this.a.link;
    const p = link.dataPath();
    p.backoff();
    if (link.countError(p)) {
      this.a.close(now, { kind: 'timeout' });
      return true;
    }
    const k = this.a.state.kind;
    if (k === 'shutdownSent') link.transmit(p, link.shutdownPacket(this.a.receiver?.cumTsn ?? 0));
    else if (k === 'shutdownAckSent') link.transmit(p, link.shutdownAckPacket());
    timers.t2At = now + p.rtoMs;
    return false;
  }

  /** T5-shutdown-guard expiry: ABORT (§9.2). */
  onT5(now: Instant, timers: ShutdownTimers): void {
    timers.t5At = undefined;
    this.a.link.sendAbort([userAbortCause('T5-shutdown-guard expired')]);
    this.a.close(now, { kind: 'timeout' });
  }
}
