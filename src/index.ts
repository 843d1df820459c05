/**
 * rserpool: Reliable Server Pooling (RFC 5351-5356) for Node.js. The classes most programs need are
 * `Registrar`, `PoolElement` and `PoolUser` (with its `Session`s); the codec is under `rserpool/wire`.
 */
export * from './api/index.js';
export type { PoolElementService, ServiceAction, ServiceInput } from './services/index.js';
export type {
  PolicyName,
  PoolElementParameter,
  PoolPolicy,
  TransportParameter,
} from './wire/index.js';
