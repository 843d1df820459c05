/**
 * What the client commands (resolve, terminal, pingpong, calcapp, fractal) share: options, a pool user,
 * a session, notices, and when the session does not come up, one resolution that tells an unknown pool
 * from an unreachable registrar. All of it within --timeout: a client never waits for ever, and says in
 * one line what went wrong.
 */
import { ASAP_ANNOUNCE_GROUP } from '../api/addresses.js';
import { PoolUser, type Resolution, type Session } from '../api/index.js';
import { WellKnownPort } from '../wire/index.js';
import { type CliIo, UsageError } from './command.js';
import { CLI_DEFAULTS } from './defaults.js';
import { CliError } from './errors.js';
import { announceFlag, endpointsFlag, localHostFlag } from './flags.js';
import { hex32 } from './log.js';
import { intOption } from './options.js';

export const CLIENT_OPTIONS = {
  pool: { type: 'string' },
  registrar: { type: 'string', multiple: true },
  local: { type: 'string' },
  'asap-announce': { type: 'string' },
  timeout: { type: 'string' },
  quiet: { type: 'boolean' },
} as const;

/** The options text of CLIENT_OPTIONS; `announce` is the command's --asap-announce default. */
export function clientUsage(defaultPool: string, announce: 'auto' | 'off' = 'auto'): string {
  const group = `${ASAP_ANNOUNCE_GROUP.host}:${ASAP_ANNOUNCE_GROUP.port}`;
  return `  --pool HANDLE           pool handle (default ${defaultPool})
  --registrar HOST:PORT   a registrar's ASAP endpoint (repeatable; port default ${WellKnownPort.Asap});
                          needed unless registrars announce themselves (--asap-announce)
  --local HOST            local address to use (default 0.0.0.0: any)
  --asap-announce off|auto|GROUP:PORT
                          learn registrars from ASAP announces (default ${announce}; auto = ${group})
  --timeout MS            give up (exit 1) if no registrar answers or no pool element can be
                          reached within MS (default ${CLI_DEFAULTS.clientTimeoutMs})
  --quiet                 fewer notices on standard error
  -h, --help              show this help
HOST may be an IP address or a host name (resolved once, at start).`;
}

export interface ClientValues {
  pool?: string;
  registrar?: string[];
  local?: string;
  'asap-announce'?: string;
  timeout?: string;
  quiet?: boolean;
}

/** The client options checked and resolved. */
export interface ClientSetup {
  readonly pool: string;
  readonly registrars: readonly string[];
  readonly local: string | undefined;
  readonly asapAnnounce: string;
  readonly timeoutMs: number;
  readonly quiet: boolean;
}

export async function clientSetup(
  v: ClientValues,
  defaultPool: string,
  announceDefault: 'auto' | 'off' = 'auto',
): Promise<ClientSetup> {
  const asapAnnounce = announceFlag(v['asap-announce'], '--asap-announce') ?? announceDefault;
  const registrars = await endpointsFlag(v.registrar, '--registrar', WellKnownPort.Asap);
  if (registrars.length === 0 && asapAnnounce === 'off')
    throw new UsageError(
      'no registrar to ask (give --registrar HOST:PORT, or --asap-announce auto to learn registrars from announces)',
    );
  if (v.pool === '') throw new UsageError('--pool must not be empty');
  return {
    pool: v.pool ?? defaultPool,
    registrars,
    local: await localHostFlag(v.local),
    asapAnnounce,
    timeoutMs: intOption(v.timeout, 'timeout', 1, 3_600_000) ?? CLI_DEFAULTS.clientTimeoutMs,
    quiet: v.quiet ?? false,
  };
}

export function startPoolUser(s: ClientSetup): Promise<PoolUser> {
  return PoolUser.start({
    registrars: s.registrars,
    asapAnnounce: s.asapAnnounce,
    // The API's own bound of a resolution; `resolveWithin` races it with the same time.
    requestTimeoutMs: s.timeoutMs,
    ...(s.local === undefined ? {} : { local: s.local }),
  });
}

/**
 * Resolves the pool once within the timeout. The API's typed errors (by their stable codes) become
 * one-line CliErrors: an unknown pool, no registrar answering, a registrar's Operation Error.
 */
export async function resolveWithin(
  user: PoolUser,
  s: ClientSetup,
  items?: number,
  budget: { readonly ms: number; readonly since: number } = { ms: s.timeoutMs, since: Date.now() },
): Promise<Resolution> {
  // The message names the time since the command began to wait, at most --timeout.
  const silent = (): CliError => noRegistrarError(s, Math.min(Date.now() - budget.since, s.timeoutMs));
  try {
    return await within(user.resolve(s.pool, items === undefined ? {} : { items }), budget.ms, silent);
  } catch (e) {
    const code = e instanceof Error ? (e as Error & { code?: unknown }).code : undefined;
    if (code === 'ERR_RSERPOOL_UNKNOWN_POOL_HANDLE')
      throw new CliError(
        `pool '${s.pool}' is unknown to the registrar: no pool element is registered in it (check --pool, or start one: rserpool server --pool ${s.pool} ...)`,
      );
    if (code === 'ERR_RSERPOOL_TIMEOUT') throw silent();
    if (code === 'ERR_RSERPOOL_REGISTRAR_ERROR')
      throw new CliError(`the registrar refused the resolution: ${(e as Error).message}`);
    throw e;
  }
}

function noRegistrarError(s: ClientSetup, elapsedMs: number): CliError {
  const waited = `within ${elapsedMs} ms`;
  if (s.registrars.length === 0)
    return new CliError(
      `no registrar announced itself ${waited} (give --registrar HOST:PORT, or --timeout MS to wait longer)`,
    );
  return new CliError(
    `no registrar answered at ${s.registrars.join(', ')} ${waited} (is it running there? check --registrar, or --timeout MS to wait longer)`,
  );
}

/** Settles as `p` does, or rejects with `onTimeout()` after `ms`. */
export function within<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(onTimeout()), ms);
    p.then(
      (x) => {
        clearTimeout(t);
        resolve(x);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

export interface ClientSession {
  readonly user: PoolUser;
  readonly session: Session;
  readonly setup: ClientSetup;
  readonly notice: (text: string) => void;
  /** Resolves when the session is up; rejects with a CliError if it fails or the timeout passes first. */
  readonly connected: Promise<void>;
}

/**
 * Starts a pool user and opens a session. Attach the session's listeners before the next `await`:
 * `connected` settles once the first pool element answers. No resolution is made before the session's
 * own: each one moves a RoundRobin pool on, and an extra one per run made every run of a client land on
 * the same PE of a pool of two (interop test, RSPLIB registrar).
 */
export async function openClientSession(
  v: ClientValues,
  defaultPool: string,
  io: CliIo,
  options: { resendOnFailover: boolean },
): Promise<ClientSession> {
  const setup = await clientSetup(v, defaultPool);
  const notice = (text: string): void => {
    if (!setup.quiet) io.stderr.write(`[${text}]\n`);
  };
  const t0 = Date.now();
  const user = await startPoolUser(setup);
  const session = user.openSession(setup.pool, { resendOnFailover: options.resendOnFailover });
  const diagnosisMs = Math.min(DIAGNOSIS_MAX_MS, Math.ceil(setup.timeoutMs / 4));
  const sessionMs = Math.max(1, setup.timeoutMs - diagnosisMs - (Date.now() - t0));
  const connected = untilUp(session, setup, sessionMs).catch((e: unknown) =>
    diagnose(user, setup, { ms: diagnosisMs, since: t0 }, e),
  );
  session.on('up', ({ pe }) => notice(`connected to pool element ${hex32(pe)}`));
  session.on('failoverNeeded', ({ pe, reason }) =>
    notice(`pool element ${hex32(pe)} lost (${reason}); failing over`),
  );
  session.on('failoverComplete', ({ pe, cookieEchoed }) =>
    notice(`now on pool element ${hex32(pe)}${cookieEchoed ? ', state restored from the cookie' : ''}`),
  );
  // A failure before `up` is `connected`'s error line; later ones are notices of the running client.
  connected.then(
    () => session.on('failed', (reason) => notice(`session failed: ${reason}`)),
    () => undefined,
  );
  return { user, session, setup, notice, connected };
}

/** The part of --timeout kept for the resolution that says why a session did not come up. */
const DIAGNOSIS_MAX_MS = 3_000;

/**
 * The session did not come up: one resolution within the budget says whether the pool is unknown or
 * no registrar answers (resolveWithin's errors); if it succeeds, the pool elements are unreachable.
 */
async function diagnose(
  user: PoolUser,
  s: ClientSetup,
  budget: { readonly ms: number; readonly since: number },
  sessionError: unknown,
): Promise<never> {
  await resolveWithin(user, s, 1, budget);
  throw sessionError;
}

function untilUp(session: Session, s: ClientSetup, ms: number): Promise<void> {
  const unreachable = (why: string): CliError =>
    new CliError(
      `no pool element of '${s.pool}' could be reached (${why}; are the servers running and their registered addresses reachable from here?)`,
    );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(unreachable(`none answered within ${s.timeoutMs} ms`)), ms);
    session.once('up', () => {
      clearTimeout(timer);
      resolve();
    });
    session.once('failed', (reason) => {
      clearTimeout(timer);
      reject(unreachable(reason));
    });
  });
}

/** Waits for `connected`; on failure closes the pool user and rethrows (a one-line CliError). */
export async function awaitConnected(c: ClientSession): Promise<void> {
  try {
    await c.connected;
  } catch (e) {
    c.session.close();
    await c.user.close();
    throw e;
  }
}
