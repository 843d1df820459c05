/**
 * A PE farm for process-level tests: one Node process running many pool elements through the public
 * API (`PoolElement`), each on its own loopback address (every component owns UDP 9899 on its
 * address). Driven over stdin/stdout with JSON lines (`FarmCommand` in, `FarmReply` out), so a test can
 * ask for churn and for the set of PEs that are alive and registered. All choices (PE ids, pools,
 * churn operations) come from one seeded random, so a failing run can be replayed with its seed (which
 * PE an operation hits also depends on which are registered at that moment, i.e. on timing).
 *
 * Run: node --import tsx test/helpers/pe-farm.ts --seed N --registrars IP:PORT,... --addresses
 *      127.0.20.1-127.0.23.250 [--count N] [--rereg-interval MS] [--address-rest MS] [--trace FILE]
 * Ends on the `exit` command or when stdin closes (the test died): PEs are killed, not deregistered.
 */
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { PoolElement } from '../../src/api/index.js';
import { randomBelow, SeededRandom } from '../../src/base/index.js';

export type FarmCommand =
  | { readonly cmd: 'status' }
  /** `ops` random operations `everyMs` apart; new PEs register with one of `registrars` (indices). */
  | { readonly cmd: 'churn'; readonly ops: number; readonly everyMs: number; readonly registrars: number[] }
  | { readonly cmd: 'exit' };

export interface FarmPe {
  readonly id: string;
  readonly pool: string;
  /** Registered and not lost since (a re-registration in flight still counts). */
  readonly registered: boolean;
  readonly home: string | undefined;
  readonly address: string;
  /** The one registrar the PE was configured with (an index into the farm's list). */
  readonly registrar: number;
}

export type FarmReply =
  | { readonly type: 'started'; readonly count: number }
  /** `events`: PE events by kind since the start (for diagnostics). */
  | { readonly type: 'status'; readonly pes: FarmPe[]; readonly events: Record<string, number> }
  | {
      readonly type: 'churned';
      readonly deregistered: number;
      readonly crashed: number;
      readonly added: number;
    }
  | { readonly type: 'warning'; readonly message: string };

interface Member {
  readonly pe: PoolElement;
  readonly pool: string;
  readonly address: string;
  readonly registrar: number;
  registered: boolean;
}

const POOLS = 10;
/** Default of --address-rest (see `Farm.addressRestMs`). */
const ADDRESS_REST_MS = 8_000;
const hex32 = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const send = (reply: FarmReply): void => void process.stdout.write(`${JSON.stringify(reply)}\n`);

/** "127.0.20.1-127.0.23.250": every address whose third byte is in range and fourth byte in range. */
function addressRange(spec: string): string[] {
  const [from, to] = spec.split('-').map((a) => a.split('.').map(Number));
  if (!from || !to || from.length !== 4 || to.length !== 4) throw new Error(`bad --addresses ${spec}`);
  const out: string[] = [];
  for (let c = from[2]!; c <= to[2]!; c++)
    for (let d = from[3]!; d <= to[3]!; d++) out.push(`${from[0]}.${from[1]}.${c}.${d}`);
  return out;
}

class Farm {
  private readonly members = new Set<Member>();
  private readonly free: { address: string; since: number }[];
  private readonly random: SeededRandom;
  readonly events: Record<string, number> = {};
  /** Every PE event as a JSON line, with --trace FILE (for debugging a failed run). */
  trace: ((line: string) => void) | undefined;

  constructor(
    seed: number,
    addresses: string[],
    private readonly registrars: string[],
    private readonly reregistrationIntervalMs: number,
    /** A freed address is reused only after this long: a PE that crashed there is gone from the
     * registrars by then (more than their keep-alive interval + timeout), so its successor never
     * sees its keep-alives. */
    private readonly addressRestMs: number,
  ) {
    this.random = new SeededRandom(seed);
    this.free = addresses.map((address) => ({ address, since: 0 }));
  }

  /** Starts `count` PEs, `perBatch` at a time, registrar i % n for the i-th. */
  async populate(count: number, perBatch = 25): Promise<void> {
    for (let i = 0; i < count; i += perBatch) {
      const batch = Array.from({ length: Math.min(perBatch, count - i) }, (_, k) =>
        this.add((i + k) % this.registrars.length),
      );
      await Promise.all(batch);
    }
  }

  status(): FarmPe[] {
    return [...this.members].map((m) => ({
      id: hex32(m.pe.id),
      pool: m.pool,
      registered: m.registered,
      home: m.pe.homeRegistrarId === undefined ? undefined : hex32(m.pe.homeRegistrarId),
      address: m.address,
      registrar: m.registrar,
    }));
  }

  async churn(ops: number, everyMs: number, registrars: number[]): Promise<FarmReply> {
    const counts = { deregistered: 0, crashed: 0, added: 0 };
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < ops; i++) {
      const r = this.random.float();
      const live = [...this.members].filter((m) => m.registered);
      const victim = live[randomBelow(this.random, live.length)];
      const address = this.free[0];
      if (r < 0.5 && address && address.since + this.addressRestMs < Date.now() && registrars.length > 0) {
        pending.push(this.add(registrars[randomBelow(this.random, registrars.length)]!));
        counts.added++;
      } else if (victim && r < 0.85) {
        pending.push(this.remove(victim, 'deregister'));
        counts.deregistered++;
      } else if (victim) {
        pending.push(this.remove(victim, 'crash'));
        counts.crashed++;
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
    await Promise.all(pending);
    return { type: 'churned', ...counts };
  }

  async killAll(): Promise<void> {
    await Promise.all([...this.members].map((m) => m.pe.kill()));
  }

  private async add(registrar: number): Promise<void> {
    const slot = this.free.shift();
    if (!slot) throw new Error('no free address');
    const pool = `pool-${randomBelow(this.random, POOLS)}`;
    const id = 1 + randomBelow(this.random, 0xfffffffe);
    const pe = await PoolElement.start({
      poolHandle: pool,
      service: 'discard',
      registrars: [this.registrars[registrar]!],
      asapAnnounce: 'off',
      local: slot.address,
      id,
      reregistrationIntervalMs: this.reregistrationIntervalMs,
    });
    const m: Member = { pe, pool, address: slot.address, registrar, registered: false };
    pe.on('registered', () => {
      m.registered = true;
    });
    pe.on('event', (e) => {
      this.events[e.kind] = (this.events[e.kind] ?? 0) + 1;
      this.trace?.(`${JSON.stringify({ at: new Date().toISOString(), pe: hex32(id), ...e })}\n`);
      if (e.kind === 'registrarLost' || e.kind === 'registrationTimeout') m.registered = false;
    });
    pe.on('warning', (message) => send({ type: 'warning', message: `${slot.address}: ${message}` }));
    this.members.add(m);
  }

  /** Deregisters (or crashes) a PE; its address rests before it is reused. */
  private async remove(m: Member, how: 'deregister' | 'crash'): Promise<void> {
    this.members.delete(m);
    if (how === 'deregister') await m.pe.close();
    else await m.pe.kill();
    this.free.push({ address: m.address, since: Date.now() });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      registrars: { type: 'string' },
      addresses: { type: 'string' },
      count: { type: 'string' },
      'rereg-interval': { type: 'string' },
      'address-rest': { type: 'string' },
      trace: { type: 'string' },
    },
  });
  const farm = new Farm(
    Number(values.seed ?? 1),
    addressRange(values.addresses ?? '127.0.20.1-127.0.23.250'),
    (values.registrars ?? '').split(',').filter((r) => r !== ''),
    Number(values['rereg-interval'] ?? 30_000),
    Number(values['address-rest'] ?? ADDRESS_REST_MS),
  );
  if (values.trace) {
    const file = values.trace;
    farm.trace = (line) => appendFileSync(file, line);
  }
  const count = Number(values.count ?? 1000);
  await farm.populate(count);
  send({ type: 'started', count });
  const exit = async (): Promise<never> => {
    await farm.killAll();
    process.exit(0);
  };
  const lines = createInterface({ input: process.stdin });
  lines.on('close', () => void exit());
  for await (const line of lines) {
    const c = JSON.parse(line) as FarmCommand;
    if (c.cmd === 'status') send({ type: 'status', pes: farm.status(), events: farm.events });
    else if (c.cmd === 'churn') void farm.churn(c.ops, c.everyMs, c.registrars).then(send);
    else await exit();
  }
}

await main();
