/**
 * Input mutations for the codec fuzzers (codec-fuzz.test.ts and the long run codec-fuzz-long.ts): bit flips,
 * byte changes, truncation, extension, message/TLV length-field edits, TLV splicing between messages and
 * plain random bytes. Everything is driven by a seeded `Random`, so a seed reproduces a run.
 */
import { type Random, randomBelow } from '../../src/base/index.js';

const INTERESTING_BYTES = [
  0x00, 0x01, 0x03, 0x04, 0x07, 0x08, 0x0c, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xfe, 0xff,
];
const INTERESTING_U16 = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 20, 32, 36, 37, 0x7fff, 0x8000, 0xfffc, 0xffff,
];

function pick<T>(rng: Random, xs: readonly T[]): T {
  return xs[randomBelow(rng, xs.length)]!;
}

/** Offsets of plausible TLV headers: walks the TLV chain from each 4-aligned offset >= 4. */
export function tlvOffsets(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let start = 4; start + 4 <= b.length; start += 4) {
    const len = (b[start + 2]! << 8) | b[start + 3]!;
    if (len >= 4 && start + len <= b.length) out.push(start);
  }
  return out;
}

function setU16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function randomBytes(rng: Random, maxLength: number): Uint8Array {
  const b = new Uint8Array(randomBelow(rng, maxLength + 1));
  for (let i = 0; i < b.length; i++) b[i] = rng.u32() & 0xff;
  return b;
}

/** A TLV copy (header plus value, with its padding when present) from a corpus message. */
function randomTlv(rng: Random, corpus: readonly Uint8Array[]): Uint8Array {
  const donor = pick(rng, corpus);
  const offs = tlvOffsets(donor);
  if (offs.length === 0) return donor.slice(0, 4);
  const at = pick(rng, offs);
  const len = (donor[at + 2]! << 8) | donor[at + 3]!;
  return donor.slice(at, Math.min(donor.length, at + ((len + 3) & ~3)));
}

type Mutation = (b: Uint8Array, rng: Random, corpus: readonly Uint8Array[]) => Uint8Array;

const MUTATIONS: readonly Mutation[] = [
  // bit flip
  (b, rng) => {
    if (b.length === 0) return b;
    const c = b.slice();
    const i = randomBelow(rng, c.length);
    c[i] = c[i]! ^ (1 << randomBelow(rng, 8));
    return c;
  },
  // byte change (random or interesting)
  (b, rng) => {
    if (b.length === 0) return b;
    const c = b.slice();
    c[randomBelow(rng, c.length)] = rng.u32() & 1 ? pick(rng, INTERESTING_BYTES) : rng.u32() & 0xff;
    return c;
  },
  // truncation
  (b, rng) => b.slice(0, randomBelow(rng, b.length + 1)),
  // extension with random bytes or zeros
  (b, rng) => {
    const extra = randomBytes(rng, 12);
    if (rng.u32() & 1) extra.fill(0);
    return concat(b, extra);
  },
  // message length field edit
  (b, rng) => {
    if (b.length < 4) return b;
    const c = b.slice();
    const choices = [...INTERESTING_U16, b.length, b.length + 1, b.length - 1, b.length + 4, b.length - 4];
    setU16(c, 2, pick(rng, choices) & 0xffff);
    return c;
  },
  // TLV length field edit
  (b, rng) => {
    const offs = tlvOffsets(b);
    if (offs.length === 0) return b;
    const c = b.slice();
    const at = pick(rng, offs);
    const len = (c[at + 2]! << 8) | c[at + 3]!;
    const choices = [...INTERESTING_U16, len + 1, len - 1, len + 4, len - 4, len + 3];
    setU16(c, at + 2, pick(rng, choices) & 0xffff);
    return c;
  },
  // TLV type edit (action bits, neighbouring types)
  (b, rng) => {
    const offs = tlvOffsets(b);
    if (offs.length === 0) return b;
    const c = b.slice();
    const at = pick(rng, offs);
    const type = (c[at]! << 8) | c[at + 1]!;
    const choices = [
      type ^ 0x4000,
      type ^ 0x8000,
      type ^ 0xc000,
      type + 1,
      type - 1,
      randomBelow(rng, 0x12),
      0x803f,
    ];
    setU16(c, at, pick(rng, choices) & 0xffff);
    return c;
  },
  // TLV splice: insert a TLV from another message at a TLV boundary (or the end)
  (b, rng, corpus) => {
    const offs = [...tlvOffsets(b), b.length];
    const at = Math.min(pick(rng, offs), b.length);
    const c = concat(b.subarray(0, at), randomTlv(rng, corpus), b.subarray(at));
    if (c.length >= 4 && rng.u32() & 1) setU16(c, 2, Math.min(c.length, 0xffff));
    return c;
  },
  // TLV removal (and optionally fix the message length)
  (b, rng) => {
    const offs = tlvOffsets(b);
    if (offs.length === 0) return b;
    const at = pick(rng, offs);
    const len = (b[at + 2]! << 8) | b[at + 3]!;
    const c = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + ((len + 3) & ~3))));
    if (c.length >= 4 && rng.u32() & 1) setU16(c, 2, c.length);
    return c;
  },
  // type byte / flags change
  (b, rng) => {
    if (b.length < 2) return b;
    const c = b.slice();
    if (rng.u32() & 1) c[0] = randomBelow(rng, 0x10);
    else c[1] = rng.u32() & 0xff;
    return c;
  },
];

/** One to three random mutations of `input`; `corpus` supplies TLVs to splice in. */
export function mutate(input: Uint8Array, rng: Random, corpus: readonly Uint8Array[]): Uint8Array {
  let b = input;
  const n = 1 + randomBelow(rng, 3);
  for (let i = 0; i < n; i++) b = pick(rng, MUTATIONS)(b, rng, corpus);
  return b;
}
