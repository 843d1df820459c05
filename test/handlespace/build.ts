/** Builders for handlespace tests. */
import type {
  PoolElementParameter,
  PoolHandle,
  PoolPolicy,
  TransportParameter,
  TransportUse,
} from '../../src/wire/types.js';

export const handle = (text: string): PoolHandle => new TextEncoder().encode(text);

export const sctp = (port = 7, transportUse: TransportUse = 'data'): TransportParameter => ({
  kind: 'sctp',
  port,
  transportUse,
  addresses: ['10.0.0.1'],
});

export function element(
  id: number,
  options: {
    policy?: PoolPolicy;
    owner?: number;
    life?: number;
    transport?: TransportParameter;
  } = {},
): PoolElementParameter {
  return {
    id,
    homeRegistrarId: options.owner ?? 0,
    registrationLife: options.life ?? 30000,
    userTransport: options.transport ?? sctp(),
    policy: options.policy ?? { name: 'RoundRobin' },
  };
}
