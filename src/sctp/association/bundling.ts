/**
 * Bundling on transmission (RFC 9260 §6.10): one flush puts the queued control chunks, the SACK
 * (when due, or free to ride along with DATA) and the sender's retransmissions and new DATA into
 * as few packets as fit, each to its path, then re-arms the tail loss probes of the paths that
 * sent DATA. It sees the association only through `FlushHost`.
 */
import type { Instant } from '../../base/time.js';
import { ChunkType } from '../wire/chunk-types.js';
import { encodeSack } from '../wire/chunks.js';
import { PacketBuilder } from '../wire/packet.js';
import type { Link } from './link.js';
import type { Path } from './path.js';
import type { Receiver } from './receiver.js';
import type { Sender } from './sender.js';
import { type AssocState, isUp } from './state.js';
import type { Timers } from './timers.js';

/** What a flush may see of its association. */
export interface FlushHost {
  readonly link: Link;
  readonly state: AssocState;
  readonly sender: Sender;
  readonly receiver: Receiver | undefined;
  readonly timers: Timers;
}

/** Opens and closes packets per path as the chunks come. */
class Packets {
  private b: PacketBuilder | undefined;
  private bPath: Path | undefined;

  constructor(private readonly link: Link) {}

  readonly close = (): void => {
    const { b, bPath } = this;
    if (b && bPath && !b.empty) this.link.transmit(bPath, b.finish());
    this.b = undefined;
  };

  readonly open = (path: Path): PacketBuilder => {
    if (this.b && this.bPath === path) return this.b;
    this.close();
    this.bPath = path;
    const link = this.link;
    this.b = new PacketBuilder(
      link.maxPacketBytes,
      link.localPort,
      link.peerPort,
      link.peerTag,
      link.scratch(),
    );
    return this.b;
  };

  /** A chunk into the open packet, or a new one; dropped if it fits in no packet. */
  add(path: Path, type: number, flags: number, value: Uint8Array): void {
    let pb = this.open(path);
    if (!pb.fits(value.length)) {
      this.close();
      pb = this.open(path);
      if (!pb.fits(value.length)) return;
    }
    pb.chunk(type, flags, value);
  }
}

/** Gap ack blocks per SACK: as many as fit in a packet, between 4 and 100. */
function maxGapBlocks(maxPacketBytes: number): number {
  return Math.max(4, Math.min(100, (maxPacketBytes - 200) >> 2));
}

/** Everything queued goes out: control chunks, SACK, retransmissions, new data (bundled). */
export function flushAssociation(a: FlushHost, now: Instant): void {
  const link = a.link;
  const packets = new Packets(link);
  const primary = link.dataPath();
  if (link.control.length > 0) {
    for (const c of link.control) packets.add(primary, c.type, c.flags, c.value);
    link.control = [];
  }
  if (!isUp(a.state)) {
    packets.close();
    return;
  }
  const r = a.receiver;
  if (r && (r.sackNow || (r.sackPending && a.sender.wouldSend(primary)))) {
    const value = encodeSack(r.buildSack(maxGapBlocks(link.maxPacketBytes)));
    if (!packets.open(primary).fits(value.length)) packets.close();
    packets.open(primary).chunk(ChunkType.sack, 0, value);
    a.timers.sackAt = undefined;
  }
  a.sender.fill(now, primary, link.rtxPath(), packets, link.cfg.maxBurst);
  packets.close();
  // DATA sent now (re)arms the tail loss probe of its path, unless a probe is still unanswered.
  for (const p of link.paths) {
    if (p.lastSendAt === now && !p.probeSent) p.probeAt = a.sender.probeDeadline(p, now, link.maxPacketBytes);
  }
}
