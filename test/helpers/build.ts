/**
 * Builders for protocol inputs and messages: defaults plus overrides, so a test names only what it is
 * about (`build.registration({ id: 5 })`, `build.handleUpdate({ senderId: PEER, action: 'deletePe' })`).
 * Defaults: pool 'EchoPool', SCTP user transport 10.0.0.1 port 7 (data), round robin, 90 s life.
 */
import type { AsapRegistration } from '../../src/wire/asap-messages.js';
import type { EnrpHandleUpdate } from '../../src/wire/enrp-messages.js';
import type { PoolElementParameter, PoolHandle, TransportParameter } from '../../src/wire/types.js';

type SctpTransport = Extract<TransportParameter, { kind: 'sctp' }>;
type Writable<T> = { -readonly [K in keyof T]?: T[K] };

/** Overrides of a PE parameter; `address`/`addresses` replace the user transport's addresses. */
export type PoolElementOverrides = Writable<PoolElementParameter> & {
  readonly address?: string;
  readonly addresses?: readonly string[];
  readonly transportUse?: SctpTransport['transportUse'];
};

const poolHandle = (text = 'EchoPool'): PoolHandle => new TextEncoder().encode(text);

function transport(o: Writable<SctpTransport> = {}): SctpTransport {
  return { kind: 'sctp', port: 7, transportUse: 'data', addresses: ['10.0.0.1'], ...o };
}

function poolElement(o: PoolElementOverrides = {}): PoolElementParameter {
  const { address, addresses, transportUse, ...rest } = o;
  return {
    id: 1,
    homeRegistrarId: 0,
    registrationLife: 90_000,
    userTransport: transport({
      ...(address === undefined ? {} : { addresses: [address] }),
      ...(addresses === undefined ? {} : { addresses }),
      ...(transportUse === undefined ? {} : { transportUse }),
    }),
    policy: { name: 'RoundRobin' },
    ...rest,
  };
}

/** An ASAP Registration of one PE (overrides go to the PE; `poolHandle` to the message). */
function registration(o: PoolElementOverrides & { readonly poolHandle?: PoolHandle } = {}): AsapRegistration {
  const { poolHandle: handle, ...pe } = o;
  return { kind: 'registration', poolHandle: handle ?? poolHandle(), poolElement: poolElement(pe) };
}

/** An ENRP Handle Update (addPe by default) of one PE (a full parameter or overrides) from `senderId`. */
function handleUpdate(
  o: Writable<Omit<EnrpHandleUpdate, 'poolElement' | 'kind'>> & {
    readonly poolElement?: PoolElementOverrides;
  } = {},
): EnrpHandleUpdate {
  return {
    kind: 'handleUpdate',
    senderId: o.senderId ?? 0,
    receiverId: o.receiverId ?? 0,
    takeoverSuggested: o.takeoverSuggested ?? false,
    action: o.action ?? 'addPe',
    poolHandle: o.poolHandle ?? poolHandle(),
    poolElement: poolElement(o.poolElement),
  };
}

export const build = { poolHandle, transport, poolElement, registration, handleUpdate };
