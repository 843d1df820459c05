/**
 * The codec fuzz loop shared by codec-fuzz.test.ts (CI) and codec-fuzz-long.ts (manual long runs).
 * Property per input, for both protocols: decode never throws; it gives a message or a well-formed
 * DecodeError; a decoded message encodes, decodes again to an equal message, and re-encodes to the
 * same bytes, also through its JSON form.
 */
import { SeededRandom, toHex } from '../../src/base/index.js';
import {
  decodeMessage,
  encodeMessage,
  firstDifference,
  messageFromJson,
  messageToJson,
  type Protocol,
} from '../../src/wire/index.js';
import { distinctMessages } from '../wire/rsplib-fixtures.js';
import { mutate, randomBytes } from './mutate.js';

export interface FuzzStats {
  inputs: number;
  decoded: number;
  errors: number;
  causes: Map<number, number>;
}

export class FuzzFailure extends Error {}

/** Checks one input; throws FuzzFailure (with the input in hex) when the property is violated. */
export function checkInput(protocol: Protocol, bytes: Uint8Array, stats: FuzzStats): void {
  function fail(what: string): never {
    throw new FuzzFailure(`${what}\n  protocol: ${protocol}\n  input: ${toHex(bytes)}`);
  }
  stats.inputs++;
  let r: ReturnType<typeof decodeMessage>;
  try {
    r = decodeMessage(protocol, bytes);
  } catch (e) {
    fail(`decode threw: ${e instanceof Error ? e.stack : String(e)}`);
  }
  if (!r.ok) {
    const e = r.error;
    const wellFormed =
      Number.isInteger(e.cause) &&
      e.cause >= 0 &&
      e.cause <= 0xffff &&
      e.offending instanceof Uint8Array &&
      e.offending.length <= bytes.length &&
      typeof e.reason === 'string' &&
      e.reason.length > 0 &&
      typeof e.silent === 'boolean';
    if (!wellFormed) fail(`malformed DecodeError ${JSON.stringify(e)}`);
    stats.errors++;
    stats.causes.set(e.cause, (stats.causes.get(e.cause) ?? 0) + 1);
    return;
  }
  stats.decoded++;
  let encoded: Uint8Array;
  try {
    encoded = encodeMessage(protocol, r.value);
  } catch (e) {
    fail(`encode of a decoded message threw: ${e instanceof Error ? e.message : String(e)}`);
  }
  const again = decodeMessage(protocol, encoded);
  if (!again.ok)
    fail(`re-encoded message does not decode: ${again.error.reason}\n  encoded: ${toHex(encoded)}`);
  const diff = firstDifference(r.value, again.value);
  if (diff !== undefined) fail(`decode(encode(m)) differs from m at "${diff}"\n  encoded: ${toHex(encoded)}`);
  const twice = encodeMessage(protocol, again.value);
  if (toHex(twice) !== toHex(encoded)) fail('encoding is not stable');
  // The CLI's JSON form must carry every decoded message exactly.
  const viaJson = messageFromJson(JSON.parse(JSON.stringify(messageToJson(protocol, r.value))));
  if (!viaJson.ok) fail(`JSON form refused: ${viaJson.error}`);
  if (toHex(encodeMessage(protocol, viaJson.value.message as never)) !== toHex(encoded))
    fail('JSON round trip changed the bytes');
}

export interface FuzzOptions {
  readonly count: number;
  readonly seed: number;
  /** Called every `progressEvery` inputs. */
  readonly onProgress?: (stats: FuzzStats) => void;
  readonly progressEvery?: number;
}

/**
 * Runs `count` inputs: about 85 % mutated capture messages (each decoded with its own protocol, and now
 * and then with the other one), 15 % random byte strings, some of them given a plausible header.
 */
export function runFuzz(options: FuzzOptions): FuzzStats {
  const rng = new SeededRandom(options.seed);
  const corpus = distinctMessages();
  const corpusBytes = corpus.map((c) => c.bytes);
  const stats: FuzzStats = { inputs: 0, decoded: 0, errors: 0, causes: new Map() };
  const protocols: readonly Protocol[] = ['asap', 'enrp'];
  while (stats.inputs < options.count) {
    const dice = rng.u32() % 100;
    let protocol: Protocol;
    let input: Uint8Array;
    if (dice < 85) {
      const seed = corpus[rng.u32() % corpus.length]!;
      input = mutate(seed.bytes, rng, corpusBytes).slice();
      // Half the time repair the header length, so that the mutation reaches the parameter parsers.
      if (input.length >= 4 && input.length <= 0xffff && rng.u32() & 1) {
        input[2] = input.length >>> 8;
        input[3] = input.length & 0xff;
      }
      protocol = dice < 80 ? seed.protocol : seed.protocol === 'asap' ? 'enrp' : 'asap';
    } else {
      protocol = protocols[rng.u32() & 1]!;
      input = randomBytes(rng, 64);
      if (input.length >= 4 && dice < 95) {
        input[0] = rng.u32() % 16;
        input[2] = input.length >>> 8;
        input[3] = input.length & 0xff;
      }
    }
    checkInput(protocol, input, stats);
    if (options.onProgress !== undefined && stats.inputs % (options.progressEvery ?? 100_000) === 0) {
      options.onProgress(stats);
    }
  }
  return stats;
}
