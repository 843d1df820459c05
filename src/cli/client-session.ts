/** What the application client commands share: options, a pool user, a session, notices. */
import { PoolUser, type Session } from '../api/index.js';
import type { CliIo } from './command.js';
import { hex32 } from './log.js';
import { defined } from './options.js';

export const CLIENT_OPTIONS = {
  pool: { type: 'string' },
  registrar: { type: 'string', multiple: true },
  local: { type: 'string' },
  'asap-announce': { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

export const CLIENT_USAGE = `  --pool HANDLE           pool handle (default: the service's RSPLIB pool)
  --registrar HOST:PORT   registrar's ASAP endpoint (repeatable; port default 3863)
  --local IP              local address to use (default 0.0.0.0)
  --asap-announce off|auto|GROUP:PORT
                          learn registrars from ASAP announces (default auto)
  --quiet                 fewer notices on standard error
  -h, --help              show this help`;

export interface ClientValues {
  pool?: string;
  registrar?: string[] | string;
  local?: string;
  'asap-announce'?: string;
  quiet?: boolean;
}

/** Starts a pool user and a session to the pool; the clients restore state themselves on failover. */
export async function openClientSession(
  v: ClientValues,
  defaultPool: string,
  io: CliIo,
): Promise<{ user: PoolUser; session: Session; notice: (t: string) => void }> {
  const notice = (text: string): void => {
    if (!v.quiet) io.stderr.write(`[${text}]\n`);
  };
  const registrars =
    v.registrar === undefined ? [] : Array.isArray(v.registrar) ? v.registrar : [v.registrar];
  const user = await PoolUser.start({
    registrars,
    ...defined({ local: v.local, asapAnnounce: v['asap-announce'] }),
  });
  const session = user.openSession(v.pool ?? defaultPool, { resendOnFailover: false });
  session.on('up', ({ pe }) => notice(`connected to pool element ${hex32(pe)}`));
  session.on('failoverNeeded', ({ pe, reason }) =>
    notice(`pool element ${hex32(pe)} lost (${reason}); failing over`),
  );
  session.on('failoverComplete', ({ pe, cookieEchoed }) =>
    notice(`now on pool element ${hex32(pe)}${cookieEchoed ? ', state restored from the cookie' : ''}`),
  );
  session.on('failed', (reason) => notice(`session failed: ${reason}`));
  return { user, session, notice };
}
