// The test side of driver.ts: starts a driver process in the rig's namespace, sends it commands and
// collects its events.
import type { ChildProcess } from 'node:child_process';
import type { Vm } from '../../helpers/rig.js';
import type { DriverCommand, DriverEvent, DriverMessage } from './driver.js';

type Op = DriverCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

export class Driver {
  readonly events: DriverEvent[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly waiters = new Set<() => void>();
  private stderr = '';
  private exited = false;

  private constructor(
    readonly child: ChildProcess,
    readonly label: string,
  ) {
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      if (this.stderr.length > 200_000) this.stderr = this.stderr.slice(-100_000);
    });
    child.on('message', (m: DriverMessage) => {
      if (m.kind === 'reply') {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.ok) p?.resolve(m.result);
        else p?.reject(new Error(`${label}: ${m.error}`));
      } else if (m.kind === 'event') {
        this.events.push(m);
        for (const w of this.waiters) w();
      }
    });
    child.once('exit', (code, signal) => {
      this.exited = true;
      for (const p of this.pending.values())
        p.reject(new Error(`${label} exited (${code ?? signal}) ${this.stderr.slice(-2000)}`));
      this.pending.clear();
    });
  }

  static start(vm: Vm, label: string): Promise<Driver> {
    const child = vm.spawnNode('test/interop/support/driver.ts');
    const driver = new Driver(child, label);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${label} did not start: ${driver.stderr}`)), 30_000);
      child.on('message', (m: DriverMessage) => {
        if (m.kind === 'ready') {
          clearTimeout(timer);
          resolve(driver);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${label} exited (${code}) at start: ${driver.stderr}`));
      });
    });
  }

  call<T = unknown>(command: Op, timeoutMs = 30_000): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.label} has exited`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.label}: ${command.op} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ ...command, id });
    });
  }

  /** Resolves with the first event (already seen or future) matching `match`. */
  waitEvent(what: string, match: (e: DriverEvent) => boolean, timeoutMs = 20_000): Promise<DriverEvent> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.find(match);
        if (!found) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${this.label}: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  get log(): string {
    return this.stderr;
  }

  /** SIGKILL: the process dies at once and sends nothing more. */
  sigkill(): void {
    this.child.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.disconnect?.();
    const t = setTimeout(() => this.child.kill('SIGKILL'), 8_000);
    await exited;
    clearTimeout(t);
  }
}

export const hex = (n: number): string => n.toString(16).padStart(8, '0');
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
