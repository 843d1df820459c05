/** The public API of rserpool: registrars, pool elements, pool users and sessions. */
export * from './addresses.js';
export * from './client-runner.js';
export type { Logger, LogRecord, SctpTuning } from './common.js';
export * from './defaults.js';
export * from './errors.js';
export * from './handlespace-dump.js';
export * from './pool-element.js';
export * from './pool-user.js';
export * from './registrar.js';
export * from './services.js';
