/** `dumpHandlespace`: a registrar's whole handlespace over ENRP, like RSPLIB's hsdump. */
import { createSocket } from 'node:dgram';
import { monotonicNow } from '../io/node-runner.js';
import { type HandlespaceDump, type HandlespaceDumpEvent, HandlespaceDumpNode } from '../stack/index.js';
import { WellKnownPort } from '../wire/index.js';
import { parseHostPort, randomPort } from './addresses.js';
import { cryptoRandom, endpointOptions, SCTP_TUNING_SCHEMA, type SctpTuning } from './common.js';
import { AssociationLostError, SocketError, TimeoutError } from './errors.js';
import { startRunner } from './runner.js';
import { checkOptions, ms, nested, port, type Schema, string } from './validate.js';

export type { HandlespaceDump } from '../stack/index.js';

export interface DumpOptions {
  /** Local IP to use (default 0.0.0.0). */
  readonly local?: string;
  /** UDP port (default 0: any free one). */
  readonly udpPort?: number;
  /** Reject with TimeoutError when the dump has not ended by then (default 10,000 ms). */
  readonly timeoutMs?: number;
  readonly sctp?: SctpTuning;
}

const DUMP_SCHEMA: Schema<DumpOptions> = {
  local: string,
  udpPort: port,
  timeoutMs: ms,
  sctp: nested(SCTP_TUNING_SCHEMA),
};

const DEFAULT_DUMP_TIMEOUT_MS = 10_000;
/** At most this long for the association's shutdown after the dump (one RTO.Initial covers a loss). */
const SHUTDOWN_WAIT_MS = 1_000;

/**
 * Fetches the handlespace of the registrar whose ENRP endpoint is `registrar` ("IP:PORT", port 9901).
 * Rejects with InvalidArgumentError (bad argument), SocketError (bind failed) or TimeoutError.
 */
export async function dumpHandlespace(
  registrar: string,
  options: DumpOptions = {},
): Promise<HandlespaceDump> {
  checkOptions(options, 'dumpHandlespace options', DUMP_SCHEMA);
  string(registrar, 'registrar');
  const target = parseHostPort(registrar, 'registrar', WellKnownPort.Enrp);
  const local = parseHostPort(options.local ?? '0.0.0.0', 'local', 0);
  // Our Presence names our address; with a wildcard that is the one the kernel routes to the registrar.
  const address = isWildcard(local.host) ? await sourceAddressTowards(target.host) : local.host;
  const random = cryptoRandom();
  const node = new HandlespaceDumpNode({
    sctp: endpointOptions(randomPort(random), random, options.sctp),
    registrar: { addresses: [target.host], port: target.port },
    localAddresses: [address],
    random,
    timeoutMs: options.timeoutMs ?? DEFAULT_DUMP_TIMEOUT_MS,
  });
  type Outcome = Exclude<HandlespaceDumpEvent, { kind: 'closed' }>;
  let settle: ((e: Outcome) => void) | undefined;
  let closed: (() => void) | undefined;
  const shutdown = new Promise<void>((resolve) => {
    closed = resolve;
  });
  const result = new Promise<Outcome>((resolve) => {
    settle = resolve;
  });
  const runner = await startRunner<HandlespaceDumpEvent>(node, {
    addresses: [address],
    udpPort: options.udpPort ?? 0,
    onEvent: (e) => (e.kind === 'closed' ? closed?.() : settle?.(e)),
  });
  try {
    runner.act(node.start(monotonicNow()));
    const e = await result;
    if (e.kind === 'failed') {
      const message = `hsdump of ${registrar}: ${e.reason}`;
      throw e.cause === 'lost' ? new AssociationLostError(message) : new TimeoutError(message);
    }
    // The registrar forgets a peer that leaves at once, but only once the shutdown completes: closing
    // the socket before would leave it retransmitting SHUTDOWN ACK and probing us until its timeouts.
    await raceTimeout(shutdown, SHUTDOWN_WAIT_MS);
    return e.dump;
  } finally {
    await runner.close();
  }
}

function raceTimeout(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const isWildcard = (ip: string): boolean => ip === '0.0.0.0' || ip === '::';

/** The local address the kernel picks for datagrams to `ip` (a connected UDP socket sends nothing). */
async function sourceAddressTowards(ip: string): Promise<string> {
  const socket = createSocket(ip.includes(':') ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(9, ip, () => resolve());
    });
    return socket.address().address;
  } catch (e) {
    throw new SocketError(`hsdump: no local address towards ${ip}`, { cause: e });
  } finally {
    socket.close();
  }
}
