/**
 * The messages a pool user session keeps while no PE is connected: those the application sends
 * meanwhile and those a failed association handed back unacknowledged (resendOnFailover). Bounded by
 * `maxBufferedMessages`/`maxBufferedBytes` together; a message beyond is refused (the session reports
 * it as `sendFailed {reason: 'bufferFull'}`), never dropped silently.
 */
import type { Message } from './session-messages.js';

export class SendQueue {
  private readonly items: Message[] = [];
  private bytes = 0;
  /** The first `resends` items are resent ones: they go before those queued since the failure. */
  private resends = 0;

  constructor(
    private readonly maxMessages: number,
    private readonly maxBytes: number,
  ) {}

  get length(): number {
    return this.items.length;
  }

  /** Queues a new message at the end; false when it does not fit. */
  push(m: Message): boolean {
    return this.insert(this.items.length, m);
  }

  /** Queues a message to send again after the earlier resent ones, before the new ones. */
  pushResend(m: Message): boolean {
    if (!this.insert(this.resends, m)) return false;
    this.resends++;
    return true;
  }

  /** Empties the queue: resent messages first, each group in order. */
  take(): Message[] {
    const all = this.items.splice(0);
    this.bytes = 0;
    this.resends = 0;
    return all;
  }

  private insert(at: number, m: Message): boolean {
    if (this.items.length >= this.maxMessages || this.bytes + m.bytes.length > this.maxBytes) return false;
    this.items.splice(at, 0, m);
    this.bytes += m.bytes.length;
    return true;
  }
}
