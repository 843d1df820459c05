export * from './defaults.js';
export * from './handle-table.js';
export * from './handlespace.js';
export * from './pool-element-entry.js';
export * from './pool-key.js';
export * from './registration.js';
