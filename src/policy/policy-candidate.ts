/**
 * The candidate shape the policies select over, and each policy's ordering key or weight
 * (RFC 5356 §4-5; RSPLIB's extended set, notes/rsplib-interop.md §2.7 and §3.2).
 */
import type { PoolPolicy } from '../wire/types.js';
import { POLICY_VALUE_MAX } from './defaults.js';

/** What a policy needs to know about a PE; the handlespace's PE record implements it. */
export interface PolicyCandidate {
  /** PE identifier: the order of value-tree (random) policies. */
  readonly id: number;
  /** The PE's registered policy and parameters. */
  policy: PoolPolicy;
  /** Distance in ms for DPF policies, set by the registrar (SCTP SRTT/2 rounded to the distance step). */
  distanceMs: number;
  /** Degradation counter: += loadDegradation per selection, 0 after (re-)registration (RFC 5356 §5.2.2). */
  degradation: number;
  /** WeightedRoundRobin turn counter n: the PE is due at virtual time n / weight. */
  turn: number;
  /** The PE's node in its pool's selection tree (owned by `PoolSelection`). */
  selectionNode: number;
}

const MAX = POLICY_VALUE_MAX;

/** The distance penalty of LU-DPF-style policies: distance (ms) * loadDpf, as RSPLIB (notes §2.7). */
const dpf = (distanceMs: number, loadDpf: number): number => distanceMs * loadDpf;

/**
 * Primary sort key of a sort policy (lower is selected first; ties by the sequence number kept in the tree).
 * WeightedRoundRobin: turn / weight. IEEE division is correctly rounded, so equal rationals give equal
 * keys exactly (no drift as with summed strides); weight 0 sorts after everything.
 */
export function policySortKey(c: PolicyCandidate): number {
  const p = c.policy;
  switch (p.name) {
    case 'RoundRobin':
      return 0;
    case 'WeightedRoundRobin':
      return p.weight > 0 ? c.turn / p.weight : Number.POSITIVE_INFINITY;
    case 'Priority':
      return MAX - p.priority;
    case 'LeastUsed':
      return p.load;
    case 'LeastUsedDegradation':
      return p.load + c.degradation;
    case 'PriorityLeastUsed':
      return p.load + p.loadDegradation;
    case 'PriorityLeastUsedDegradation':
      return p.load + p.loadDegradation + c.degradation;
    case 'LeastUsedDPF':
      return Math.min(MAX, p.load + dpf(c.distanceMs, p.loadDpf));
    case 'LeastUsedDegradationDPF':
      return Math.min(MAX, p.load + c.degradation + dpf(c.distanceMs, p.loadDpf));
    case 'PriorityLeastUsedDPF':
      return Math.min(MAX, p.load + p.loadDegradation + dpf(c.distanceMs, p.loadDpf));
    case 'PriorityLeastUsedDegradationDPF':
      return Math.min(MAX, p.load + p.loadDegradation + c.degradation + dpf(c.distanceMs, p.loadDpf));
    default:
      return 0;
  }
}

/**
 * Selection weight of a value-tree (random) policy: the probability of a PE is its weight over the
 * pool's sum. Load-based weights are "unload" values clamped to at least 1 so that a fully loaded PE
 * stays selectable (RSPLIB: RLU uses max(1, MAX - load); we clamp the other randomized LU variants the same way).
 */
export function policyWeight(c: PolicyCandidate): number {
  const p = c.policy;
  switch (p.name) {
    case 'Random':
      return 1;
    case 'WeightedRandom':
      return p.weight;
    case 'RandomizedLeastUsed':
      return Math.max(1, MAX - p.load);
    case 'RandomizedPriorityLeastUsed':
      return Math.max(1, MAX - p.load - p.loadDegradation);
    case 'RandomizedLeastUsedDegradation':
      return Math.max(1, MAX - p.load - c.degradation);
    case 'RandomizedPriorityLeastUsedDegradation':
      return Math.max(1, MAX - p.load - p.loadDegradation - c.degradation);
    case 'WeightedRandomDPF':
      return Math.max(1, Math.round(p.weight - (p.weight * c.distanceMs * p.weightDpf) / MAX));
    default:
      return 1;
  }
}

/** Load degradation per selection (0 for policies without one). */
export function policyLoadDegradation(p: PoolPolicy): number {
  return 'loadDegradation' in p ? p.loadDegradation : 0;
}

/** WeightedRoundRobin weight (1 for other policies). */
export function weightedRoundRobinWeight(p: PoolPolicy): number {
  return p.name === 'WeightedRoundRobin' ? p.weight : 1;
}
