/**
 * The options of `PoolUser` (pool-user.ts) and their schemas: what `checkOptions` accepts for
 * `start`, `openSession`, `resolve` and `Session.send`.
 */
import type { SessionOptions } from '../stack/index.js';
import { MAX_HANDLE_RESOLUTION_ITEMS } from '../wire/index.js';
import type { AnnounceSetting } from './addresses.js';
import { type Logger, SCTP_TUNING_SCHEMA, type SctpTuning } from './common.js';
import { InvalidArgumentError } from './errors.js';
import {
  boolean,
  type Check,
  func,
  integer,
  ms,
  msOrZero,
  nested,
  poolHandleBytes,
  port,
  type Schema,
  string,
  stringList,
  U32_MAX,
  u32,
} from './validate.js';

export interface PoolUserOptions {
  /** Registrars' ASAP endpoints "IP:PORT" (port default 3863). */
  readonly registrars?: readonly string[];
  /** Learn registrars from ASAP Server Announces: off, auto or GROUP:PORT. Default auto. */
  readonly asapAnnounce?: AnnounceSetting;
  /** Local IP to use (default 0.0.0.0). */
  readonly local?: string;
  /** UDP port for SCTP over UDP; default 0 (any free port: peers learn it, RFC 6951 §5.5). */
  readonly udpPort?: number;
  /**
   * How long `resolve()` (and each resolution a session makes) may take before it rejects with a
   * `TimeoutError`, whether no registrar is reachable, a registrar is silent or one died meanwhile.
   * Within it the request is sent up to MAX-REQUEST-RETRANSMIT + 1 times (RFC 5352 §7.3), each with a
   * T1-ENRPrequest of a third of it, failing over between registrars. Default 9000 (RSPLIB's T1 of 3 s).
   */
  readonly requestTimeoutMs?: number;
  /**
   * SCTP timers for sessions: they decide how fast a dead pool element is noticed. The default
   * (RTO.Max 1 s, 3 retransmissions) notices within a few seconds; RFC 9260 defaults take minutes.
   */
  readonly sctp?: SctpTuning;
  readonly logger?: Logger;
}

/** Session options; `resendOnFailover` (resend messages in flight on a failed association to the next PE) defaults to true here. */
export interface OpenSessionOptions extends SessionOptions {
  /**
   * The session fails (event `failed`, reason "timeout ...") when it has had no pool element for this
   * long: since `openSession`, or since a failover began; e.g. no registrar or no PE is reachable.
   * Default 30 000 ms.
   */
  readonly timeoutMs?: number;
}

export interface ResolveOptions {
  /** PEs wanted (the Handle Resolution option): 0 = the registrar's default, 0xffffffff = all. */
  readonly items?: number;
}

export interface SendOptions {
  /** SCTP payload protocol identifier (default 0; 11 is the ASAP control channel). */
  readonly ppid?: number;
  /** SCTP stream (default 0). */
  readonly stream?: number;
  readonly unordered?: boolean;
}

/** Streams are numbered 0..65535 (RFC 9260 §3.3.1). */
const STREAM_MAX = 0xffff;

export const POOL_USER_SCHEMA: Schema<PoolUserOptions> = {
  registrars: stringList,
  asapAnnounce: string,
  local: string,
  udpPort: port,
  requestTimeoutMs: ms,
  sctp: nested(SCTP_TUNING_SCHEMA),
  logger: func,
};

/** A Business Card of this PU (RFC 5352 §3.9): a pool handle and the PEs in failover order. */
const businessCard: Check = (v, what) => {
  if (typeof v !== 'object' || v === null) throw new InvalidArgumentError(`${what} must be a BusinessCard`);
  const card = v as { poolHandle?: unknown; poolElements?: unknown };
  if (!(card.poolHandle instanceof Uint8Array))
    throw new InvalidArgumentError(`${what}.poolHandle must be bytes`);
  poolHandleBytes(card.poolHandle, `${what}.poolHandle`);
  if (!Array.isArray(card.poolElements))
    throw new InvalidArgumentError(`${what}.poolElements must be an array`);
};

export const OPEN_SESSION_SCHEMA: Schema<OpenSessionOptions> = {
  resendOnFailover: boolean,
  timeoutMs: ms,
  reportUnreachable: boolean,
  autoFailover: boolean,
  retryDelayMs: msOrZero,
  connectTimeoutMs: ms,
  maxAttempts: integer(1, U32_MAX),
  resolutionItems: integer(1, MAX_HANDLE_RESOLUTION_ITEMS),
  maxBufferedMessages: integer(0, U32_MAX),
  maxBufferedBytes: integer(0, Number.MAX_SAFE_INTEGER),
  useBusinessCards: boolean,
  ownBusinessCard: businessCard,
};

export const RESOLVE_SCHEMA: Schema<ResolveOptions> = {
  items: u32,
};

export const SEND_SCHEMA: Schema<SendOptions> = {
  ppid: u32,
  stream: integer(0, STREAM_MAX),
  unordered: boolean,
};
