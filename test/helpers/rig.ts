// Typed wrapper around ../shared/rig/rsplib-vm: boots RSPLIB in a QEMU VM inside network namespace
// rsplib-vm-N (host side 10.77.N.1, guest 10.77.N.2) for the interoperability tests.
// Findings behind the choices here (ports, addresses, timings) are in docs/interop.md.
import { type ChildProcess, execFile, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const RIG_SCRIPT = resolve(REPO_ROOT, '../shared/rig/rsplib-vm');
export const RIG_HOME = process.env['RSPLIB_VM_HOME'] ?? '/var/tmp/rsplib-vm';
/** UDP port of SCTP over UDP (RFC 6951). The guest kernel sends every INIT it originates to this port. */
export const SCTP_UDP_PORT = 9899;

/**
 * VM numbers of the test files. Each interop test file boots its own VM with its own number, so that
 * files running in parallel never share one; a per-number lock (see acquireLock) guards against
 * mistakes. 0..9 belong to people and to the fixture scripts (they use VM 0); tests use 10..49
 * (.ci/run stops leftovers in that range). Add a line here when adding an interop test file.
 */
export const VM_NUMBERS = {
  rigSmoke: 10,
  rigReachability: 11,
  rsplibAtOurRegistrar: 12,
  oursAtRsplibRegistrar: 13,
  sctpKernel: 14,
  sessionsRsplibClients: 16,
  sessionsOurClients: 17,
  enrpRsplib: 18,
  hsdumpRsplib: 19,
  takeoverSuggestionRsplib: 20,
} as const;

const LOCK_DIR = '/tmp/rserpool-rig-locks';

export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

export interface RigStatus {
  readonly available: boolean;
  /** Why the rig cannot be used (when not available). */
  readonly reason: string;
}

/** Runs a program without a shell; never throws on a non-zero exit, rejects only on timeout. */
export function run(file: string, args: readonly string[], timeoutMs = 30_000): Promise<CommandResult> {
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      file,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error && child.killed) {
          reject(new Error(`${file} ${args.join(' ')}: timed out after ${timeoutMs} ms\n${stderr}`));
          return;
        }
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolvePromise({ stdout, stderr, code });
      },
    );
    child.stdin?.end();
  });
}

async function onPath(program: string): Promise<boolean> {
  return (await run('sh', ['-c', `command -v ${program}`], 5_000)).code === 0;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether the rig can boot a VM here: root, the rig script, qemu, ip, python3, and `setup` done. */
export async function rigStatus(): Promise<RigStatus> {
  const no = (reason: string): RigStatus => ({ available: false, reason });
  if (process.platform !== 'linux') return no('the rig needs Linux');
  if (process.getuid?.() !== 0) return no('the rig needs root (network namespaces, tap)');
  if (!(await exists(RIG_SCRIPT))) return no(`rig script not found at ${RIG_SCRIPT}`);
  for (const program of ['qemu-system-x86_64', 'ip', 'python3']) {
    if (!(await onPath(program)))
      return no(`${program} is not installed (scripts/interop/ensure-system-deps.sh)`);
  }
  for (const file of ['vmlinuz', 'initrd.gz', 'version']) {
    if (!(await exists(resolve(RIG_HOME, file)))) return no(`rig image missing: run ${RIG_SCRIPT} setup`);
  }
  return { available: true, reason: '' };
}

export async function rigAvailable(): Promise<boolean> {
  return (await rigStatus()).available;
}

/** RSERPOOL_INTEROP=require (set by .ci/run) turns a missing rig or tool into a failure. */
export function interopRequired(): boolean {
  return process.env['RSERPOOL_INTEROP'] === 'require';
}

/**
 * For node:test's `skip` option: false when `status` is available, else the skip reason; throws
 * instead when RSERPOOL_INTEROP=require, so CI cannot pass by skipping.
 */
export function skipUnlessAvailable(status: RigStatus, what = 'RSPLIB rig'): string | false {
  if (status.available) return false;
  const message = `${what} unavailable: ${status.reason}`;
  if (interopRequired()) throw new Error(`${message} (RSERPOOL_INTEROP=require)`);
  return `${message}; set up with scripts/interop/ensure-system-deps.sh and ${RIG_SCRIPT} setup`;
}

/** Convenience for a test file: `describe('x', { skip: await rigSkip() }, ...)`. */
export async function rigSkip(): Promise<string | false> {
  return skipUnlessAvailable(await rigStatus());
}

function rig(args: readonly (string | number)[], timeoutMs: number): Promise<CommandResult> {
  return run('bash', [RIG_SCRIPT, ...args.map((a) => String(a))], timeoutMs);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One VM number at a time across processes: an exclusive lock file holding the owner's pid. */
async function acquireLock(n: number, timeoutMs: number): Promise<string> {
  await mkdir(LOCK_DIR, { recursive: true });
  const path = resolve(LOCK_DIR, `${n}.lock`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const owner = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
    if (!Number.isInteger(owner) || !processAlive(owner)) {
      await unlink(path).catch(() => undefined); // stale: its owner died without cleaning up
      continue;
    }
    if (Date.now() > deadline) throw new Error(`rig VM ${n} is in use by pid ${owner}`);
    await sleep(500);
  }
}

export interface NodeProcessOptions {
  /** Extra environment variables for the child. */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra node flags before the script, e.g. ['--enable-source-maps']. */
  readonly nodeArgs?: readonly string[];
}

export interface Vm {
  readonly n: number;
  readonly netns: string;
  /** The guest's address (eth0): where RSPLIB's programs bind. */
  readonly guestIp: string;
  /** The host side of the tap inside the namespace: where our processes bind (UDP 9899). */
  readonly hostIp: string;
  /** Wall-clock time `rsplib-vm up` took, in ms. */
  readonly bootMs: number;
  /** Runs a shell command in the guest and returns its combined output (the exit status is lost). */
  guest(cmd: string, timeoutMs?: number): Promise<string>;
  /** Runs a shell command in the guest and returns its output and exit status. */
  guestRun(cmd: string, timeoutMs?: number): Promise<{ output: string; code: number }>;
  /**
   * Starts `cmd` in the guest in the background (exec'd, so /tmp/NAME.pid is its pid); output goes
   * to /tmp/NAME.log there. `cmd` must not contain single quotes (the rig wraps it in sh -c '...').
   */
  spawn(name: string, cmd: string): Promise<void>;
  /** Sends a signal (INT, TERM, KILL, STOP, CONT) to a program started with spawn. */
  signal(name: string, signal: string): Promise<void>;
  /** /tmp/NAME.log of the guest. */
  log(name: string): Promise<string>;
  /** Polls /tmp/NAME.log until it matches; returns the log. */
  waitForLog(name: string, pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Copies a file out of the guest. */
  fetch(guestPath: string, hostPath: string, timeoutMs?: number): Promise<void>;
  /**
   * Adds 10.77.N.K to the namespace's tap so that a second process of ours can own UDP 9899 on its own
   * address (the guest reaches it like 10.77.N.1). Returns the address. K: 3..254.
   */
  addHostIp(k: number): Promise<string>;
  /** Runs a program on the host side inside the namespace (where the guest is reachable). */
  host(argv: readonly string[], timeoutMs?: number): Promise<CommandResult>;
  /** Starts a long-running program inside the namespace; it is killed by down() if still running. */
  spawnHost(argv: readonly string[], options?: SpawnOptions): ChildProcess;
  /**
   * Starts `node --import tsx SCRIPT ARGS` inside the namespace (cwd = repository root) with an IPC
   * channel: the child can bind 10.77.N.1:9899 and talk SCTP over UDP with the guest, and report to
   * the test with process.send(). Killed by down() if still running.
   */
  spawnNode(script: string, args?: readonly string[], options?: NodeProcessOptions): ChildProcess;
  /** The capture QEMU makes of the guest's network card (complete only after down()). */
  pcapPath(): string;
  consolePath(): string;
  /** Stops the VM, kills host-side children, removes the namespace, releases the number. */
  down(): Promise<void>;
}

class RigVm implements Vm {
  readonly netns: string;
  readonly guestIp: string;
  readonly hostIp: string;
  private readonly children = new Set<ChildProcess>();
  private stopped = false;
  private readonly onExit = (): void => this.downSync();
  /** Stops the VM, then lets the signal do what it would have done without this listener. */
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.downSync();
    process.kill(process.pid, signal);
  };

  constructor(
    readonly n: number,
    readonly bootMs: number,
    private readonly lockPath: string,
  ) {
    this.netns = `rsplib-vm-${n}`;
    this.guestIp = `10.77.${n}.2`;
    this.hostIp = `10.77.${n}.1`;
    process.once('exit', this.onExit);
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  private removeHooks(): void {
    process.removeListener('exit', this.onExit);
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
  }

  async guest(cmd: string, timeoutMs = 30_000): Promise<string> {
    const result = await rig(['guest', this.n, cmd], timeoutMs);
    if (result.code !== 0) throw new Error(`guest ${this.n}: rig exit ${result.code}: ${result.stderr}`);
    return result.stdout;
  }

  async guestRun(cmd: string, timeoutMs = 30_000): Promise<{ output: string; code: number }> {
    const marker = '@@rserpool-exit=';
    const output = await this.guest(`{ ${cmd}\n} 2>&1; echo "${marker}$?"`, timeoutMs);
    const at = output.lastIndexOf(marker);
    if (at < 0) throw new Error(`guest ${this.n}: no exit status in output: ${output}`);
    return { output: output.slice(0, at), code: Number.parseInt(output.slice(at + marker.length), 10) };
  }

  async spawn(name: string, cmd: string): Promise<void> {
    if (!/^[\w.-]+$/.test(name)) throw new Error(`spawn: bad name ${name}`);
    if (cmd.includes("'")) throw new Error('spawn: the command must not contain single quotes');
    const result = await rig(['spawn', this.n, name, `echo $$ > /tmp/${name}.pid; exec ${cmd}`], 30_000);
    if (!result.stdout.includes(`started ${name}`)) throw new Error(`spawn ${name} failed: ${result.stderr}`);
  }

  async signal(name: string, signal: string): Promise<void> {
    if (!/^[A-Z]+$/.test(signal)) throw new Error(`signal: bad signal ${signal}`);
    await this.guest(`kill -${signal} $(cat /tmp/${name}.pid)`);
  }

  async log(name: string): Promise<string> {
    return this.guest(`cat /tmp/${name}.log 2>/dev/null`);
  }

  async waitForLog(name: string, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = await this.log(name);
      if (pattern.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`guest log ${name} never matched ${pattern}:\n${text}`);
      await sleep(500);
    }
  }

  async fetch(guestPath: string, hostPath: string, timeoutMs = 60_000): Promise<void> {
    const result = await rig(['fetch', this.n, guestPath, hostPath], timeoutMs);
    if (result.code !== 0) throw new Error(`fetch ${guestPath}: ${result.stderr}`);
  }

  async addHostIp(k: number): Promise<string> {
    if (!Number.isInteger(k) || k < 3 || k > 254) throw new Error(`addHostIp: K must be 3..254, not ${k}`);
    const ip = `10.77.${this.n}.${k}`;
    const result = await this.host(['ip', 'addr', 'add', `${ip}/24`, 'dev', 'tap0']);
    if (result.code !== 0 && !result.stderr.includes('File exists'))
      throw new Error(`addHostIp: ${result.stderr}`);
    return ip;
  }

  host(argv: readonly string[], timeoutMs = 30_000): Promise<CommandResult> {
    return run('ip', ['netns', 'exec', this.netns, ...argv], timeoutMs);
  }

  spawnHost(argv: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.netns, ...argv], { stdio: 'pipe', ...options });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  spawnNode(script: string, args: readonly string[] = [], options: NodeProcessOptions = {}): ChildProcess {
    const argv = [process.execPath, '--import', 'tsx', ...(options.nodeArgs ?? []), script, ...args];
    return this.spawnHost(argv, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
  }

  pcapPath(): string {
    return resolve(RIG_HOME, 'run', String(this.n), 'guest.pcap');
  }

  consolePath(): string {
    return resolve(RIG_HOME, 'run', String(this.n), 'console.log');
  }

  async down(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.removeHooks();
    for (const child of this.children) child.kill('SIGKILL');
    await rig(['down', this.n], 30_000).catch(() => undefined);
    await unlink(this.lockPath).catch(() => undefined);
  }

  /** Last resort when the test process exits, or is told to stop, without having called down(). */
  private downSync(): void {
    this.removeHooks();
    if (this.stopped) return;
    this.stopped = true;
    for (const child of this.children) child.kill('SIGKILL');
    spawnSync('bash', [RIG_SCRIPT, 'down', String(this.n)], { stdio: 'ignore', timeout: 30_000 });
    spawnSync('rm', ['-f', this.lockPath]);
  }
}

export interface BootOptions {
  /** How long to wait for another process using the same VM number (default 10 min). */
  readonly lockTimeoutMs?: number;
  /** Boot timeout (default 180 s; the rig itself gives up after 120 s). */
  readonly bootTimeoutMs?: number;
}

/**
 * Boots VM n (namespace rsplib-vm-n) and waits until its shell answers; about 11 s on this machine
 * kind (TCG). Always pair with `await vm.down()` (an exit hook stops it if the process ends first).
 * Also writes /etc/passwd in the guest, which the guest's tcpdump needs.
 */
export async function bootVm(n = 0, options: BootOptions = {}): Promise<Vm> {
  if (!Number.isInteger(n) || n < 0 || n > 249) throw new Error(`VM number must be 0..249, not ${n}`);
  const lockPath = await acquireLock(n, options.lockTimeoutMs ?? 600_000);
  const started = Date.now();
  const result = await rig(['up', n], options.bootTimeoutMs ?? 180_000).catch((error: Error) => ({
    stdout: '',
    stderr: error.message,
    code: -1,
  }));
  const vm = new RigVm(n, Date.now() - started, lockPath);
  if (result.code !== 0) {
    await vm.down();
    throw new Error(`rsplib-vm up ${n} failed (exit ${result.code}): ${result.stdout}${result.stderr}`);
  }
  await vm.guest(
    'echo root:x:0:0:root:/tmp:/bin/sh > /etc/passwd; echo tcpdump:x:0:0::/tmp:/bin/sh >> /etc/passwd; echo root:x:0: > /etc/group',
  );
  return vm;
}
