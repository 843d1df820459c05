export * from './defaults.js';
export * from './handlespace.js';
export * from './pool-element-entry.js';
export * from './pool-key.js';
