export * from './defaults.js';
export * from './pool-element.js';
