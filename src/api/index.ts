/**
 * The public API of rserpool: registrars, pool elements, pool users and sessions. Named exports only,
 * so the surface changes on purpose (test/api/public-surface.test.ts lists it); helpers the CLI shares
 * (address parsing, schemas, validators) are imported from their modules, not from here.
 */
export { runClient, type SansIoClient } from './client-runner.js';
export type { Logger, LogRecord, SctpTuning } from './common.js';
export { OPTION_DEFAULTS } from './defaults.js';
export * from './errors.js';
export { type DumpOptions, dumpHandlespace, type HandlespaceDump } from './handlespace-dump.js';
export { PoolElement, type PoolElementEvents, type PoolElementOptions } from './pool-element.js';
export {
  type OpenSessionOptions,
  PoolUser,
  type PoolUserEvents,
  type PoolUserOptions,
  type Resolution,
  type ResolutionFailure,
  type ResolveOptions,
  type SendOptions,
  Session,
  type SessionEvents,
} from './pool-user.js';
export { Registrar, type RegistrarEvent, type RegistrarEvents, type RegistrarOptions } from './registrar.js';
export type { ServiceName } from './services.js';
