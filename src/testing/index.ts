/**
 * `rserpool/testing`: what you need to test code built on rserpool without sockets or real time (as
 * undici's MockAgent does for HTTP). A virtual clock, a seeded simulated datagram network (latency,
 * jitter that reorders, loss, duplication, partitions), and a simulated registrar scope running the
 * real registrar and pool element cores, where simulated PEs register and pool handles resolve.
 */
export { SimClock, type SimTask } from './clock.js';
export { type LinkConditions, type NetworkStats, type Receive, SimNetwork } from './network.js';
export {
  type ElementNode,
  type RegistrarNode,
  RegistrarScope,
  type RegistrarScopeOptions,
  type ResolvedElement,
  type ScopeStats,
} from './registrar-scope.js';
