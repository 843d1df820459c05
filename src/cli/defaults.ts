/**
 * Defaults the command line itself applies (the API's and the protocol cores' defaults live with
 * them). The help texts interpolate these, so that what `--help` shows is what the code does.
 */
export const CLI_DEFAULTS = {
  /**
   * How long a client command (resolve, terminal, pingpong, calcapp, fractal) waits for a registrar's
   * answer and a pool element's association before it gives up with exit 1 (`--timeout`).
   */
  clientTimeoutMs: 10_000,
  /** hsdump: how long the ENRP exchange may take (`--timeout`). */
  hsdumpTimeoutMs: 10_000,
  /** terminal: after the end of the input, wait this long for replies (`--linger`). */
  terminalLingerMs: 2_000,
  /** server: while not registered, report it (and that registration is retried) this often. */
  registrationReportMs: 5_000,
  /** Repeated warnings of one kind are counted and summarised once per this period (RepeatLimiter). */
  logRepeatPeriodMs: 10_000,
  /** The pool terminal talks to without --pool (RSPLIB's rspterminal default). */
  terminalPool: 'EchoPool',
  /** calcapp: jobs run one after another (`--jobs`). */
  calcAppJobs: 1,
  /** fractal: picture size and iterations per point. */
  fractalWidth: 400,
  fractalHeight: 300,
  fractalMaxIterations: 256,
  /** demo: requests, when the serving pool element is killed, pacing, registrar port, loopback /24. */
  demoRequests: 12,
  demoKillAfter: 4,
  demoIntervalMs: 400,
  demoSubnet: '127.0.0',
} as const;

/**
 * Defaults the API and the protocol cores apply, as the help texts show them. The CLI may not import
 * the core layers (docs/architecture.md), and api/ does not re-export their constants; so they are
 * mirrored here, once, and test/cli/help.test.ts fails as soon as one differs from its home
 * (REGISTRAR_DEFAULTS, ENRP_DEFAULTS, ELEMENT_DEFAULTS, SCTP_DEFAULTS, the API's option defaults).
 */
export const CORE_DEFAULTS_SHOWN = {
  /** SCTP_DEFAULTS.udpEncapsulationPort, the API's udpPort default of registrars and pool elements. */
  udpPort: 9899,
  /** PoolElement: policy without --policy. */
  policy: 'RoundRobin',
  /** ELEMENT_DEFAULTS. */
  reregistrationIntervalMs: 30_000,
  registrationLifeFactor: 3,
  /** Registrar: the ASAP endpoint without --asap. */
  asap: '0.0.0.0:3863',
  /** REGISTRAR_DEFAULTS. */
  keepAliveIntervalMs: 5_000,
  keepAliveTimeoutMs: 5_000,
  maxBadPeReports: 3,
  maxHResItems: 3,
  maxIncrement: 0,
  distanceStepMs: 50,
  maxHandleResolutionRate: 0,
  maxEndpointUnreachableRate: 0,
  minAddressScope: 'site-local',
  /** ENRP_DEFAULTS (the heartbeat cycle rounded to whole ms). */
  peerHeartbeatCycleMs: 2444,
  peerMaxTimeLastHeardMs: 5_000,
  peerMaxTimeNoResponseMs: 5_000,
  mentorDiscoveryTimeoutMs: 5_000,
  takeoverExpiryIntervalMs: 5_000,
} as const;
