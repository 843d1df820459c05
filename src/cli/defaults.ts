import { OPTION_DEFAULTS } from '../api/index.js';

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

/** Defaults the API and the protocol cores apply, as the help texts show them (their home is the API). */
export const CORE_DEFAULTS_SHOWN = OPTION_DEFAULTS;
