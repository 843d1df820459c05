/** Public surface of the application protocols (RSPLIB-compatible services and clients). */
export * from './app-header.js';
export * from './calc-app-client.js';
export * from './calc-app-messages.js';
export * from './calc-app-service.js';
export * from './defaults.js';
export * from './fractal-client.js';
export * from './fractal-image.js';
export * from './fractal-messages.js';
export * from './fractal-service.js';
export * from './mandelbrot.js';
export * from './ping-pong-client.js';
export * from './ping-pong-messages.js';
export * from './ping-pong-service.js';
export * from './png.js';
export type * from './service-types.js';
export * from './standard-services.js';
