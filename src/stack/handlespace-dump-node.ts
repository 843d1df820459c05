/**
 * Fetches a registrar's whole handlespace over ENRP, as RSPLIB's hsdump does (the protocol is
 * `DumpCore`): the core on one SCTP endpoint, bound by the router. A sans-I/O node like the others:
 * datagrams and ticks in, transmits out.
 */
import type { AssociationId, Instant, Random } from '../base/index.js';
import { type EndpointOptions, SctpEndpoint } from '../sctp/index.js';
import type { IpAddress, RegistrarId } from '../wire/index.js';
import { DumpCore, type DumpInput, type HandlespaceDumpEvent } from './handlespace-dump-core.js';
import type { NodeInput, NodeOutput } from './node-types.js';
import { Router } from './router.js';

export type { HandlespaceDump, HandlespaceDumpEvent } from './handlespace-dump-core.js';

export interface HandlespaceDumpOptions {
  readonly sctp: EndpointOptions;
  readonly registrar: { readonly addresses: readonly IpAddress[]; readonly port: number };
  /**
   * Our addresses as the registrar sees them (not a wildcard): the Server Information of our Presence
   * names them with our SCTP port. RSPLIB registrars require that parameter (notes §2.5) and, without
   * it, fail to parse the Presence and reject our Handle Table Requests as coming from an unknown peer.
   */
  readonly localAddresses: readonly IpAddress[];
  readonly random: Random;
  /** Give up after this long (ms). */
  readonly timeoutMs?: number;
}

export class HandlespaceDumpNode {
  readonly ownId: RegistrarId;
  private readonly core: DumpCore;
  private readonly router: Router<HandlespaceDumpEvent>;
  private assoc: AssociationId | undefined;

  constructor(private readonly options: HandlespaceDumpOptions) {
    this.ownId = 1 + (options.random.u32() % 0xfffffffe);
    this.core = new DumpCore({
      ownId: this.ownId,
      port: options.sctp.port,
      localAddresses: options.localAddresses,
      timeoutMs: options.timeoutMs ?? 10_000,
    });
    this.router = new Router([
      {
        endpoint: new SctpEndpoint({ listen: false, ...options.sctp }),
        message: (now, _assoc, m) => {
          if (m.protocol === 'enrp' && m.result.ok)
            this.toCore({ kind: 'received', now, message: m.result.value });
        },
        event: (now, assoc, event) => {
          if (assoc !== this.assoc) return;
          if (event.kind === 'up') this.toCore({ kind: 'up', now });
          else if (event.kind === 'shutdownComplete') this.toCore({ kind: 'ended', now });
          else if (event.kind === 'lost')
            this.toCore({ kind: 'ended', now, lost: `association lost (${event.cause.kind})` });
        },
      },
    ]);
  }

  nextDeadline(): Instant | undefined {
    return this.router.nextDeadline(this.core.nextDeadline());
  }

  start(now: Instant): NodeOutput<HandlespaceDumpEvent>[] {
    return this.router.run(now, () => {
      this.toCore({ kind: 'start', now });
      const { id, established } = this.router.connect(now, 0, this.options.registrar);
      this.assoc = id;
      if (established) this.toCore({ kind: 'up', now });
    });
  }

  handle(input: NodeInput): NodeOutput<HandlespaceDumpEvent>[] {
    return this.router.handle(input, { tick: (now) => this.toCore({ kind: 'tick', now }) });
  }

  private toCore(input: DumpInput): void {
    for (const a of this.core.handle(input)) {
      if (a.kind === 'notify') this.router.emit(a.event);
      else if (this.assoc === undefined) continue;
      else if (a.kind === 'send')
        this.router.sendMessage(input.now, this.assoc, { protocol: 'enrp', message: a.message });
      else this.router.shutdown(input.now, this.assoc);
    }
  }
}
