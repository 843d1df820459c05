/**
 * Serial-number arithmetic (RFC 1982) for 32-bit TSNs and 16-bit SSNs. Values are kept as
 * non-negative integers; comparison is modular so that ordering survives the wrap.
 */
const TWO_32 = 0x1_0000_0000;

export const add32 = (a: number, b: number): number => ((a + b) % TWO_32) >>> 0;
export const sub32 = (a: number, b: number): number => ((a - b + TWO_32) % TWO_32) >>> 0;
/** a < b in serial arithmetic. */
export const lt32 = (a: number, b: number): boolean => a !== b && sub32(b, a) < 0x8000_0000;
export const lte32 = (a: number, b: number): boolean => a === b || lt32(a, b);
export const gt32 = (a: number, b: number): boolean => lt32(b, a);
export const gte32 = (a: number, b: number): boolean => a === b || lt32(b, a);

export const add16 = (a: number, b: number): number => (a + b) & 0xffff;
export const sub16 = (a: number, b: number): number => (a - b) & 0xffff;
export const lt16 = (a: number, b: number): boolean => a !== b && sub16(b, a) < 0x8000;
export const lte16 = (a: number, b: number): boolean => a === b || lt16(a, b);
export const gt16 = (a: number, b: number): boolean => lt16(b, a);
