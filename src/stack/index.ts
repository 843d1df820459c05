export * from './announce.js';
export * from './handlespace-dump-node.js';
export * from './node-types.js';
export * from './pool-element-node.js';
export * from './pool-user-node.js';
export * from './registrar-node.js';
export * from './router.js';
export * from './sctp-host.js';
