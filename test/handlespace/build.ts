/** Builders for handlespace tests (short forms of test/helpers/build.ts). */

import type {
  PoolElementParameter,
  PoolHandle,
  PoolPolicy,
  TransportParameter,
  TransportUse,
} from '../../src/wire/types.js';
import { build } from '../helpers/build.js';

export const handle = (text: string): PoolHandle => new TextEncoder().encode(text);

export const sctp = (port = 7, transportUse: TransportUse = 'data'): TransportParameter =>
  build.transport({ port, transportUse });

export function element(
  id: number,
  options: {
    policy?: PoolPolicy;
    owner?: number;
    life?: number;
    transport?: TransportParameter;
  } = {},
): PoolElementParameter {
  return build.poolElement({
    id,
    homeRegistrarId: options.owner ?? 0,
    registrationLife: options.life ?? 30000,
    ...(options.transport ? { userTransport: options.transport } : {}),
    ...(options.policy ? { policy: options.policy } : {}),
  });
}
