export * from './assert.js';
export * from './association-id.js';
export * from './bytes.js';
export * from './ip-address.js';
export * from './random.js';
export * from './result.js';
export * from './serial.js';
export * from './time.js';
