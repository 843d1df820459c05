/**
 * Fragment reassembly (RFC 9260 §6.9) and ordered delivery by stream sequence number (§6.5,
 * §6.6). Fragments of one message carry consecutive TSNs, the first with B, the last with E.
 * A message completes when every TSN from its B to its E is present; the search walks forward
 * to an E first, so that in-order arrival costs O(1) per fragment.
 */
import { add16, add32, lt16, sub32 } from '../../base/serial.js';
import { DataFlag } from '../wire/chunk-types.js';
import type { DataChunk } from '../wire/chunks.js';

export interface InboundMessage {
  readonly stream: number;
  readonly ppid: number;
  readonly unordered: boolean;
  readonly bytes: Uint8Array;
}

interface Complete {
  readonly msg: InboundMessage;
  readonly ssn: number;
}

export class Reassembly {
  private readonly fragments = new Map<number, DataChunk>();
  private readonly nextSsn: Uint16Array;
  private readonly waiting: Map<number, Complete>[];
  /** Bytes held in fragments and in messages waiting for their turn. */
  buffered = 0;

  constructor(streams: number) {
    this.nextSsn = new Uint16Array(streams);
    this.waiting = Array.from({ length: streams }, () => new Map());
  }

  /**
   * Takes a new (not duplicate) DATA chunk; calls `deliver` for each message now deliverable.
   * Returns the size of a completed message above `maxMessageBytes` (the caller aborts), else 0.
   */
  add(c: DataChunk, maxMessageBytes: number, deliver: (m: InboundMessage) => void): number {
    const unordered = (c.flags & DataFlag.unordered) !== 0;
    const both = DataFlag.begin | DataFlag.end;
    let msg: InboundMessage | undefined;
    if ((c.flags & both) === both) {
      msg = { stream: c.stream, ppid: c.ppid, unordered, bytes: c.userData };
    } else {
      this.fragments.set(c.tsn, c);
      this.buffered += c.userData.length;
      msg = this.tryComplete(c, unordered);
      if (msg && msg.bytes.length > maxMessageBytes) return msg.bytes.length;
    }
    if (!msg) return 0;
    if (unordered) {
      deliver(msg);
      return 0;
    }
    const s = c.stream;
    const waiting = this.waiting[s]!;
    if (c.ssn === this.nextSsn[s]) {
      deliver(msg);
      let next = add16(this.nextSsn[s]!, 1);
      for (let w = waiting.get(next); w; w = waiting.get(next)) {
        waiting.delete(next);
        this.buffered -= w.msg.bytes.length;
        deliver(w.msg);
        next = add16(next, 1);
      }
      this.nextSsn[s] = next;
    } else if (lt16(c.ssn, this.nextSsn[s]!) || waiting.has(c.ssn)) {
      // An SSN already delivered: a misbehaving peer. Drop it.
    } else {
      waiting.set(c.ssn, { msg, ssn: c.ssn });
      this.buffered += msg.bytes.length;
    }
    return 0;
  }

  private headCacheTsn = -1;
  private headCacheSize = -1;
  private headCacheBytes = 0;

  /**
   * Bytes of the incomplete message whose fragments end at `cumTsn` (fragments at or below the
   * cumulative TSN: the message being received in order). Cached per (cumTsn, fragment count).
   */
  bytesEndingAt(cumTsn: number): number {
    if (this.fragments.size === 0) return 0;
    if (cumTsn === this.headCacheTsn && this.fragments.size === this.headCacheSize)
      return this.headCacheBytes;
    let sum = 0;
    let t = cumTsn;
    for (let f = this.fragments.get(t); f; f = this.fragments.get(t)) {
      sum += f.userData.length;
      if ((f.flags & DataFlag.begin) !== 0) break;
      t = add32(t, 0xffffffff);
    }
    this.headCacheTsn = cumTsn;
    this.headCacheSize = this.fragments.size;
    this.headCacheBytes = sum;
    return sum;
  }

  private tryComplete(c: DataChunk, unordered: boolean): InboundMessage | undefined {
    const same = (f: DataChunk | undefined): f is DataChunk =>
      f !== undefined &&
      f.stream === c.stream &&
      ((f.flags & DataFlag.unordered) !== 0) === unordered &&
      (unordered || f.ssn === c.ssn);
    // Forward to E.
    let last = c.tsn;
    let f: DataChunk | undefined = c;
    let guard = 0;
    while ((f.flags & DataFlag.end) === 0) {
      const next = this.fragments.get(add32(last, 1));
      if (!same(next) || (next.flags & DataFlag.begin) !== 0 || ++guard > 1 << 20) return undefined;
      f = next;
      last = next.tsn;
    }
    // Backward to B.
    let first = c.tsn;
    f = c;
    while ((f.flags & DataFlag.begin) === 0) {
      const prev = this.fragments.get(add32(first, -1 >>> 0));
      if (!same(prev) || (prev.flags & DataFlag.end) !== 0 || ++guard > 1 << 20) return undefined;
      f = prev;
      first = prev.tsn;
    }
    const count = sub32(last, first) + 1;
    let total = 0;
    for (let i = 0, t = first; i < count; i++, t = add32(t, 1))
      total += this.fragments.get(t)!.userData.length;
    const bytes = new Uint8Array(total);
    let at = 0;
    for (let i = 0, t = first; i < count; i++, t = add32(t, 1)) {
      const part = this.fragments.get(t)!;
      bytes.set(part.userData, at);
      at += part.userData.length;
      this.fragments.delete(t);
    }
    this.buffered -= total;
    return { stream: c.stream, ppid: c.ppid, unordered, bytes };
  }
}
