export * from './asap-server.js';
export * from './defaults.js';
export * from './registration-check.js';
