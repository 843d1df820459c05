export * from './defaults.js';
export * from './pool-user.js';
