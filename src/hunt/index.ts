export * from './defaults.js';
export * from './registrar-hunt.js';
export * from './registrar-table.js';
