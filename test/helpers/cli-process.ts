/**
 * A `rserpool` CLI child process for integration tests: stdout collected, stderr parsed as the JSON log
 * lines the long-running commands write, and waiters on both.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface LogLine {
  readonly time: string;
  readonly component: string;
  readonly level: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

/** A CLI child process: stdout collected, stderr parsed as JSON log lines, waiters on both. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderrText = '';
  readonly logs: { at: number; line: LogLine }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters = new Set<() => void>();
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(
    readonly name: string,
    args: readonly string[],
  ) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let partial = '';
    this.child.stdout!.setEncoding('utf8').on('data', (t: string) => {
      this.stdout += t;
      this.wake();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (t: string) => {
      this.stderrText += t;
      partial += t;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const text of lines) {
        if (!text.startsWith('{')) continue;
        try {
          this.logs.push({ at: Date.now(), line: JSON.parse(text) as LogLine });
        } catch {
          // not a log line
        }
      }
      this.wake();
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
        this.wake();
      }),
    );
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves with the first log line (past or future) that matches; rejects after timeoutMs. */
  waitLog(match: (l: LogLine) => boolean, timeoutMs: number): Promise<{ at: number; line: LogLine }> {
    return this.waitFor(() => this.logs.find((l) => match(l.line)), timeoutMs, 'log line');
  }

  waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = probe();
        if (found !== undefined) {
          done();
          resolve(found);
        } else if (!this.running) {
          done();
          reject(
            new Error(
              `${this.name} exited (${JSON.stringify(this.exitInfo)}) before ${what}:\n${this.stderrText}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms; stderr:\n${this.stderrText}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }
}

/** The CLI processes a test file started, so that its `after` hook can kill whatever is left. */
export class CliProcesses {
  readonly all: CliProcess[] = [];

  start(name: string, args: readonly string[]): CliProcess {
    const p = new CliProcess(name, args);
    this.all.push(p);
    return p;
  }

  /** SIGKILLs every process still running and waits until all have exited. */
  async killAll(): Promise<void> {
    for (const p of this.all) p.kill('SIGKILL');
    await Promise.all(this.all.map((p) => p.exited));
  }
}
