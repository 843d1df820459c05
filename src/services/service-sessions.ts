/**
 * The session bookkeeping every PE service does the same way: `sessionUp` makes a session's state,
 * `sessionDown` forgets it, `shutdown` closes every session (in the order they came up). Services keep
 * their own state type `S` and handle the other inputs themselves.
 */
import type { Instant } from '../base/index.js';
import type { PoolElementService, ServiceAction, ServiceInput, ServiceSessionRef } from './service-types.js';

export interface ServiceSessionsOptions {
  /**
   * Forget every session on `shutdown` rather than on each one's `sessionDown` (the services that
   * count jobs or images stop counting at once; the others count a session until its association is gone).
   */
  readonly forgetOnShutdown?: boolean;
}

export class ServiceSessions<S> {
  private readonly map = new Map<ServiceSessionRef, S>();
  private readonly forgetOnShutdown: boolean;

  constructor(
    private readonly fresh: (now: Instant) => S,
    options: ServiceSessionsOptions = {},
  ) {
    this.forgetOnShutdown = options.forgetOnShutdown ?? false;
  }

  get size(): number {
    return this.map.size;
  }

  get(ref: ServiceSessionRef): S | undefined {
    return this.map.get(ref);
  }

  set(ref: ServiceSessionRef, s: S): void {
    this.map.set(ref, s);
  }

  delete(ref: ServiceSessionRef): void {
    this.map.delete(ref);
  }

  values(): IterableIterator<S> {
    return this.map.values();
  }

  entries(): IterableIterator<[ServiceSessionRef, S]> {
    return this.map.entries();
  }

  /** The session's state, made on first use: a message or Cookie Echo may come before `sessionUp`. */
  of(now: Instant, ref: ServiceSessionRef): S {
    let s = this.map.get(ref);
    if (s === undefined) {
      s = this.fresh(now);
      this.map.set(ref, s);
    }
    return s;
  }

  /** The actions for `sessionUp`, `sessionDown` and `shutdown`; undefined for the other inputs. */
  track(input: ServiceInput): ServiceAction[] | undefined {
    switch (input.kind) {
      case 'sessionUp':
        this.map.set(input.session, this.fresh(input.now));
        return [];
      case 'sessionDown':
        this.map.delete(input.session);
        return [];
      case 'shutdown': {
        const refs = [...this.map.keys()];
        if (this.forgetOnShutdown) this.map.clear();
        return closeAll(refs);
      }
      default:
        return undefined;
    }
  }
}

/** The input of one kind. */
export type ServiceInputOf<K extends ServiceInput['kind']> = Extract<ServiceInput, { kind: K }>;
export type MessageInput = ServiceInputOf<'message'>;
export type CookieEchoInput = ServiceInputOf<'cookieEcho'>;
export type WritableInput = ServiceInputOf<'writable'>;
export type TickInput = ServiceInputOf<'tick'>;

/**
 * A PE service whose sessions are kept by a `ServiceSessions`: it answers `sessionCount` from them, has
 * no deadline unless it says otherwise, and gets each input the bookkeeping leaves in the handler of
 * its kind (one per kind; a service overrides those it answers, the others answer nothing).
 */
export abstract class SessionService<S> implements PoolElementService {
  abstract readonly defaultPoolHandle: string;
  protected abstract readonly sessions: ServiceSessions<S>;

  get sessionCount(): number {
    return this.sessions.size;
  }

  nextDeadline(): Instant | undefined {
    return undefined;
  }

  handle(input: ServiceInput): ServiceAction[] {
    const tracked = this.sessions.track(input);
    if (tracked !== undefined) return tracked;
    switch (input.kind) {
      case 'message':
        return this.onMessage(input);
      case 'cookieEcho':
        return this.onCookieEcho(input);
      case 'writable':
        return this.onWritable(input);
      case 'tick':
        return this.onTick(input);
      default:
        return [];
    }
  }

  protected onMessage(_input: MessageInput): ServiceAction[] {
    return [];
  }

  protected onCookieEcho(_input: CookieEchoInput): ServiceAction[] {
    return [];
  }

  protected onWritable(_input: WritableInput): ServiceAction[] {
    return [];
  }

  protected onTick(_input: TickInput): ServiceAction[] {
    return [];
  }
}

export function closeAll(sessions: Iterable<ServiceSessionRef>): ServiceAction[] {
  return [...sessions].map((session) => ({ kind: 'close', session }) as const);
}
