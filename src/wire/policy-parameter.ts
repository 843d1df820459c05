/**
 * The Pool Member Selection Policy parameter body (RFC 5354 §3.8): policy type u32, then the policy's u32
 * fields in this order (RFC 5356 §4, RSPLIB's extensions notes §2.7). PriorityLeastUsedDPF and
 * PriorityLeastUsedDegradationDPF have no RSPLIB encoding; we give them the LeastUsedDegradationDPF layout.
 */
import { PolicyType } from './constants.js';
import type { PolicyName, PoolPolicy } from './types.js';

export type PolicyField =
  | 'weight'
  | 'priority'
  | 'load'
  | 'loadDegradation'
  | 'loadDpf'
  | 'weightDpf'
  | 'distance';

export interface PolicyLayout {
  readonly name: PolicyName;
  readonly type: number;
  readonly fields: readonly PolicyField[];
}

const LD = ['load', 'loadDegradation'] as const;
const DPF4 = ['load', 'loadDegradation', 'loadDpf', 'distance'] as const;

/** Every policy we can encode and decode. */
export const POLICY_LAYOUTS: readonly PolicyLayout[] = [
  { name: 'RoundRobin', type: PolicyType.RoundRobin, fields: [] },
  { name: 'WeightedRoundRobin', type: PolicyType.WeightedRoundRobin, fields: ['weight'] },
  { name: 'Random', type: PolicyType.Random, fields: [] },
  { name: 'WeightedRandom', type: PolicyType.WeightedRandom, fields: ['weight'] },
  { name: 'Priority', type: PolicyType.Priority, fields: ['priority'] },
  { name: 'LeastUsed', type: PolicyType.LeastUsed, fields: ['load'] },
  { name: 'LeastUsedDegradation', type: PolicyType.LeastUsedDegradation, fields: LD },
  { name: 'PriorityLeastUsed', type: PolicyType.PriorityLeastUsed, fields: LD },
  { name: 'RandomizedLeastUsed', type: PolicyType.RandomizedLeastUsed, fields: ['load'] },
  { name: 'RandomizedPriorityLeastUsed', type: PolicyType.RandomizedPriorityLeastUsed, fields: LD },
  { name: 'RandomizedLeastUsedDegradation', type: PolicyType.RandomizedLeastUsedDegradation, fields: LD },
  { name: 'PriorityLeastUsedDegradation', type: PolicyType.PriorityLeastUsedDegradation, fields: LD },
  {
    name: 'RandomizedPriorityLeastUsedDegradation',
    type: PolicyType.RandomizedPriorityLeastUsedDegradation,
    fields: LD,
  },
  {
    name: 'WeightedRandomDPF',
    type: PolicyType.WeightedRandomDPF,
    fields: ['weight', 'weightDpf', 'distance'],
  },
  { name: 'LeastUsedDPF', type: PolicyType.LeastUsedDPF, fields: ['load', 'loadDpf', 'distance'] },
  { name: 'LeastUsedDegradationDPF', type: PolicyType.LeastUsedDegradationDPF, fields: DPF4 },
  { name: 'PriorityLeastUsedDPF', type: PolicyType.PriorityLeastUsedDPF, fields: DPF4 },
  { name: 'PriorityLeastUsedDegradationDPF', type: PolicyType.PriorityLeastUsedDegradationDPF, fields: DPF4 },
];

const BY_TYPE = new Map<number, PolicyLayout>(POLICY_LAYOUTS.map((l) => [l.type, l]));
const BY_NAME = new Map<string, PolicyLayout>(POLICY_LAYOUTS.map((l) => [l.name, l]));

export function policyLayoutByType(type: number): PolicyLayout | undefined {
  return BY_TYPE.get(type);
}

export function policyLayoutByName(name: string): PolicyLayout | undefined {
  return BY_NAME.get(name);
}

/** Builds the typed policy from its field values (read in layout order). */
export function makePolicy(layout: PolicyLayout, values: readonly number[]): PoolPolicy {
  const p: Record<string, string | number> = { name: layout.name };
  for (let i = 0; i < layout.fields.length; i++) p[layout.fields[i]!] = values[i]!;
  return p as unknown as PoolPolicy;
}

/** The field values of a typed policy in wire order. */
export function policyFieldValue(policy: PoolPolicy, field: PolicyField): number {
  return (policy as unknown as Record<string, number>)[field]!;
}
