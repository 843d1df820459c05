/**
 * The one core a registrar process runs: the ASAP side (AsapServer, RFC 5352) and the ENRP side
 * (EnrpServer, RFC 5353) over one handlespace. It routes inputs by protocol, turns changes of our own PEs
 * into Handle Updates, starts the Server Announces when the ENRP start-up phase ends, and passes every
 * action to the driver in the shapes below.
 */
import type { AssociationId, Instant, Random } from '../base/index.js';
import { earliest } from '../base/index.js';
import { Handlespace } from '../handlespace/index.js';
import type { AsapMessage } from '../wire/asap-messages.js';
import type { DecodeError } from '../wire/decode-error.js';
import type { EnrpMessage } from '../wire/enrp-messages.js';
import type { IpAddress, RegistrarId, TransportParameter } from '../wire/types.js';
import { AsapServer } from './asap-server.js';
import type { AsapServerAction, AsapServerEvent, AsapServerOptions } from './asap-types.js';
import { REGISTRAR_DEFAULTS } from './defaults.js';
import {
  type EnrpAction,
  type EnrpEvent,
  EnrpServer,
  type EnrpTimerOptions,
  type PeerEndpoint,
  type RegistrarProtocol,
} from './enrp/index.js';
import type { AssociationPeer } from './registration-check.js';

export type { PeerEndpoint, RegistrarProtocol } from './enrp/index.js';

export interface RegistrarOptions
  extends Omit<AsapServerOptions, 'registrarId' | 'asapTransport'>,
    EnrpTimerOptions {
  /** Our registrar id; 0 or absent: a random non-zero one (RFC 5353 §3.2.1). */
  readonly registrarId?: RegistrarId;
  /** Our ASAP endpoint (Server Announces). */
  readonly asapTransport?: TransportParameter;
  /** Our ENRP endpoint (Server Information in Presence and List Response). */
  readonly enrpTransport?: TransportParameter;
  /** Static peers' ENRP endpoints (RSPLIB `-peer=`); their ids are learned from their first message. */
  readonly peers?: readonly PeerEndpoint[];
  /** ENRP Presence to the multicast group (the driver owns the socket; RSPLIB default: on). */
  readonly enrpMulticast?: boolean;
}

export type RegistrarInput =
  | {
      readonly kind: 'received';
      readonly now: Instant;
      readonly assoc: AssociationId;
      readonly protocol: 'asap';
      readonly message: AsapMessage;
      readonly srttMs?: number;
    }
  | {
      readonly kind: 'received';
      readonly now: Instant;
      readonly assoc: AssociationId;
      readonly protocol: 'enrp';
      readonly message: EnrpMessage;
      readonly srttMs?: number;
    }
  | {
      readonly kind: 'malformed';
      readonly now: Instant;
      readonly assoc: AssociationId;
      readonly protocol: RegistrarProtocol;
      readonly error: DecodeError;
      /** The raw message, if at hand: an ENRP Error then names the offender's id as receiver. */
      readonly bytes?: Uint8Array;
    }
  /** An association came up on our ASAP or ENRP endpoint (accepted, or one we connected: then `ref` is set). */
  | {
      readonly kind: 'assocUp';
      readonly now: Instant;
      readonly assoc: AssociationId;
      readonly protocol: RegistrarProtocol;
      readonly peer: AssociationPeer;
      readonly ref?: number;
    }
  | { readonly kind: 'assocLost'; readonly now: Instant; readonly assoc: AssociationId }
  | { readonly kind: 'connectFailed'; readonly now: Instant; readonly ref: number }
  /** ENRP Presence received over UDP multicast (RFC 5353 §3.1). */
  | {
      readonly kind: 'multicastReceived';
      readonly now: Instant;
      readonly from: { readonly address: IpAddress; readonly port: number };
      readonly message: EnrpMessage;
    }
  | { readonly kind: 'start'; readonly now: Instant }
  | { readonly kind: 'stop'; readonly now: Instant }
  | { readonly kind: 'tick'; readonly now: Instant };

export type RegistrarEvent = AsapServerEvent | EnrpEvent;

export type RegistrarAction =
  | {
      readonly kind: 'send';
      readonly assoc: AssociationId;
      readonly protocol: RegistrarProtocol;
      readonly message: AsapMessage | EnrpMessage;
    }
  | {
      readonly kind: 'connect';
      readonly ref: number;
      readonly protocol: RegistrarProtocol;
      readonly to: { readonly addresses: readonly IpAddress[]; readonly port: number };
    }
  | { readonly kind: 'abort'; readonly assoc: AssociationId; readonly reason: string }
  | { readonly kind: 'close'; readonly assoc: AssociationId }
  | {
      readonly kind: 'multicast';
      readonly protocol: RegistrarProtocol;
      readonly message: AsapMessage | EnrpMessage;
    }
  | { readonly kind: 'notify'; readonly event: RegistrarEvent };

/** A random non-zero registrar id (RFC 5353 §3.2.1). */
export function randomRegistrarId(random: Random): RegistrarId {
  for (;;) {
    const id = random.u32() >>> 0;
    if (id !== 0) return id;
  }
}

export class Registrar {
  readonly registrarId: RegistrarId;
  readonly handlespace: Handlespace;
  readonly asap: AsapServer;
  readonly enrp: EnrpServer;
  private readonly protocols = new Map<AssociationId, RegistrarProtocol>();
  private stopped = false;

  constructor(options: RegistrarOptions, random: Random) {
    const id = options.registrarId ? options.registrarId >>> 0 : randomRegistrarId(random);
    this.registrarId = id;
    this.handlespace = new Handlespace({ ownRegistrarId: id, maxIncrement: options.maxIncrement ?? 0 });
    const { peers, enrpMulticast, enrpTransport, ...rest } = options;
    this.asap = new AsapServer(this.handlespace, { ...rest, registrarId: id }, random);
    this.enrp = new EnrpServer(
      this.handlespace,
      {
        ...rest,
        registrarId: id,
        keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? REGISTRAR_DEFAULTS.keepAliveTimeoutMs,
        ...(enrpTransport ? { enrpTransport } : {}),
        ...(peers ? { peers } : {}),
        ...(enrpMulticast === undefined ? {} : { multicast: enrpMulticast }),
      },
      random,
    );
  }

  get inStartup(): boolean {
    return this.enrp.inStartup;
  }

  nextDeadline(): Instant | undefined {
    if (this.stopped) return undefined;
    return earliest(this.asap.nextDeadline(), this.enrp.nextDeadline());
  }

  handle(input: RegistrarInput): RegistrarAction[] {
    if (this.stopped) return [];
    const out: RegistrarAction[] = [];
    switch (input.kind) {
      case 'received':
        this.onReceived(input, out);
        break;
      case 'malformed':
        if (input.protocol === 'asap') this.fromAsap(input.now, this.asap.handle(input), out);
        else this.fromEnrp(input.now, this.enrp.handle(input), out);
        break;
      case 'assocUp':
        this.onAssocUp(input, out);
        break;
      case 'assocLost': {
        const protocol = this.protocols.get(input.assoc);
        this.protocols.delete(input.assoc);
        if (protocol !== 'enrp') this.fromAsap(input.now, this.asap.handle(input), out);
        if (protocol !== 'asap') this.fromEnrp(input.now, this.enrp.handle(input), out);
        break;
      }
      case 'connectFailed':
      case 'multicastReceived':
        this.fromEnrp(input.now, this.enrp.handle(input), out);
        break;
      case 'start':
        this.fromEnrp(input.now, this.enrp.handle(input), out);
        break;
      case 'stop':
        this.fromEnrp(input.now, this.enrp.handle(input), out);
        // Every association goes: our PEs learn at once and re-register elsewhere (RFC 5352 §3.6)
        // instead of waiting for a takeover.
        this.closeAll(out);
        this.stopped = true;
        break;
      case 'tick':
        this.fromAsap(input.now, this.asap.handle(input), out);
        this.fromEnrp(input.now, this.enrp.handle(input), out);
        break;
    }
    return out;
  }

  private onReceived(input: Extract<RegistrarInput, { kind: 'received' }>, out: RegistrarAction[]): void {
    const { now, assoc } = input;
    if (input.protocol === 'asap') {
      const srtt = input.srttMs === undefined ? {} : { srttMs: input.srttMs };
      const message = input.message;
      this.fromAsap(now, this.asap.handle({ kind: 'received', now, assoc, message, ...srtt }), out);
    } else {
      this.fromEnrp(now, this.enrp.handle({ kind: 'received', now, assoc, message: input.message }), out);
    }
  }

  /** An accepted association goes to its protocol's side; an outgoing one (`ref`) was opened by the ENRP side (peers, takeover claims). */
  private onAssocUp(input: Extract<RegistrarInput, { kind: 'assocUp' }>, out: RegistrarAction[]): void {
    const { now, assoc, protocol, peer, ref } = input;
    this.protocols.set(assoc, protocol);
    if (protocol === 'asap') this.fromAsap(now, this.asap.handle({ kind: 'assocUp', now, assoc, peer }), out);
    if (protocol === 'enrp' || ref !== undefined) {
      const refPart = ref === undefined ? {} : { ref };
      this.fromEnrp(now, this.enrp.handle({ kind: 'assocUp', now, assoc, protocol, ...refPart }), out);
    }
  }

  private closeAll(out: RegistrarAction[]): void {
    const closed = new Set(out.flatMap((a) => (a.kind === 'close' ? [a.assoc] : [])));
    for (const assoc of this.protocols.keys()) if (!closed.has(assoc)) out.push({ kind: 'close', assoc });
  }

  private fromAsap(now: Instant, actions: AsapServerAction[], out: RegistrarAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case 'send':
          out.push({ kind: 'send', assoc: a.assoc, protocol: 'asap', message: a.message });
          break;
        case 'announce':
          out.push({ kind: 'multicast', protocol: 'asap', message: a.message });
          break;
        case 'notify': {
          out.push(a);
          const e = a.event;
          // RFC 5353 §3.3: changes of our own PEs go to every peer as Handle Updates; so does the removal
          // of any PE found unreachable (§3.3.2 names it; our peers heed a delete only from the owner).
          if (
            e.kind === 'handlespaceChanged' &&
            (e.element.homeRegistrarId === this.registrarId || e.reason === 'unreachable')
          ) {
            const input = {
              kind: 'ownElementChanged',
              now,
              change: e.change,
              poolHandle: e.poolHandle,
              element: e.element,
              ...(e.reason === undefined ? {} : { reason: e.reason }),
            } as const;
            this.fromEnrp(now, this.enrp.handle(input), out);
          }
          break;
        }
        default:
          out.push(a);
      }
    }
  }

  private fromEnrp(now: Instant, actions: EnrpAction[], out: RegistrarAction[]): void {
    for (const a of actions) {
      out.push(a);
      if (a.kind === 'notify' && a.event.kind === 'startupDone') this.asap.startAnnouncing(now);
    }
  }
}
