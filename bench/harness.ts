/**
 * A small benchmark harness shared by the bench/*.bench.ts scripts.
 *
 *   import { compare, report, runBench } from './harness.js';
 *   const subject = runBench('decode X', () => decode(bytes));
 *   const baseline = runBench('JSON.parse X', () => JSON.parse(text));
 *   report([...compare('decode X', 'msg/s', subject, baseline)]);
 *
 * `runBench` warms the function up, then runs several time-boxed rounds (process.hrtime.bigint) and
 * takes the median rate, in operations per second. Results are kept in a sink so that the work cannot
 * be optimised away. `report` prints an aligned table, or, when the script runs with `--json`, only a
 * JSON array of {metric, value, unit} records (nothing else on stdout). Rates depend on the machine:
 * compare a subject with a baseline measured in the same process, never across runs.
 */

export interface BenchOptions {
  /** Warm-up time before measuring (ms). */
  readonly warmupMs?: number;
  /** Length of one measured round (ms). */
  readonly roundMs?: number;
  /** Number of rounds; the median is reported. */
  readonly rounds?: number;
}

export interface BenchResult {
  readonly name: string;
  /** Median operations per second. */
  readonly opsPerSecond: number;
  /** Rate of every round. */
  readonly roundRates: readonly number[];
}

export interface Metric {
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
}

export const jsonOutput = process.argv.includes('--json');

/** Keeps benchmark results alive so the optimiser cannot drop the measured work. */
export let sink: unknown;

function timeBox(fn: () => unknown, ms: number): number {
  const budget = BigInt(Math.round(ms * 1e6));
  const start = process.hrtime.bigint();
  let ops = 0;
  let batch = 1;
  for (;;) {
    for (let i = 0; i < batch; i++) sink = fn();
    ops += batch;
    const elapsed = process.hrtime.bigint() - start;
    if (elapsed >= budget) return (ops * 1e9) / Number(elapsed);
    // Grow the batch so that reading the clock costs little, but stay well inside the budget.
    if (elapsed * 8n < budget) batch *= 2;
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function runBench(name: string, fn: () => unknown, options: BenchOptions = {}): BenchResult {
  timeBox(fn, options.warmupMs ?? 150);
  const roundRates: number[] = [];
  for (let i = 0; i < (options.rounds ?? 5); i++) roundRates.push(timeBox(fn, options.roundMs ?? 200));
  return { name, opsPerSecond: median(roundRates), roundRates };
}

/** Three records: the subject's rate, the baseline's rate and subject ÷ baseline. */
export function compare(metric: string, unit: string, subject: BenchResult, baseline: BenchResult): Metric[] {
  return [
    { metric, value: Math.round(subject.opsPerSecond), unit },
    { metric: `${metric} baseline (${baseline.name})`, value: Math.round(baseline.opsPerSecond), unit },
    {
      metric: `${metric} ratio to baseline`,
      value: Number((subject.opsPerSecond / baseline.opsPerSecond).toFixed(3)),
      unit: 'x',
    },
  ];
}

/** Prints the metrics: JSON array only with --json, else a table. */
export function report(metrics: readonly Metric[]): void {
  if (jsonOutput) {
    console.log(JSON.stringify(metrics));
    return;
  }
  const width = Math.max(...metrics.map((m) => m.metric.length));
  for (const m of metrics)
    console.log(`${m.metric.padEnd(width)}  ${m.value.toLocaleString('en-US').padStart(14)} ${m.unit}`);
}

/** Progress output that never pollutes --json output. */
export function note(text: string): void {
  if (!jsonOutput) console.log(text);
}
