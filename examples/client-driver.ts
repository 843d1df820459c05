/**
 * Runs a sans-I/O application client (src/services: PingPongClient, CalcAppClient, FractalClient) on
 * an API Session: session events become client inputs, client actions become Session calls, and one
 * real timer follows the client's nextDeadline(). Resolves when the session ends.
 */
import { performance } from 'node:perf_hooks';
import type { Session } from '../src/api/index.js';
import type { ClientAction, ClientInput } from '../src/services/index.js';

export interface SansIoClient<E> {
  handle(input: ClientInput): ClientAction<E>[];
  nextDeadline(): number | undefined;
}

export function drive<E>(session: Session, client: SansIoClient<E>, onEvent: (e: E) => void): Promise<void> {
  const now = (): number => performance.now();
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const at = client.nextDeadline();
    if (at !== undefined)
      timer = setTimeout(() => feed({ kind: 'tick', now: now() }), Math.max(0, at - now()));
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
    session.on('up', ({ pe }) => feed({ kind: 'up', now: now(), pe }));
    session.on('data', ({ bytes, ppid, stream }) =>
      feed({ kind: 'message', now: now(), ppid, stream, bytes }),
    );
    session.on('cookie', (cookie) => feed({ kind: 'cookie', now: now(), cookie }));
    session.on('failoverNeeded', () => feed({ kind: 'failoverNeeded', now: now() }));
    session.on('failoverComplete', ({ pe, cookieEchoed }) =>
      feed({ kind: 'failoverComplete', now: now(), pe, cookieEchoed }),
    );
    const end = (): void => {
      feed({ kind: 'closed', now: now() });
      if (timer) clearTimeout(timer);
      resolve();
    };
    session.on('closed', end);
    session.on('failed', end);
  });
}
