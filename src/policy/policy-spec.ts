/**
 * The policy spec syntax of RSPLIB's `rspserver -policy=` (notes/rsplib-interop.md §1.3):
 * `Name[:a[:b]]`, e.g. `WeightedRandom:5`, `LeastUsedDegradation:0.25`, `LeastUsedDegradationDPF:0.1:0.3`,
 * `WeightedRandomDPF:4:0.5`. Weights and priorities are integers; degradation and DPF values are
 * fractions 0..1 stored as f * 0xFFFFFFFF rounded half to even
 * (0.25 -> 0x40000000, 0.1 -> 0x1999999a, 0.3 -> 0x4ccccccc).
 * Our extension: every load-based policy takes one more optional field, the load fraction, after
 * RSPLIB's fields (`LeastUsed:0.3` = load 30 %, `LeastUsedDegradation:0.25:0.5` = degradation 25 %, load 50 %).
 * Names are matched case-insensitively; every field is optional (weight defaults to 1, the rest to 0).
 */
import type { Result } from '../base/result.js';
import { err, ok } from '../base/result.js';
import type { PoolPolicy } from '../wire/types.js';
import { POLICY_VALUE_MAX } from './defaults.js';
import {
  defaultFieldValue,
  makePolicy,
  type PolicyField,
  policyByName,
  policyDescriptor,
  policyField,
} from './policy-registry.js';

const isFraction = (f: PolicyField): boolean => f !== 'weight' && f !== 'priority' && f !== 'distance';

/**
 * Fraction 0..1 to the u32 wire value, rounding halves to even as RSPLIB's values show
 * (0.3 -> 1288490188.5 -> 0x4ccccccc, 0.1 -> 429496729.5 -> 0x1999999a).
 */
export function fractionToPolicyValue(fraction: number): number {
  const x = fraction * POLICY_VALUE_MAX;
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The shortest decimal fraction that maps back to the same u32 value. */
export function policyValueToFraction(value: number): string {
  for (let digits = 1; digits <= 12; digits++) {
    const text = String(Number((value / POLICY_VALUE_MAX).toPrecision(digits)));
    if (fractionToPolicyValue(Number(text)) === value) return text;
  }
  return String(value / POLICY_VALUE_MAX);
}

export function parsePolicySpec(spec: string): Result<PoolPolicy, string> {
  const parts = spec.trim().split(':');
  const desc = policyByName(parts[0] ?? '');
  if (desc === undefined) return err(`unknown policy "${parts[0] ?? ''}"`);
  const args = parts.slice(1);
  if (args.length > desc.specFields.length) {
    return err(`${desc.name} takes at most ${desc.specFields.length} parameter(s), got ${args.length}`);
  }
  const values: Partial<Record<PolicyField, number>> = {};
  for (let i = 0; i < args.length; i++) {
    const field = desc.specFields[i]!;
    const text = args[i]!.trim();
    const n = Number(text);
    if (text === '' || !Number.isFinite(n)) return err(`${desc.name}: ${field} "${text}" is not a number`);
    if (isFraction(field)) {
      if (n < 0 || n > 1) return err(`${desc.name}: ${field} ${text} must be a fraction between 0 and 1`);
      values[field] = fractionToPolicyValue(n);
    } else {
      if (!Number.isInteger(n) || n < 0 || n > POLICY_VALUE_MAX) {
        return err(`${desc.name}: ${field} ${text} must be an integer 0..4294967295`);
      }
      values[field] = n;
    }
  }
  return ok(makePolicy(desc.name, values));
}

/**
 * The spec string of a policy: RSPLIB's fields always, our extra load field only when it is not 0,
 * so that `parsePolicySpec(formatPolicySpec(p))` gives `p` back (distance is not part of the spec).
 */
export function formatPolicySpec(policy: PoolPolicy): string {
  const desc = policyDescriptor(policy.name);
  const shown: string[] = [];
  desc.specFields.forEach((field, i) => {
    const v = policyField(policy, field);
    shown.push(isFraction(field) ? policyValueToFraction(v) : String(v));
    if (i >= desc.rsplibSpecFields && v === defaultFieldValue(field)) shown[i] = '';
  });
  while (shown.length > desc.rsplibSpecFields && shown[shown.length - 1] === '') shown.pop();
  for (let i = 0; i < shown.length; i++) if (shown[i] === '') shown[i] = '0';
  return [desc.name, ...shown].join(':');
}
