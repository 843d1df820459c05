// Runs our CLI (src/cli/main.ts through tsx) inside the rig's namespace.
import type { ChildProcess } from 'node:child_process';
import { REPO_ROOT, type Vm } from '../../helpers/rig.js';

export interface CliResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
}

const argv = (args: readonly string[]): string[] => [
  process.execPath,
  '--import',
  'tsx',
  'src/cli/main.ts',
  ...args,
];

/** Runs a CLI command to completion (stdin: `input`, then EOF); kills it after `timeoutMs`. */
export function runCli(vm: Vm, args: readonly string[], input = '', timeoutMs = 30_000): Promise<CliResult> {
  const child = vm.spawnHost(argv(args), { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdin?.end(input);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

/** A long-running CLI command (e.g. `server`); its stderr is collected in `output()`. */
export interface CliProcess {
  readonly child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGINT (a clean stop: the server deregisters) and wait for the exit. */
  stop(): Promise<void>;
}

export function startCli(vm: Vm, args: readonly string[]): CliProcess {
  const child = vm.spawnHost(argv(args), { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const wake = new Set<() => void>();
  const collect = (d: Buffer): void => {
    out += d.toString();
    for (const w of wake) w();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return {
    child,
    output: () => out,
    waitFor: (pattern, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (!pattern.test(out)) return;
          wake.delete(check);
          clearTimeout(timer);
          resolve(out);
        };
        const timer = setTimeout(() => {
          wake.delete(check);
          reject(new Error(`CLI ${args[0]}: no ${pattern} within ${timeoutMs} ms; output:\n${out}`));
        }, timeoutMs);
        wake.add(check);
        check();
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill('SIGINT');
      }),
  };
}
