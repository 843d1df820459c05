/**
 * The defaults of the API's options as a user sees them, taken from their one home in the cores
 * (REGISTRAR_DEFAULTS, ENRP_DEFAULTS, ELEMENT_DEFAULTS, SCTP_DEFAULTS): what `Registrar.start` and
 * `PoolElement.start` do with an option left out. The CLI's help texts show these values.
 */
import { ELEMENT_DEFAULTS } from '../element/index.js';
import { ENRP_DEFAULTS, REGISTRAR_DEFAULTS } from '../registrar/index.js';
import { SCTP_DEFAULTS } from '../sctp/index.js';
import type { AddressScope } from '../wire/address-scope.js';
import { WellKnownPort } from '../wire/index.js';

const SCOPE_NAMES: Readonly<Record<AddressScope, string>> = {
  0: 'unspecified',
  1: 'loopback',
  2: 'link-local',
  3: 'site-local',
  4: 'global',
};

export const OPTION_DEFAULTS = {
  /** Registrars and pool elements: UDP port of SCTP over UDP (RFC 6951). */
  udpPort: SCTP_DEFAULTS.udpEncapsulationPort,
  /** PoolElement: the policy without `policy`. */
  policy: 'RoundRobin',
  reregistrationIntervalMs: ELEMENT_DEFAULTS.reregistrationIntervalMs,
  registrationLifeFactor: ELEMENT_DEFAULTS.registrationLifeFactor,
  /** Registrar: the ASAP endpoint without `asap`. */
  asap: `0.0.0.0:${WellKnownPort.Asap}`,
  keepAliveIntervalMs: REGISTRAR_DEFAULTS.keepAliveIntervalMs,
  keepAliveTimeoutMs: REGISTRAR_DEFAULTS.keepAliveTimeoutMs,
  maxBadPeReports: REGISTRAR_DEFAULTS.maxBadPeReports,
  maxHResItems: REGISTRAR_DEFAULTS.maxHResItems,
  maxIncrement: REGISTRAR_DEFAULTS.maxIncrement,
  distanceStepMs: REGISTRAR_DEFAULTS.distanceStepMs,
  maxHandleResolutionRate: REGISTRAR_DEFAULTS.maxHandleResolutionRate,
  maxEndpointUnreachableRate: REGISTRAR_DEFAULTS.maxEndpointUnreachableRate,
  minAddressScope: SCOPE_NAMES[REGISTRAR_DEFAULTS.minAddressScope],
  /** ENRP's heartbeat cycle, in whole ms. */
  peerHeartbeatCycleMs: Math.floor(ENRP_DEFAULTS.peerHeartbeatCycleMs),
  peerMaxTimeLastHeardMs: ENRP_DEFAULTS.peerMaxTimeLastHeardMs,
  peerMaxTimeNoResponseMs: ENRP_DEFAULTS.peerMaxTimeNoResponseMs,
  mentorDiscoveryTimeoutMs: ENRP_DEFAULTS.mentorDiscoveryTimeoutMs,
  takeoverExpiryIntervalMs: ENRP_DEFAULTS.takeoverExpiryIntervalMs,
} as const;
