export * from './red-black-tree.js';
export * from './timer-queue.js';
export * from './tree-node-store.js';
