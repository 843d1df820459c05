/**
 * How the glue feeds a PU-side application client from its session: the session layer's events
 * map one to one onto the client's inputs (services may not import session, so the mapping lives
 * with the glue; this is the reference the harness uses).
 */
import type { Instant } from '../../src/base/index.js';
import type { ClientInput } from '../../src/services/index.js';
import type { PoolUserSessionEvent } from '../../src/session/index.js';

export function clientInputOf(e: PoolUserSessionEvent, now: Instant): ClientInput | undefined {
  switch (e.kind) {
    case 'up':
      return { kind: 'up', now, pe: e.pe };
    case 'data':
      return { kind: 'message', now, ppid: e.ppid, stream: e.stream, bytes: e.bytes };
    case 'cookieReceived':
      return { kind: 'cookie', now, cookie: e.cookie };
    case 'failoverNeeded':
      return { kind: 'failoverNeeded', now };
    case 'failoverComplete':
      return { kind: 'failoverComplete', now, pe: e.pe, cookieEchoed: e.cookieEchoed };
    case 'closed':
    case 'failed':
      return { kind: 'closed', now };
    default:
      return undefined;
  }
}
