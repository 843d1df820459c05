/** The virtual clock moved to `src/testing` (public as `rserpool/testing`); this path stays for old imports. */
export { SimClock, type SimTask } from '../../src/testing/clock.js';
