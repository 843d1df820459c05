/** Builders for ENRP unit tests: one EnrpServer over its own handlespace, and readers for its actions. */
import { SeededRandom } from '../../../src/base/random.js';
import { Handlespace } from '../../../src/handlespace/index.js';
import type { EnrpServerOptions } from '../../../src/registrar/enrp/enrp-context.js';
import { EnrpServer } from '../../../src/registrar/enrp/enrp-server.js';
import type { EnrpAction, EnrpEvent } from '../../../src/registrar/enrp/enrp-types.js';
import type { AsapMessage } from '../../../src/wire/asap-messages.js';
import type { EnrpMessage } from '../../../src/wire/enrp-messages.js';
import type { PoolElementParameter, RegistrarId } from '../../../src/wire/types.js';
import { build } from '../../helpers/build.js';

export const OWN = 0x100;
export const handle = (s: string): Uint8Array => new TextEncoder().encode(s);
export const POOL = handle('EchoPool');

export function enrpServer(options: Partial<EnrpServerOptions> = {}, id: RegistrarId = OWN) {
  const hs = new Handlespace({ ownRegistrarId: id });
  const server = new EnrpServer(
    hs,
    {
      registrarId: id,
      enrpTransport: { kind: 'sctp', port: 9901, transportUse: 'data', addresses: ['10.0.0.1'] },
      multicast: false,
      ...options,
    },
    new SeededRandom(7),
  );
  return { server, hs };
}

/** A PE parameter as ENRP carries it (with ASAP transport). */
export function element(id: number, owner: RegistrarId, registrationLife = 30_000): PoolElementParameter {
  const addresses = [`10.1.${(id >> 8) & 255}.${id & 255}`];
  return build.poolElement({
    id,
    homeRegistrarId: owner,
    registrationLife,
    addresses,
    asapTransport: build.transport({ port: 5000, addresses }),
  });
}

export type Sent = { assoc: number; message: EnrpMessage };
export const enrpSent = (actions: EnrpAction[]): Sent[] =>
  actions.flatMap((a) =>
    a.kind === 'send' && a.protocol === 'enrp' ? [{ assoc: a.assoc, message: a.message }] : [],
  );
export const asapSent = (actions: EnrpAction[]): { assoc: number; message: AsapMessage }[] =>
  actions.flatMap((a) =>
    a.kind === 'send' && a.protocol === 'asap' ? [{ assoc: a.assoc, message: a.message }] : [],
  );
export const messagesOf = <K extends EnrpMessage['kind']>(actions: EnrpAction[], kind: K) =>
  enrpSent(actions).filter(
    (s): s is { assoc: number; message: Extract<EnrpMessage, { kind: K }> } => s.message.kind === kind,
  );
export const eventsOf = <K extends EnrpEvent['kind']>(actions: EnrpAction[], kind: K) =>
  actions.flatMap((a) =>
    a.kind === 'notify' && a.event.kind === kind ? [a.event as Extract<EnrpEvent, { kind: K }>] : [],
  );
export const connects = (actions: EnrpAction[]) => actions.flatMap((a) => (a.kind === 'connect' ? [a] : []));

/** A Presence from `id` (over `assoc`, or multicast when assoc is undefined). */
export function presenceFrom(
  id: RegistrarId,
  opts: { checksum?: number; replyRequired?: boolean; address?: string } = {},
): EnrpMessage {
  return {
    kind: 'presence',
    senderId: id,
    receiverId: 0,
    replyRequired: opts.replyRequired ?? false,
    peChecksum: opts.checksum ?? 0xffff,
    serverInformation: {
      registrarId: id,
      transport: {
        kind: 'sctp',
        port: 9901,
        transportUse: 'data',
        addresses: [opts.address ?? `10.0.9.${id & 255}`],
      },
    },
  };
}

/** Starts the server (start-up ends by timer unless a mentor shows up) and returns the actions. */
export function started(server: EnrpServer, now = 0): EnrpAction[] {
  return server.handle({ kind: 'start', now });
}

/** Makes `id` a known peer over association `assoc` (a Presence over SCTP), after start-up. */
export function withPeer(
  server: EnrpServer,
  id: RegistrarId,
  assoc: number,
  now: number,
  checksum = 0xffff,
): EnrpAction[] {
  return server.handle({ kind: 'received', now, assoc, message: presenceFrom(id, { checksum }) });
}
