/**
 * Loads the RSPLIB 3.4.4 captures kept in test/fixtures/rsplib (copied from ../shared/fixtures/rsplib;
 * test/fixtures/rsplib/README.md says where they come from), so that a clone without ../shared runs
 * every test that does not need the RSPLIB rig.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHex } from '../../src/base/index.js';
import type { Protocol } from '../../src/wire/index.js';

export interface FixtureMessage {
  readonly file: string;
  readonly frame: number;
  readonly src: string;
  readonly dst: string;
  readonly srcport: number;
  readonly dstport: number;
  readonly transport: 'sctp' | 'udp';
  readonly protocol: string;
  readonly type: number | null;
  readonly typeName: string | null;
  readonly flags: number | null;
  readonly hex: string;
  readonly origin?: 'rsplib' | 'crafted';
}

export const FIXTURE_FILES = ['A-single-pr', 'C-apps', 'D-errors'] as const;

/** The folder of the captures, found from this file (not the working directory). */
export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/rsplib/', import.meta.url));

/** The path of a capture's pcap file. */
export function fixturePcap(file: (typeof FIXTURE_FILES)[number]): string {
  return join(FIXTURE_DIR, `${file}.pcap`);
}

const cache = new Map<string, FixtureMessage[]>();

export function loadFixture(file: (typeof FIXTURE_FILES)[number]): FixtureMessage[] {
  let msgs = cache.get(file);
  if (msgs === undefined) {
    const raw = JSON.parse(readFileSync(join(FIXTURE_DIR, `${file}.json`), 'utf8')) as Omit<
      FixtureMessage,
      'file'
    >[];
    msgs = raw.map((m) => ({ ...m, file }));
    cache.set(file, msgs);
  }
  return msgs;
}

/** Every ASAP/ENRP message of the three captures (RSPLIB output and crafted ones). */
export function rserpoolMessages(): FixtureMessage[] {
  return FIXTURE_FILES.flatMap((f) => loadFixture(f)).filter(
    (m) => m.protocol === 'asap' || m.protocol === 'enrp',
  );
}

export function bytesOf(m: FixtureMessage): Uint8Array {
  const b = fromHex(m.hex);
  if (b === undefined) throw new Error(`bad hex in ${m.file} frame ${m.frame}`);
  return b;
}

export function protocolOf(m: FixtureMessage): Protocol {
  if (m.protocol !== 'asap' && m.protocol !== 'enrp') throw new Error(`${m.protocol} is not ASAP/ENRP`);
  return m.protocol;
}

/** The distinct message byte strings (with protocol) of all captures: the fuzz corpus. */
export function distinctMessages(): { protocol: Protocol; bytes: Uint8Array; label: string }[] {
  const seen = new Set<string>();
  const out: { protocol: Protocol; bytes: Uint8Array; label: string }[] = [];
  for (const m of rserpoolMessages()) {
    const key = `${m.protocol}:${m.hex}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ protocol: protocolOf(m), bytes: bytesOf(m), label: `${m.file}#${m.frame} ${m.typeName}` });
  }
  return out;
}
