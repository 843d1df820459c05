/** The simulated network moved to `src/testing` (public as `rserpool/testing`); this path stays for old imports. */
export {
  addressOf,
  type LinkConditions,
  type NetworkStats,
  parseAddress,
  type Receive,
  SimNetwork,
} from '../../src/testing/network.js';
