export * from './defaults.js';
export * from './policy-candidate.js';
export * from './policy-registry.js';
export * from './policy-spec.js';
export * from './pool-selection.js';
