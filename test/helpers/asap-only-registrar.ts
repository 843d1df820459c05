/**
 * A registrar core with ASAP only (no ENRP), built on AsapServer, in the shape RegistrarNode drives.
 * Lets the stack be tested without the ENRP side.
 */
import type { Random } from '../../src/base/index.js';
import { Handlespace } from '../../src/handlespace/index.js';
import type { RegistrarAction, RegistrarInput } from '../../src/registrar/index.js';
import { AsapServer, type AsapServerOptions } from '../../src/registrar/index.js';
import type { RegistrarCore } from '../../src/stack/index.js';

export class AsapOnlyRegistrar implements RegistrarCore {
  readonly server: AsapServer;

  constructor(options: AsapServerOptions, random: Random) {
    this.server = new AsapServer(new Handlespace({ ownRegistrarId: options.registrarId }), options, random);
  }

  get handlespace(): Handlespace {
    return this.server.handlespace;
  }

  nextDeadline(): number | undefined {
    return this.server.nextDeadline();
  }

  handle(input: RegistrarInput): RegistrarAction[] {
    switch (input.kind) {
      case 'received':
        if (input.protocol !== 'asap') return [];
        return this.map(
          this.server.handle({
            kind: 'received',
            now: input.now,
            assoc: input.assoc,
            message: input.message,
            ...(input.srttMs === undefined ? {} : { srttMs: input.srttMs }),
          }),
        );
      case 'malformed':
        return this.map(
          this.server.handle({ kind: 'malformed', now: input.now, assoc: input.assoc, error: input.error }),
        );
      case 'assocUp':
        return this.map(
          this.server.handle({ kind: 'assocUp', now: input.now, assoc: input.assoc, peer: input.peer }),
        );
      case 'assocLost':
        return this.map(this.server.handle({ kind: 'assocLost', now: input.now, assoc: input.assoc }));
      case 'tick':
        return this.map(this.server.handle({ kind: 'tick', now: input.now }));
      default:
        return [];
    }
  }

  private map(actions: ReturnType<AsapServer['handle']>): RegistrarAction[] {
    return actions.map((a): RegistrarAction => {
      switch (a.kind) {
        case 'send':
          return { kind: 'send', assoc: a.assoc, protocol: 'asap', message: a.message };
        case 'abort':
          return a;
        case 'announce':
          return { kind: 'multicast', protocol: 'asap', message: a.message };
        default:
          return { kind: 'notify', event: a.event };
      }
    });
  }
}
