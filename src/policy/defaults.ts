/** Policy-layer constants. */

/** 100 % for load, load degradation, load DPF and weight DPF fields (RFC 5356 §3.1: fractions of 0xFFFFFFFF). */
export const POLICY_VALUE_MAX = 0xffffffff;

/**
 * How many of the PEs returned by one selection get their policy state advanced (sequence number,
 * degradation, WRR pass) when the caller passes 0: RSPLIB's `-maxincrement=0` "policy default",
 * which is 1 (notes/rsplib-interop.md §3.2). 1 gives RFC 5356 §4.1.2 round robin: the head advances by one.
 */
export const DEFAULT_MAX_INCREMENT = 1;

/** Weight used when a CLI policy spec omits it (`WeightedRandom` = `WeightedRandom:1`). */
export const DEFAULT_SPEC_WEIGHT = 1;
