// tshark as an independent judge of what goes on the wire: per-frame checks (malformed packets, bad
// CRC32c, expert errors) and per-protocol message counts, plus a capture helper around a test.
import { type ChildProcess, spawn } from 'node:child_process';
import { run } from './rig.js';

/** UDP port tshark decodes as SCTP without being told (RFC 6951). */
const DEFAULT_SCTP_UDP_PORT = 9899;
/** Expert-info severity "error" (Wireshark's PI_ERROR). */
const EXPERT_ERROR = 0x800000;
/** sctp.checksum.status value of a bad checksum (Wireshark's PROTO_CHECKSUM_E_BAD). */
const CHECKSUM_BAD = 0;

/** ASAP message types, RFC 5352 §2.2. */
export const ASAP = {
  registration: 1,
  deregistration: 2,
  registrationResponse: 3,
  deregistrationResponse: 4,
  handleResolution: 5,
  handleResolutionResponse: 6,
  endpointKeepAlive: 7,
  endpointKeepAliveAck: 8,
  endpointUnreachable: 9,
  serverAnnounce: 10,
  cookie: 11,
  cookieEcho: 12,
  businessCard: 13,
  error: 14,
} as const;

/** ENRP message types, RFC 5353 §2. */
export const ENRP = {
  presence: 1,
  handleTableRequest: 2,
  handleTableResponse: 3,
  handleUpdate: 4,
  listRequest: 5,
  listResponse: 6,
  initTakeover: 7,
  initTakeoverAck: 8,
  takeoverServer: 9,
  error: 10,
} as const;

export interface TsharkOptions {
  /** Extra UDP ports to decode as SCTP (`-d udp.port==N,sctp`); 9899 is always decoded. */
  readonly sctpUdpPorts?: readonly number[];
  /** Display filter applied before counting (`-Y`). */
  readonly displayFilter?: string;
  readonly timeoutMs?: number;
}

export interface PcapSummary {
  readonly frames: number;
  /** Frame numbers (1-based) carrying a malformed-packet item. */
  readonly malformed: readonly number[];
  /** Frame numbers whose SCTP CRC32c is wrong. */
  readonly badChecksum: readonly number[];
  /** Frame numbers with an expert item of severity error (includes malformed frames). */
  readonly expertErrors: readonly number[];
  /** Message type → count, over all messages (bundled messages count one by one). */
  readonly asap: ReadonlyMap<number, number>;
  readonly enrp: ReadonlyMap<number, number>;
  /** SCTP chunk type → count. */
  readonly sctpChunks: ReadonlyMap<number, number>;
  /** Number of frames containing each protocol of frame.protocols (e.g. 'sctp', 'asap', 'udp'). */
  readonly protocols: ReadonlyMap<string, number>;
}

const FIELDS = [
  'frame.number',
  'frame.protocols',
  '_ws.malformed',
  '_ws.expert.severity',
  'sctp.checksum.status',
  'asap.message_type',
  'enrp.message_type',
  'sctp.chunk_type',
] as const;

export async function tsharkAvailable(): Promise<boolean> {
  return (await run('sh', ['-c', 'command -v tshark'], 5_000)).code === 0;
}

function decodeArgs(options: TsharkOptions): string[] {
  const ports = new Set([DEFAULT_SCTP_UDP_PORT, ...(options.sctpUdpPorts ?? [])]);
  ports.delete(DEFAULT_SCTP_UDP_PORT); // tshark's own default; -d for it would be redundant
  const args = ['-o', 'sctp.checksum:CRC 32c'];
  for (const port of ports) args.push('-d', `udp.port==${port},sctp`);
  if (options.displayFilter) args.push('-Y', options.displayFilter);
  return args;
}

const numbers = (cell: string): number[] =>
  cell === '' ? [] : cell.split(',').map((v) => Number.parseInt(v, 10));

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Reads a pcap with tshark (one pass, -T fields) and summarises it. */
export async function analysePcap(path: string, options: TsharkOptions = {}): Promise<PcapSummary> {
  const args = ['-r', path, '-n', ...decodeArgs(options), '-T', 'fields', '-E', 'separator=/t'];
  args.push('-E', 'occurrence=a', '-E', 'aggregator=,', ...FIELDS.flatMap((f) => ['-e', f]));
  const result = await run('tshark', args, options.timeoutMs ?? 120_000);
  if (result.code !== 0) throw new Error(`tshark -r ${path} failed (${result.code}): ${result.stderr}`);
  const summary = {
    frames: 0,
    malformed: [] as number[],
    badChecksum: [] as number[],
    expertErrors: [] as number[],
    asap: new Map<number, number>(),
    enrp: new Map<number, number>(),
    sctpChunks: new Map<number, number>(),
    protocols: new Map<string, number>(),
  };
  for (const line of result.stdout.split('\n')) {
    if (line === '') continue;
    const [
      frameCell = '',
      protos = '',
      malformed = '',
      severity = '',
      checksum = '',
      asap = '',
      enrp = '',
      chunks = '',
    ] = line.split('\t');
    const frame = Number.parseInt(frameCell, 10);
    summary.frames++;
    if (malformed !== '') summary.malformed.push(frame);
    if (numbers(severity).some((s) => s >= EXPERT_ERROR)) summary.expertErrors.push(frame);
    if (numbers(checksum).includes(CHECKSUM_BAD)) summary.badChecksum.push(frame);
    for (const t of numbers(asap)) bump(summary.asap, t);
    for (const t of numbers(enrp)) bump(summary.enrp, t);
    for (const t of numbers(chunks)) bump(summary.sctpChunks, t);
    for (const p of new Set(protos.split(':'))) if (p !== '') bump(summary.protocols, p);
  }
  return summary;
}

/** Throws with the offending frame numbers if the capture has malformed frames or bad checksums. */
export function assertCleanCapture(summary: PcapSummary, allowedMalformed: readonly number[] = []): void {
  const malformed = summary.malformed.filter((f) => !allowedMalformed.includes(f));
  const problems = [
    malformed.length > 0 ? `malformed frames ${malformed.join(' ')}` : '',
    summary.badChecksum.length > 0 ? `bad CRC32c in frames ${summary.badChecksum.join(' ')}` : '',
  ].filter((p) => p !== '');
  if (problems.length > 0) throw new Error(`capture not clean: ${problems.join('; ')}`);
}

export interface CaptureOptions {
  /** Interface (default 'lo'). */
  readonly iface?: string;
  /** Capture filter (BPF), e.g. 'udp port 9899'. */
  readonly filter?: string;
  /** Run tshark inside this network namespace (e.g. vm.netns, iface 'tap0'). */
  readonly netns?: string;
  /** How long to wait for tshark to start capturing (default 15 s). */
  readonly startTimeoutMs?: number;
}

export interface Capture {
  readonly file: string;
  /** Stops tshark (SIGINT, then SIGKILL after 10 s) and resolves once the file is complete. */
  stop(): Promise<string>;
}

function waitForCapturing(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tshark did not start capturing within ${timeoutMs} ms: ${stderr}`));
    }, timeoutMs);
    let fallback: NodeJS.Timeout | undefined;
    const ready = (): void => {
      clearTimeout(timer);
      clearTimeout(fallback);
      resolvePromise();
    };
    // "Capturing on" comes when tshark launches dumpcap, before packets are seen; tshark 4.0 then
    // logs "Capture started" once dumpcap runs. Versions that do not get a grace period instead.
    child.stderr?.on('data', (data: Buffer) => {
      stderr += data.toString();
      if (/Capture started/.test(stderr)) ready();
      else if (/Capturing on/.test(stderr) && fallback === undefined) fallback = setTimeout(ready, 1500);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      clearTimeout(fallback);
      reject(new Error(`tshark exited (${code}) before capturing: ${stderr}`));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolvePromise) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolvePromise();
      return;
    }
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(killer);
      resolvePromise();
    });
    child.kill('SIGINT');
  });
}

/** Starts `tshark -i IFACE -w FILE -f FILTER` (pcap format) and resolves once it is capturing. */
export async function startCapture(file: string, options: CaptureOptions = {}): Promise<Capture> {
  const tshark = ['tshark', '-i', options.iface ?? 'lo', '-w', file, '-F', 'pcap', '-q'];
  if (options.filter) tshark.push('-f', options.filter);
  const argv = options.netns ? ['ip', 'netns', 'exec', options.netns, ...tshark] : tshark;
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  // A hang guard only: tshark loads every dissector at start, which takes tens of seconds on a loaded machine.
  await waitForCapturing(child, options.startTimeoutMs ?? 90_000);
  return {
    file,
    stop: async () => {
      await stopChild(child);
      return file;
    },
  };
}

/** Runs `body` with a capture around it; the capture is stopped even if `body` throws. */
export async function withCapture<T>(
  file: string,
  options: CaptureOptions,
  body: () => Promise<T>,
): Promise<T> {
  const capture = await startCapture(file, options);
  try {
    return await body();
  } finally {
    await capture.stop();
  }
}
