/**
 * A virtual clock and discrete-event scheduler for tests: `schedule(at, fn)` queues a callback;
 * `advance(ms)` / `runUntil(...)` run callbacks in time order, setting `now` to each one's time.
 * Hours of protocol time run in milliseconds of real time.
 */
import type { Instant } from '../base/time.js';
import { type TimerEntry, TimerQueue } from '../collections/timer-queue.js';

export type SimTask = () => void;

export class SimClock {
  now: Instant;
  private readonly queue = new TimerQueue<SimTask>();
  /** Callbacks run so far (a guard against livelock in tests). */
  steps = 0;

  constructor(start: Instant = 0) {
    this.now = start;
  }

  schedule(at: Instant, task: SimTask): TimerEntry<SimTask> {
    return this.queue.schedule(Math.max(at, this.now), task);
  }

  after(delayMs: number, task: SimTask): TimerEntry<SimTask> {
    return this.schedule(this.now + delayMs, task);
  }

  reschedule(entry: TimerEntry<SimTask>, at: Instant): void {
    this.queue.reschedule(entry, Math.max(at, this.now));
  }

  cancel(entry: TimerEntry<SimTask>): void {
    this.queue.cancel(entry);
  }

  get pending(): number {
    return this.queue.size;
  }

  /** Runs everything due up to now + ms, then sets now to that instant. */
  advance(ms: number): void {
    this.runUntilTime(this.now + ms);
  }

  runUntilTime(end: Instant): void {
    for (;;) {
      const at = this.queue.peek();
      if (at === undefined || at > end) break;
      const task = this.queue.popDue(at)!;
      this.now = at;
      this.steps++;
      task();
    }
    this.now = Math.max(this.now, end);
  }

  /**
   * Runs until `done()` holds (checked after every callback) or `limitMs` of virtual time pass.
   * Returns whether `done()` held.
   */
  runUntil(done: () => boolean, limitMs: number): boolean {
    const end = this.now + limitMs;
    if (done()) return true;
    for (;;) {
      const at = this.queue.peek();
      if (at === undefined || at > end) {
        this.now = Math.max(this.now, end);
        return done();
      }
      const task = this.queue.popDue(at)!;
      this.now = at;
      this.steps++;
      task();
      if (done()) return true;
    }
  }
}
