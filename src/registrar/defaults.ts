/** Registrar defaults: RFC 5352 §7 where it names a value, RSPLIB's (notes §1.2, §2.8) where it does not. */
import { AddressScope } from '../wire/address-scope.js';

export const REGISTRAR_DEFAULTS = {
  /** Endpoint Keep Alive transmission interval (RSPLIB `-endpointkeepalivetransmissioninterval`). */
  keepAliveIntervalMs: 5_000,
  /** Wait for the Keep Alive Ack before the PE is aborted and removed (RSPLIB default). */
  keepAliveTimeoutMs: 5_000,
  /** MAX-BAD-PE-REPORT (RFC 5352 §3.5; RSPLIB `-maxbadpereports`). */
  maxBadPeReports: 3,
  /** MaxHResItems: PEs per Handle Resolution Response when the PU asks for the default. */
  maxHResItems: 3,
  /** T6-Serverannounce (RFC 5352 §7.1: 1 s), randomised by +-12.5 % like RSPLIB. */
  serverAnnounceCycleMs: 1_000,
  /** Minimum scope of accepted PE addresses (RSPLIB: site-local). */
  minAddressScope: AddressScope.SiteLocal as AddressScope,
  /** Rounding step of measured distances for DPF policies (RSPLIB `-distancestep`). */
  distanceStepMs: 50,
  /** How many selected PEs advance their policy state per resolution; 0 = policy default. */
  maxIncrement: 0,
  /** Handle Resolutions per second per PU and pool; 0 = unlimited (RSPLIB `-maxhrrate`, off by default). */
  maxHandleResolutionRate: 0,
  /** Endpoint Unreachables per second per PU and pool; 0 = unlimited (RSPLIB `-maxeurate`, off by default). */
  maxEndpointUnreachableRate: 0,
} as const;

/** Hard cap of PEs in one Handle Resolution Response (RSPLIB MAX_MAX_HANDLE_RESOLUTION_ITEMS). */
export const MAX_HANDLE_RESOLUTION_ITEMS = 128;

/** The Handle Resolution option value meaning "as many as possible" (draft-dreibholz-rserpool-asap-hropt). */
export const HANDLE_RESOLUTION_ITEMS_MAX = 0xffffffff;
