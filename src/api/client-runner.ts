/**
 * Runs a sans-I/O application client (the PU side of a service: PingPongClient, CalcAppClient,
 * FractalClient, or your own) on a Session: session events become client inputs, client actions
 * become Session calls, and one real timer follows the client's next deadline. Open the session with
 * `resendOnFailover: false`: these clients restore their own state from the cookie after a failover.
 */

import { monotonicNow } from '../io/node-runner.js';
import type { ClientAction, ClientInput } from '../services/index.js';
import { InvalidArgumentError } from './errors.js';
import { Session } from './pool-user.js';

export interface SansIoClient<E> {
  handle(input: ClientInput): ClientAction<E>[];
  nextDeadline(): number | undefined;
}

/** Resolves when the session ends (closed by the client, or failed). */
export function runClient<E>(
  session: Session,
  client: SansIoClient<E>,
  onEvent: (event: E) => void,
): Promise<void> {
  if (!(session instanceof Session))
    return Promise.reject(new InvalidArgumentError('runClient session must be a Session'));
  const c = client as Partial<SansIoClient<E>> | null;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.handle !== 'function' ||
    typeof c.nextDeadline !== 'function'
  )
    return Promise.reject(new InvalidArgumentError('runClient client must have handle() and nextDeadline()'));
  if (typeof onEvent !== 'function')
    return Promise.reject(new InvalidArgumentError('runClient onEvent must be a function'));
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const at = client.nextDeadline();
    // The tick waits for the poll phase (setImmediate), as NodeRunner's does: after a stall, a reply
    // already waiting in the socket is handled before the client's timeout fires.
    if (at !== undefined)
      timer = setTimeout(
        () => setImmediate(() => feed({ kind: 'tick', now: monotonicNow() })),
        Math.max(0, at - monotonicNow()),
      );
  };
  const feed = (input: ClientInput): void => {
    for (const a of client.handle(input)) {
      if (a.kind === 'send') session.send(a.bytes, { ppid: a.ppid, stream: a.stream });
      else if (a.kind === 'failover') session.failover(a.reportUnreachable);
      else if (a.kind === 'close') session.close();
      else onEvent(a.event);
    }
    arm();
  };
  return new Promise((resolve) => {
    session.on('up', ({ pe }) => feed({ kind: 'up', now: monotonicNow(), pe }));
    session.on('data', ({ bytes, ppid, stream }) =>
      feed({ kind: 'message', now: monotonicNow(), ppid, stream, bytes }),
    );
    session.on('cookie', (cookie) => feed({ kind: 'cookie', now: monotonicNow(), cookie }));
    session.on('failoverNeeded', () => feed({ kind: 'failoverNeeded', now: monotonicNow() }));
    session.on('failoverComplete', ({ pe, cookieEchoed }) =>
      feed({ kind: 'failoverComplete', now: monotonicNow(), pe, cookieEchoed }),
    );
    const end = (): void => {
      feed({ kind: 'closed', now: monotonicNow() });
      if (timer) clearTimeout(timer);
      resolve();
    };
    session.on('closed', end);
    session.on('failed', end);
  });
}
