/**
 * The receiving side of DATA (RFC 9260 §6.2, §6.7): the cumulative TSN, TSNs received above
 * it (gap ack blocks), duplicate TSNs, the receiver window and when a SACK is due.
 */
import { add32, lte32, sub32 } from '../../base/serial.js';
import { DataFlag } from '../wire/chunk-types.js';
import type { DataChunk, SackChunk } from '../wire/chunks.js';
import { type InboundMessage, Reassembly } from './reassembly.js';

export type DataVerdict = 'accepted' | 'duplicate' | 'dropped' | 'invalidStream' | 'noUserData' | 'tooLarge';

/** Gap ack block offsets are 16 bits: TSNs further than this above the cumulative TSN are dropped. */
const MAX_TSN_WINDOW = 65_000;
const MAX_DUPS = 32;
/** Out-of-order TSNs held at most (bounds bookkeeping when a peer sends tiny chunks). */
const MAX_OUT_OF_ORDER = 16_384;

export class Receiver {
  cumTsn: number;
  private readonly above = new Set<number>();
  private dups: number[] = [];
  private readonly reassembly: Reassembly;
  /** Packets with DATA since the last SACK. */
  packetsSinceSack = 0;
  /** A SACK must go out with the next transmission (gap, duplicate, I bit, or second packet). */
  sackNow = false;
  /** Whether any DATA arrived since the last SACK (a delayed SACK is pending). */
  sackPending = false;

  constructor(
    peerInitialTsn: number,
    readonly windowBytes: number,
    readonly maxMessageBytes: number,
    readonly inboundStreams: number,
  ) {
    this.cumTsn = add32(peerInitialTsn, 0xffffffff);
    this.reassembly = new Reassembly(inboundStreams);
  }

  get bufferedBytes(): number {
    return this.reassembly.buffered;
  }

  /**
   * The advertised window. The message being reassembled in order (its fragments end at the
   * cumulative TSN) does not count against it, up to `maxMessageBytes`: a message larger than
   * the window streams through at full speed instead of by zero-window probes.
   */
  get arwnd(): number {
    return Math.max(0, this.windowBytes - this.countedBytes());
  }

  private countedBytes(): number {
    const head = Math.min(this.reassembly.bytesEndingAt(this.cumTsn), this.maxMessageBytes);
    return this.reassembly.buffered - head;
  }

  get hasGaps(): boolean {
    return this.above.size > 0;
  }

  onData(c: DataChunk, deliver: (m: InboundMessage) => void): DataVerdict {
    const tsn = c.tsn;
    if (lte32(tsn, this.cumTsn) || this.above.has(tsn)) {
      if (this.dups.length < MAX_DUPS) this.dups.push(tsn);
      this.sackNow = true;
      return 'duplicate';
    }
    const offset = sub32(tsn, this.cumTsn);
    if (offset > MAX_TSN_WINDOW) return 'dropped';
    if (c.userData.length === 0) return 'noUserData';
    const len = c.userData.length;
    const inOrder = offset === 1;
    if (!inOrder && (this.above.size >= MAX_OUT_OF_ORDER || this.countedBytes() + len > this.windowBytes)) {
      return 'dropped';
    }
    if (this.reassembly.buffered + len > this.windowBytes + this.maxMessageBytes) return 'tooLarge';
    if (inOrder) {
      let cum = tsn;
      if (this.above.size > 0) {
        this.sackNow = true; // §6.7: a gap was filled; tell the sender at once.
        let next = add32(cum, 1);
        while (this.above.delete(next)) {
          cum = next;
          next = add32(cum, 1);
        }
      }
      this.cumTsn = cum;
    } else {
      this.above.add(tsn);
    }
    if (this.above.size > 0 || (c.flags & DataFlag.immediate) !== 0) this.sackNow = true;
    if (c.stream >= this.inboundStreams) return 'invalidStream';
    const tooLarge = this.reassembly.add(c, this.maxMessageBytes, deliver);
    return tooLarge > 0 ? 'tooLarge' : 'accepted';
  }

  /** Called once per received packet that carried DATA. */
  endOfPacket(sackFrequency: number): void {
    this.sackPending = true;
    if (++this.packetsSinceSack >= sackFrequency) this.sackNow = true;
  }

  /** Builds the SACK (at most `maxGapBlocks` blocks) and clears the pending state. */
  buildSack(maxGapBlocks: number): SackChunk {
    const gapStarts: number[] = [];
    const gapEnds: number[] = [];
    if (this.above.size > 0) {
      const offsets = new Uint32Array(this.above.size);
      let i = 0;
      for (const t of this.above) offsets[i++] = sub32(t, this.cumTsn);
      offsets.sort();
      let start = offsets[0]!;
      let end = start;
      for (let k = 1; k <= offsets.length && gapStarts.length < maxGapBlocks; k++) {
        const o = offsets[k];
        if (o === end + 1) {
          end = o;
          continue;
        }
        gapStarts.push(start);
        gapEnds.push(end);
        if (o !== undefined) start = end = o;
      }
    }
    const dupTsns = this.dups;
    this.dups = [];
    this.packetsSinceSack = 0;
    this.sackNow = false;
    this.sackPending = false;
    return { cumTsnAck: this.cumTsn, arwnd: this.arwnd, gapStarts, gapEnds, dupTsns };
  }
}
