/**
 * A timer queue keyed by `Instant`: a binary min-heap whose entries know their position, so
 * that rescheduling and cancelling are O(log n). Entries due at the same instant come out in
 * the order they were scheduled.
 */
import type { Instant } from '../base/time.js';

export interface TimerEntry<T> {
  readonly value: T;
  /** When the entry is due; undefined once it has been cancelled or popped. */
  readonly at: Instant | undefined;
}

interface Slot<T> {
  value: T;
  at: Instant | undefined;
  seq: number;
  index: number;
}

export class TimerQueue<T> {
  private readonly heap: Slot<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Adds a timer due at `at`. */
  schedule(at: Instant, value: T): TimerEntry<T> {
    const slot: Slot<T> = { value, at, seq: this.seq++, index: this.heap.length };
    this.heap.push(slot);
    this.up(slot.index);
    return slot;
  }

  /** Moves an entry to a new instant; re-adds it if it had been popped or cancelled. */
  reschedule(entry: TimerEntry<T>, at: Instant): void {
    const slot = entry as Slot<T>;
    if (slot.at === undefined) {
      slot.at = at;
      slot.seq = this.seq++;
      slot.index = this.heap.length;
      this.heap.push(slot);
      this.up(slot.index);
      return;
    }
    const before = slot.at;
    slot.at = at;
    slot.seq = this.seq++;
    if (at < before) this.up(slot.index);
    else this.down(slot.index);
  }

  /** Removes an entry; harmless if it is no longer queued. */
  cancel(entry: TimerEntry<T>): void {
    const slot = entry as Slot<T>;
    if (slot.at === undefined) return;
    const i = slot.index;
    const last = this.heap.pop()!;
    slot.at = undefined;
    if (last !== slot) {
      this.heap[i] = last;
      last.index = i;
      this.up(i);
      this.down(last.index);
    }
  }

  /** The earliest due instant, or undefined when empty. */
  peek(): Instant | undefined {
    return this.heap[0]?.at;
  }

  /** Removes and returns the earliest entry if it is due at or before `now`. */
  popDue(now: Instant): T | undefined {
    const top = this.heap[0];
    if (!top || top.at === undefined || top.at > now) return undefined;
    this.cancel(top);
    return top.value;
  }

  private less(a: Slot<T>, b: Slot<T>): boolean {
    return a.at! < b.at! || (a.at === b.at && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    const slot = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!this.less(slot, parent)) break;
      h[i] = parent;
      parent.index = i;
      i = p;
    }
    h[i] = slot;
    slot.index = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const slot = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.less(h[r]!, h[l]!)) c = r;
      const child = h[c]!;
      if (!this.less(child, slot)) break;
      h[i] = child;
      child.index = i;
      i = c;
    }
    h[i] = slot;
    slot.index = i;
  }
}
