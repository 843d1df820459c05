/**
 * The test side of test/helpers/pe-farm.ts: spawns the farm as a child process and talks to it over
 * JSON lines (commands on stdin, replies on stdout).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { FarmCommand, FarmPe, FarmReply } from './pe-farm.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface PeFarmOptions {
  readonly seed: number;
  /** Registrars' ASAP endpoints; PE i of the initial population uses registrar i % n. */
  readonly registrars: readonly string[];
  /** "127.0.20.1-127.0.23.250" */
  readonly addresses: string;
  readonly count: number;
  readonly reregistrationIntervalMs: number;
  /** A freed address is reused after this long; more than the registrars' keep-alive interval +
   * timeout (default 8 s). */
  readonly addressRestMs?: number;
  /** A file for every PE event as a JSON line. */
  readonly trace?: string;
}

export class PeFarmProcess {
  readonly child: ChildProcess;
  readonly warnings: string[] = [];
  stderrText = '';
  private readonly queue: FarmReply[] = [];
  private readonly waiters: ((r: FarmReply) => boolean)[] = [];
  readonly exited: Promise<number | null>;

  constructor(options: PeFarmOptions) {
    const args = [
      '--import',
      'tsx',
      'test/helpers/pe-farm.ts',
      '--seed',
      String(options.seed),
      '--registrars',
      options.registrars.join(','),
      '--addresses',
      options.addresses,
      '--count',
      String(options.count),
      '--rereg-interval',
      String(options.reregistrationIntervalMs),
      ...(options.addressRestMs === undefined ? [] : ['--address-rest', String(options.addressRestMs)]),
      ...(options.trace ? ['--trace', options.trace] : []),
    ];
    this.child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.setEncoding('utf8').on('data', (t: string) => {
      this.stderrText += t;
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.onLine(line));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  /** Resolves when all PEs of the initial population have been started (not yet registered). */
  async started(timeoutMs: number): Promise<void> {
    await this.next('started', timeoutMs);
  }

  /** PE events by kind since the start, as of the last status. */
  events: Record<string, number> = {};

  /** `timeoutMs` only guards against a hung farm: 1,000 PEs in a starved process answer slowly. */
  async status(timeoutMs = 30_000): Promise<FarmPe[]> {
    this.command({ cmd: 'status' });
    const r = await this.next('status', timeoutMs);
    if (r.type !== 'status') return [];
    this.events = r.events;
    return r.pes;
  }

  /** Runs `ops` churn operations `everyMs` apart; resolves with what was done. */
  async churn(ops: number, everyMs: number, registrars: number[]): Promise<FarmReply> {
    this.command({ cmd: 'churn', ops, everyMs, registrars });
    // The pacing is the farm's; the slack covers starting and closing PEs on a loaded machine.
    return this.next('churned', ops * everyMs + 60_000);
  }

  /** Kills every PE (no deregistration) and ends the farm. */
  async exit(): Promise<void> {
    if (this.child.exitCode === null && this.child.stdin?.writable) this.command({ cmd: 'exit' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }

  private command(c: FarmCommand): void {
    this.child.stdin!.write(`${JSON.stringify(c)}\n`);
  }

  private onLine(line: string): void {
    let r: FarmReply;
    try {
      r = JSON.parse(line) as FarmReply;
    } catch {
      return;
    }
    if (r.type === 'warning') {
      this.warnings.push(r.message);
      return;
    }
    const i = this.waiters.findIndex((w) => w(r));
    if (i >= 0) this.waiters.splice(i, 1);
    else this.queue.push(r);
  }

  private next(type: FarmReply['type'], timeoutMs: number): Promise<FarmReply> {
    const queued = this.queue.findIndex((r) => r.type === type);
    if (queued >= 0) return Promise.resolve(this.queue.splice(queued, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`PE farm: no '${type}' within ${timeoutMs} ms; stderr:\n${this.stderrText}`));
      }, timeoutMs);
      const waiter = (r: FarmReply): boolean => {
        if (r.type !== type) return false;
        clearTimeout(timer);
        resolve(r);
        return true;
      };
      this.waiters.push(waiter);
    });
  }
}
