import type { Instant } from '../../base/time.js';
import { decodeShutdown } from '../wire/chunks.js';
import type { RawChunk } from '../wire/packet.js';
import { ESTABLISHED_LIKE } from './association-core.js';
import { AssociationSetup } from './setup.js';

export abstract class AssociationShutdown extends AssociationSetup {
  /** API: graceful shutdown (§9.2). */
  shutdown(now: Instant): void {
    if (this.state === 'cookieWait' || this.state === 'cookieEchoed') {
      this.abort(now, 'shutdown before established');
      return;
    }
    if (this.state !== 'established') return;
    this.state = 'shutdownPending';
    this.checkShutdownProgress(now);
  }

  protected onShutdown(now: Instant, c: RawChunk): void {
    const cum = decodeShutdown(c.value);
    if (!cum.ok || !ESTABLISHED_LIKE.has(this.state)) return;
    this.applySack(now, {
      cumTsnAck: cum.value,
      arwnd: this.sender.peerRwnd + this.sender.totalFlight,
      gapStarts: [],
      gapEnds: [],
      dupTsns: [],
    });
    if (this.state === 'closed') return;
    if (this.state === 'established' || this.state === 'shutdownPending') {
      this.state = 'shutdownReceived';
      this.notify({ kind: 'peerShutdown' });
    } else if (this.state === 'shutdownSent') {
      // Shutdown collision: answer with SHUTDOWN ACK.
      this.state = 'shutdownReceived';
    }
    this.checkShutdownProgress(now);
  }

  protected checkShutdownProgress(now: Instant): void {
    if (!this.sender.idle) return;
    if (this.state === 'shutdownPending') {
      this.state = 'shutdownSent';
      this.transmit(this.dataPath(), this.shutdownPacket());
      this.t2At = now + this.dataPath().rtoMs;
      this.t5At = now + this.cfg.shutdownGuardMs;
    } else if (this.state === 'shutdownReceived') {
      this.state = 'shutdownAckSent';
      this.transmit(this.dataPath(), this.shutdownAckPacket());
      this.t2At = now + this.dataPath().rtoMs;
    }
  }
}
