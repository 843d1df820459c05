/**
 * Loads the RSPLIB captures of ../shared/fixtures/rsplib (see its README.md). The folder is found via
 * RSERPOOL_SHARED (the shared/ folder), else ../shared next to the repository root, else by walking up
 * from the working directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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

function candidates(): string[] {
  const out: string[] = [];
  const env = process.env.RSERPOOL_SHARED;
  if (env !== undefined && env !== '') out.push(join(env, 'fixtures', 'rsplib'));
  out.push(fileURLToPath(new URL('../../../shared/fixtures/rsplib/', import.meta.url)));
  for (let dir = resolve(process.cwd()); ; dir = dirname(dir)) {
    out.push(join(dir, 'shared', 'fixtures', 'rsplib'), join(dir, '..', 'shared', 'fixtures', 'rsplib'));
    if (dirname(dir) === dir) break;
  }
  return out;
}

export function fixtureDir(): string {
  const found = candidates().find((d) => existsSync(join(d, 'D-errors.json')));
  if (found === undefined) throw new Error(`RSPLIB fixtures not found; tried ${candidates().join(', ')}`);
  return found;
}

const cache = new Map<string, FixtureMessage[]>();

export function loadFixture(file: (typeof FIXTURE_FILES)[number]): FixtureMessage[] {
  let msgs = cache.get(file);
  if (msgs === undefined) {
    const raw = JSON.parse(readFileSync(join(fixtureDir(), `${file}.json`), 'utf8')) as Omit<
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
