/** `dumpHandlespace`: a registrar's whole handlespace over ENRP, like RSPLIB's hsdump. */
import { monotonicNow, NodeRunner } from '../io/node-runner.js';
import { type HandlespaceDump, type HandlespaceDumpEvent, HandlespaceDumpNode } from '../stack/index.js';
import { parseHostPort } from './addresses.js';
import { cryptoRandom, endpointOptions, type SctpTuning } from './common.js';
import { RserpoolError } from './errors.js';

export type { HandlespaceDump } from '../stack/index.js';

export interface DumpOptions {
  /** Local IP to use (default 0.0.0.0). */
  readonly local?: string;
  /** UDP port (default 0: any free one). */
  readonly udpPort?: number;
  readonly timeoutMs?: number;
  readonly sctp?: SctpTuning;
}

/** Fetches the handlespace of the registrar whose ENRP endpoint is `registrar` ("IP:PORT", port 9901). */
export async function dumpHandlespace(
  registrar: string,
  options: DumpOptions = {},
): Promise<HandlespaceDump> {
  const target = parseHostPort(registrar, 'registrar', 9901);
  const local = parseHostPort(options.local ?? '0.0.0.0', 'local', 0);
  const random = cryptoRandom();
  const node = new HandlespaceDumpNode({
    sctp: endpointOptions(10000 + (random.u32() % 50000), random, options.sctp),
    registrar: { addresses: [target.host], port: target.port },
    random,
    timeoutMs: options.timeoutMs ?? 10_000,
  });
  let settle: ((e: HandlespaceDumpEvent) => void) | undefined;
  const result = new Promise<HandlespaceDumpEvent>((resolve) => {
    settle = resolve;
  });
  const runner = await NodeRunner.start<HandlespaceDumpEvent>(node, {
    addresses: [local.host],
    udpPort: options.udpPort ?? 0,
    onEvent: (e) => settle?.(e),
  });
  try {
    runner.act(node.start(monotonicNow()));
    const e = await result;
    if (e.kind === 'failed')
      throw new RserpoolError('ERR_RSERPOOL_TIMEOUT', `hsdump of ${registrar}: ${e.reason}`);
    await new Promise((r) => setTimeout(r, 20)); // let the SHUTDOWN leave
    return e.dump;
  } finally {
    await runner.close();
  }
}
