export * from './asap-server.js';
export * from './asap-types.js';
export * from './defaults.js';
export * from './enrp/index.js';
export * from './registrar.js';
export * from './registration-check.js';
