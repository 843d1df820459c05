/**
 * Every pool member selection policy of RFC 5356 and RSPLIB's extended set (notes/rsplib-interop.md §2.7):
 * wire type code, parameter fields in wire order, CLI spec fields, and how the policy selects.
 */
import type { PolicyName, PoolPolicy } from '../wire/types.js';
import { DEFAULT_SPEC_WEIGHT } from './defaults.js';

/** A numeric policy parameter. Load-like fields are fractions of 0xFFFFFFFF, distance is ms. */
export type PolicyField =
  | 'weight'
  | 'priority'
  | 'load'
  | 'loadDegradation'
  | 'weightDpf'
  | 'loadDpf'
  | 'distance';

export interface PolicyDescriptor {
  readonly name: PolicyName;
  /** The u32 policy type on the wire (RFC 5356 §7, RSPLIB's 0xb000xxxx codes). */
  readonly typeCode: number;
  /** `sort`: ordered by a key, ties by sequence number, take the first N. `value`: weighted random without replacement. */
  readonly selection: 'sort' | 'value';
  /** Parameter fields after the policy type, in wire order. */
  readonly fields: readonly PolicyField[];
  /** Fields of the `Name:a:b` CLI spec in order; the first `rsplibSpecFields` are RSPLIB rspserver's. */
  readonly specFields: readonly PolicyField[];
  readonly rsplibSpecFields: number;
  /** Keeps a degradation counter that grows by loadDegradation per selection (reset on re-registration). */
  readonly degrades: boolean;
  /** Uses the caller-measured distance (DPF policies). */
  readonly distanceSensitive: boolean;
  /** RSPLIB's PPT_IS_ADAPTIVE: PEs re-register on every load change. */
  readonly adaptive: boolean;
  /** False for the two policies RSPLIB cannot encode (PLU-DPF, PLUD-DPF; notes §2.7, §9.8). */
  readonly rsplibEncodable: boolean;
}

const d = (
  name: PolicyName,
  typeCode: number,
  selection: 'sort' | 'value',
  fields: readonly PolicyField[],
  specFields: readonly PolicyField[],
  rsplibSpecFields: number,
  flags: { degrades?: boolean; adaptive?: boolean; rsplibEncodable?: boolean } = {},
): PolicyDescriptor => ({
  name,
  typeCode,
  selection,
  fields,
  specFields,
  rsplibSpecFields,
  degrades: flags.degrades ?? false,
  distanceSensitive: fields.includes('distance'),
  adaptive: flags.adaptive ?? false,
  rsplibEncodable: flags.rsplibEncodable ?? true,
});

const LD: readonly PolicyField[] = ['load', 'loadDegradation'];
const DL: readonly PolicyField[] = ['loadDegradation', 'load'];
const LDDPF: readonly PolicyField[] = ['load', 'loadDegradation', 'loadDpf', 'distance'];
const DFL: readonly PolicyField[] = ['loadDegradation', 'loadDpf', 'load'];

export const POLICY_DESCRIPTORS: readonly PolicyDescriptor[] = [
  d('RoundRobin', 0x00000001, 'sort', [], [], 0),
  d('WeightedRoundRobin', 0x00000002, 'sort', ['weight'], ['weight'], 1),
  d('Random', 0x00000003, 'value', [], [], 0),
  d('WeightedRandom', 0x00000004, 'value', ['weight'], ['weight'], 1),
  d('Priority', 0x00000005, 'sort', ['priority'], ['priority'], 1),
  d('LeastUsed', 0x40000001, 'sort', ['load'], ['load'], 0, { adaptive: true }),
  d('LeastUsedDegradation', 0x40000002, 'sort', LD, DL, 1, { adaptive: true, degrades: true }),
  d('PriorityLeastUsed', 0x40000003, 'sort', LD, DL, 1, { adaptive: true }),
  d('RandomizedLeastUsed', 0x40000004, 'value', ['load'], ['load'], 0, { adaptive: true }),
  d('RandomizedPriorityLeastUsed', 0xb0001001, 'value', LD, DL, 0, { adaptive: true }),
  d('RandomizedLeastUsedDegradation', 0xb0001002, 'value', LD, DL, 1, { adaptive: true, degrades: true }),
  d('PriorityLeastUsedDegradation', 0xb0001003, 'sort', LD, DL, 1, { adaptive: true, degrades: true }),
  d('RandomizedPriorityLeastUsedDegradation', 0xb0001004, 'value', LD, DL, 1, {
    adaptive: true,
    degrades: true,
  }),
  d(
    'WeightedRandomDPF',
    0xb0002001,
    'value',
    ['weight', 'weightDpf', 'distance'],
    ['weight', 'weightDpf'],
    2,
  ),
  d('LeastUsedDPF', 0xb0002002, 'sort', ['load', 'loadDpf', 'distance'], ['loadDpf', 'load'], 1, {
    adaptive: true,
  }),
  d('LeastUsedDegradationDPF', 0xb0002003, 'sort', LDDPF, DFL, 2, { adaptive: true, degrades: true }),
  d('PriorityLeastUsedDPF', 0xb0002004, 'sort', LDDPF, DFL, 2, { adaptive: true, rsplibEncodable: false }),
  d('PriorityLeastUsedDegradationDPF', 0xb0002005, 'sort', LDDPF, DFL, 2, {
    adaptive: true,
    degrades: true,
    rsplibEncodable: false,
  }),
];

const byName = new Map<string, PolicyDescriptor>(POLICY_DESCRIPTORS.map((p) => [p.name, p]));
const byLowerName = new Map<string, PolicyDescriptor>(
  POLICY_DESCRIPTORS.map((p) => [p.name.toLowerCase(), p]),
);
const byCode = new Map<number, PolicyDescriptor>(POLICY_DESCRIPTORS.map((p) => [p.typeCode, p]));

export function policyDescriptor(name: PolicyName): PolicyDescriptor {
  return byName.get(name)!;
}

/** The descriptor for a policy name given as text (case-insensitive), or undefined. */
export function policyByName(name: string): PolicyDescriptor | undefined {
  return byName.get(name) ?? byLowerName.get(name.toLowerCase());
}

export function policyTypeCode(name: PolicyName): number {
  return policyDescriptor(name).typeCode;
}

/** The descriptor for a wire policy type, or undefined (the registrar answers 0x100b, unsupported policy). */
export function policyByTypeCode(code: number): PolicyDescriptor | undefined {
  return byCode.get(code >>> 0);
}

/** Default value of a field when it is not given. */
export function defaultFieldValue(field: PolicyField): number {
  return field === 'weight' ? DEFAULT_SPEC_WEIGHT : 0;
}

/**
 * Builds a policy from its name and field values (missing fields take `defaultFieldValue`). The result
 * has exactly the fields of that policy's `PoolPolicy` variant.
 */
export function makePolicy(name: PolicyName, values: Partial<Record<PolicyField, number>> = {}): PoolPolicy {
  const desc = policyDescriptor(name);
  const out: Record<string, number | string> = { name };
  for (const f of desc.fields) out[f] = values[f] ?? defaultFieldValue(f);
  return out as unknown as PoolPolicy;
}

/** A policy's field value (0 when the policy has no such field). */
export function policyField(policy: PoolPolicy, field: PolicyField): number {
  const fields: { readonly name: string } & Partial<Record<PolicyField, number>> = policy;
  return fields[field] ?? 0;
}

/** The policy's fields in wire order. */
export function policyFieldValues(policy: PoolPolicy): number[] {
  return policyDescriptor(policy.name).fields.map((f) => policyField(policy, f));
}
