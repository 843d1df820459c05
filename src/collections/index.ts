export * from './alias-table.js';
export * from './node-counters.js';
export * from './open-addressing.js';
export * from './red-black-tree.js';
export * from './ring-store.js';
export * from './timer-queue.js';
export * from './tree-node-store.js';
export * from './weight-arena.js';
