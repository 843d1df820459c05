/**
 * Handlespace benchmark: registrations, re-registrations, deregistrations and handle resolutions
 * (select 3) for RoundRobin, WeightedRandom and LeastUsed pools, at 1 k, 10 k, 100 k and 1 M PEs, with
 * small pools (10 PEs) and large pools (up to 10 k PEs); heap bytes per PE; and a baseline measured in the
 * same run (a plain Map insert/get with the same pool-handle + PE-id keys).
 *
 *   npm run bench:handlespace                 human-readable
 *   npm run bench:handlespace -- --json       only a JSON array of {metric, value, unit}
 *   npm run bench:handlespace -- --quick      up to 100 k PEs
 *
 * Heap is measured after a forced GC: with `node --expose-gc` if given, otherwise the flag is enabled at
 * run time (v8.setFlagsFromString). Measurement is inline (no shared bench/harness.ts existed yet).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SeededRandom } from '../src/base/random.js';
import { Handlespace } from '../src/handlespace/index.js';
import type { PoolElementParameter, PoolHandle, PoolPolicy, PolicyName } from '../src/wire/types.js';

const args = new Set(process.argv.slice(2));
const json = args.has('--json');
const quick = args.has('--quick');

function getGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
const gc = getGc();

interface Metric {
  metric: string;
  value: number;
  unit: string;
}
const metrics: Metric[] = [];
function record(metric: string, value: number, unit: string): void {
  metrics.push({ metric, value: Math.round(value * 100) / 100, unit });
  if (!json) console.log(`${metric.padEnd(58)} ${value.toLocaleString('en-US', { maximumFractionDigits: 1 }).padStart(14)} ${unit}`);
}

const POLICIES: PolicyName[] = ['RoundRobin', 'WeightedRandom', 'LeastUsed'];
const encoder = new TextEncoder();

function policyFor(name: PolicyName, i: number): PoolPolicy {
  switch (name) {
    case 'WeightedRandom':
      return { name, weight: 1 + (i % 7) };
    case 'LeastUsed':
      return { name, load: (i * 2654435761) % 0x100000000 };
    default:
      return { name: 'RoundRobin' };
  }
}

function makeElement(id: number, policy: PoolPolicy, owner: number): PoolElementParameter {
  return {
    id,
    homeRegistrarId: owner,
    registrationLife: 30000,
    userTransport: {
      kind: 'sctp',
      port: 1024 + (id % 60000),
      transportUse: 'data',
      addresses: [`10.${(id >>> 16) & 255}.${(id >>> 8) & 255}.${id & 255}`],
    },
    policy,
  };
}

interface Layout {
  handles: PoolHandle[];
  poolOf: Int32Array;
  idOf: Uint32Array;
  policyOfPool: PolicyName[];
}

/** N PEs in pools of `poolSize`; pool i uses POLICIES[i % 3]. */
function layout(n: number, poolSize: number): Layout {
  const pools = Math.ceil(n / poolSize);
  const handles = Array.from({ length: pools }, (_, i) => encoder.encode(`pool-${i.toString(36)}`));
  const poolOf = new Int32Array(n);
  const idOf = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    poolOf[i] = Math.floor(i / poolSize);
    idOf[i] = (0x10000 + i * 7919) >>> 0 || 1;
  }
  const policyOfPool = handles.map((_, i) => POLICIES[i % POLICIES.length]!);
  return { handles, poolOf, idOf, policyOfPool };
}

function elements(l: Layout, generation: number, owner: number): PoolElementParameter[] {
  const out = new Array<PoolElementParameter>(l.idOf.length);
  for (let i = 0; i < out.length; i++) {
    const pool = l.poolOf[i]!;
    out[i] = makeElement(l.idOf[i]!, policyFor(l.policyOfPool[pool]!, i + generation), owner);
  }
  return out;
}

const now = (): number => performance.now();

interface CaseResult {
  registerNs: number;
  reregisterNs: number;
  deregisterNs: number;
  resolveNs: Record<string, number>;
  heapPerPe: number;
  mapInsertNs: number;
  mapGetNs: number;
}

function runCase(n: number, requestedPoolSize: number, report: boolean): CaseResult {
  // Every policy needs at least one pool.
  const poolSize = Math.min(requestedPoolSize, Math.ceil(n / POLICIES.length));
  const label = `${n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`} PEs, pools of ${poolSize}`;
  const l = layout(n, poolSize);
  const OWN = 1;
  const rng = new SeededRandom(n + poolSize);

  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const hs = new Handlespace({ ownRegistrarId: OWN });
  let params: PoolElementParameter[] | undefined = elements(l, 0, OWN);

  // Registration as a registrar does it: register + keep-alive transmission timer.
  let t0 = now();
  for (let i = 0; i < n; i++) {
    const r = hs.register({ poolHandle: l.handles[l.poolOf[i]!]!, element: params[i]!, connection: i, now: i });
    if (r.ok) hs.setTimer(r.value.element, 'keepAliveTransmission', 5000 + i);
  }
  const registerNs = ((now() - t0) * 1e6) / n;
  if (hs.size !== n) throw new Error(`registered ${hs.size} of ${n}`);
  params = undefined;
  gc();
  const heapPerPe = (process.memoryUsage().heapUsed - heapBefore) / n;

  // Re-registration: new policy objects (load/weight changes), same transports.
  params = elements(l, 1, OWN);
  t0 = now();
  for (let i = 0; i < n; i++) {
    const r = hs.register({ poolHandle: l.handles[l.poolOf[i]!]!, element: params[i]!, connection: i, now: n + i });
    if (r.ok) hs.setTimer(r.value.element, 'keepAliveTransmission', n + 5000 + i);
  }
  const reregisterNs = ((now() - t0) * 1e6) / n;
  params = undefined;

  // Handle resolutions: 3 PEs from a random pool of the policy.
  const resolveNs: Record<string, number> = {};
  const ops = quick ? 200_000 : 400_000;
  for (const policy of POLICIES) {
    const pools = l.handles.filter((_, i) => l.policyOfPool[i] === policy);
    const picks = new Int32Array(ops);
    for (let i = 0; i < ops; i++) picks[i] = Math.floor(rng.float() * pools.length);
    let sink = 0;
    t0 = now();
    for (let i = 0; i < ops; i++) sink += hs.select(pools[picks[i]!]!, 3, rng)!.length;
    resolveNs[policy] = ((now() - t0) * 1e6) / ops;
    if (sink === 0) throw new Error('no selection');
  }

  // Deregistration.
  t0 = now();
  for (let i = 0; i < n; i++) hs.deregister(l.handles[l.poolOf[i]!]!, l.idOf[i]!);
  const deregisterNs = ((now() - t0) * 1e6) / n;
  if (hs.size !== 0 || hs.poolCount !== 0) throw new Error('deregistration left PEs');

  // Baseline: a plain Map insert/get of the same keys (pool handle text + PE id), same values.
  const keys = new Array<string>(n);
  const decoder = new TextDecoder();
  const handleText = l.handles.map((h) => decoder.decode(h));
  for (let i = 0; i < n; i++) keys[i] = `${handleText[l.poolOf[i]!]}/${l.idOf[i]}`;
  const map = new Map<string, number>();
  t0 = now();
  for (let i = 0; i < n; i++) map.set(keys[i]!, i);
  const mapInsertNs = ((now() - t0) * 1e6) / n;
  let sum = 0;
  t0 = now();
  for (let i = 0; i < n; i++) sum += map.get(keys[(i * 7) % n]!)!;
  const mapGetNs = ((now() - t0) * 1e6) / n;
  if (sum < 0) throw new Error('unreachable');

  if (report) {
    record(`${label}: registrations/s`, 1e9 / registerNs, 'ops/s');
    record(`${label}: re-registrations/s`, 1e9 / reregisterNs, 'ops/s');
    record(`${label}: deregistrations/s`, 1e9 / deregisterNs, 'ops/s');
    for (const p of POLICIES) record(`${label}: handle resolutions/s (3 PEs, ${p})`, 1e9 / resolveNs[p]!, 'ops/s');
    record(`${label}: heap per PE`, heapPerPe, 'bytes');
    record(`${label}: baseline Map.set/s`, 1e9 / mapInsertNs, 'ops/s');
    record(`${label}: baseline Map.get/s`, 1e9 / mapGetNs, 'ops/s');
    record(`${label}: registration cost / Map.set cost`, registerNs / mapInsertNs, 'ratio');
    record(`${label}: resolution (RoundRobin) cost / Map.get cost`, resolveNs.RoundRobin! / mapGetNs, 'ratio');
  }
  return { registerNs, reregisterNs, deregisterNs, resolveNs, heapPerPe, mapInsertNs, mapGetNs };
}

const sizes = quick ? [1_000, 10_000, 100_000] : [1_000, 10_000, 100_000, 1_000_000];
const poolSizes = [10, 10_000];

// Warm-up (JIT) on a mid-size case, not reported.
runCase(20_000, 10, false);
runCase(20_000, 10_000, false);

for (const poolSize of poolSizes) {
  const results = new Map<number, CaseResult>();
  for (const n of sizes) results.set(n, runCase(n, poolSize, true));
  const small = results.get(sizes[0]!)!;
  const large = results.get(sizes[sizes.length - 1]!)!;
  const tag = `${sizes[sizes.length - 1]! / 1000}k vs 1k PEs, pools of ${poolSize}`;
  record(`cost ratio ${tag}: registration`, large.registerNs / small.registerNs, 'ratio');
  record(`cost ratio ${tag}: re-registration`, large.reregisterNs / small.reregisterNs, 'ratio');
  record(`cost ratio ${tag}: deregistration`, large.deregisterNs / small.deregisterNs, 'ratio');
  for (const p of POLICIES) {
    record(`cost ratio ${tag}: resolution ${p}`, large.resolveNs[p]! / small.resolveNs[p]!, 'ratio');
  }
}

if (json) console.log(JSON.stringify(metrics));
