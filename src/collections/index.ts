export * from './red-black-tree.js';
export * from './tree-node-store.js';
