/**
 * rserpool: Reliable Server Pooling (RFC 5351-5356) for Node.js. The classes most programs need are
 * `Registrar`, `PoolElement` and `PoolUser` (with its `Session`s); the codec is under `rserpool/wire`,
 * the virtual clock, simulated network and registrar harness for your tests under `rserpool/testing`.
 * Named exports only: test/api/public-surface.test.ts lists the surface.
 */
export * from './api/index.js';
export {
  CalcAppClient,
  type CalcAppClientEvent,
  type CalcAppClientOptions,
  CalcAppService,
  ChargenService,
  DaytimeService,
  DiscardService,
  EchoService,
  encodePng,
  FractalClient,
  type FractalClientEvent,
  type FractalClientOptions,
  FractalService,
  fractalToPng,
  PingPongClient,
  type PingPongClientEvent,
  type PingPongClientOptions,
  PingPongService,
  type PoolElementService,
  type ServiceAction,
  type ServiceInput,
} from './services/index.js';
export type {
  PolicyName,
  PoolElementParameter,
  PoolPolicy,
  TransportParameter,
} from './wire/index.js';
