import type { Instant } from '../../base/time.js';
import { ChunkType } from '../wire/chunk-types.js';
import { decodeHeartbeat, encodeHeartbeat, userAbortCause } from '../wire/chunks.js';
import { type RawChunk, singleChunkPacket } from '../wire/packet.js';
import { ESTABLISHED_LIKE } from './association-core.js';
import type { Path } from './path.js';
import { AssociationShutdown } from './shutdown.js';

export abstract class AssociationTimers extends AssociationShutdown {
  protected onHeartbeatAck(now: Instant, c: RawChunk): void {
    const hb = decodeHeartbeat(c.value);
    if (!hb.ok || hb.value.length !== 16) return;
    const v = new DataView(hb.value.buffer, hb.value.byteOffset, 16);
    const index = v.getUint16(0);
    const nonce = v.getUint32(4);
    const sentAt = v.getFloat64(8);
    const p = this.paths[index];
    if (!p || p.heartbeatSentAt === undefined || p.heartbeatNonce !== nonce || p.heartbeatSentAt !== sentAt)
      return;
    p.heartbeatSentAt = undefined;
    p.measure(now - sentAt);
    this.errorCount = 0;
    if (p.state === 'unconfirmed') {
      p.state = 'active';
      p.errorCount = 0;
      this.notify({ kind: 'pathChange', address: p.ip, state: 'confirmed' });
    } else this.pathHeard(p);
    p.heartbeatAt = now + this.cfg.heartbeatIntervalMs + this.jitter(p);
  }

  protected sendHeartbeat(now: Instant, p: Path): void {
    const info = new Uint8Array(16);
    const v = new DataView(info.buffer);
    const nonce = this.cfg.random.u32();
    v.setUint16(0, this.paths.indexOf(p));
    v.setUint32(4, nonce);
    v.setFloat64(8, now);
    p.heartbeatNonce = nonce;
    p.heartbeatSentAt = now;
    p.heartbeatAt = now + p.rtoMs;
    const pkt = singleChunkPacket(
      this.localPort,
      this.peerPort,
      this.peerTag,
      ChunkType.heartbeat,
      0,
      encodeHeartbeat(info),
    );
    this.transmit(p, pkt);
  }

  nextDeadline(): Instant | undefined {
    let d = Number.POSITIVE_INFINITY;
    if (this.t1At !== undefined && this.t1At < d) d = this.t1At;
    if (this.t2At !== undefined && this.t2At < d) d = this.t2At;
    if (this.t5At !== undefined && this.t5At < d) d = this.t5At;
    if (this.sackAt !== undefined && this.sackAt < d) d = this.sackAt;
    if (this.state === 'established') {
      if (this.cfg.autocloseMs > 0) d = Math.min(d, this.lastActivityAt + this.cfg.autocloseMs);
    }
    if (ESTABLISHED_LIKE.has(this.state)) {
      for (const p of this.paths) {
        if (p.t3At !== undefined && p.t3At < d) d = p.t3At;
        if (p.probeAt !== undefined && p.probeAt < d) d = p.probeAt;
        if (this.cfg.heartbeats && p.heartbeatAt !== undefined && p.heartbeatAt < d) d = p.heartbeatAt;
      }
    }
    return d === Number.POSITIVE_INFINITY ? undefined : d;
  }

  onTimer(now: Instant): void {
    const cfg = this.cfg;
    if (this.t1At !== undefined && this.t1At <= now) {
      this.t1At = undefined;
      if (++this.t1Count > cfg.maxInitRetransmits) {
        this.close(now, { kind: 'initFailed' });
        return;
      }
      this.primaryPath.backoff();
      this.sendT1(now);
    }
    if (this.t2At !== undefined && this.t2At <= now) {
      this.t2At = undefined;
      const p = this.dataPath();
      p.backoff();
      if (this.countError(now, p)) return;
      if (this.state === 'shutdownSent') this.transmit(p, this.shutdownPacket());
      else if (this.state === 'shutdownAckSent') this.transmit(p, this.shutdownAckPacket());
      this.t2At = now + p.rtoMs;
    }
    if (this.t5At !== undefined && this.t5At <= now) {
      this.t5At = undefined;
      this.sendAbort([userAbortCause('T5-shutdown-guard expired')]);
      this.close(now, { kind: 'timeout' });
      return;
    }
    if (this.sackAt !== undefined && this.sackAt <= now) {
      this.sackAt = undefined;
      if (this.receiver?.sackPending) this.receiver.sackNow = true;
    }
    if (!ESTABLISHED_LIKE.has(this.state)) return;
    for (const p of this.paths) {
      if (p.t3At !== undefined && p.t3At <= now) {
        this.sender.onT3Expired(p, this.maxPacketBytes);
        if (this.countError(now, p)) return;
      }
      if (p.probeAt !== undefined && p.probeAt <= now) {
        p.probeAt = undefined;
        this.sender.onProbe(p);
      }
    }
    if (cfg.heartbeats) {
      for (const p of this.paths) {
        if (p.heartbeatAt === undefined || p.heartbeatAt > now) continue;
        if (p.heartbeatSentAt !== undefined) {
          // Unanswered: §8.3 counts it against the path and (for confirmed paths) the association.
          p.heartbeatSentAt = undefined;
          p.backoff();
          if (p.state === 'unconfirmed') {
            if (++p.errorCount > cfg.pathMaxRetrans) {
              p.heartbeatAt = now + cfg.heartbeatIntervalMs;
              continue;
            }
          } else if (this.countError(now, p)) return;
        }
        this.sendHeartbeat(now, p);
      }
    }
    if (this.state === 'established' && cfg.autocloseMs > 0 && now >= this.lastActivityAt + cfg.autocloseMs) {
      this.shutdown(now);
    }
  }
}
