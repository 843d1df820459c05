// Per-frame tshark listing for the interop tests: who sent each ASAP message, its type, flags and
// error causes, and whether tshark found it malformed or raised an expert error. Complements
// analysePcap (counts) when a test must tell RSPLIB's frames from ours.
import { copyFile } from 'node:fs/promises';
import { RIG_SCRIPT, run, type Vm } from '../../helpers/rig.js';

export interface AsapFrame {
  readonly frame: number;
  readonly src: string;
  readonly dst: string;
  /** ASAP message types in this frame (bundled messages one by one). */
  readonly types: readonly number[];
  readonly flags: readonly number[];
  readonly causes: readonly number[];
  readonly malformed: boolean;
  readonly expertError: boolean;
}

const EXPERT_ERROR = 0x800000;
const FIELDS = [
  'frame.number',
  'ip.src',
  'ip.dst',
  'asap.message_type',
  'asap.message_flags',
  'asap.cause_code',
  '_ws.malformed',
  '_ws.expert.severity',
];

const list = (cell: string | undefined, radix = 10): number[] =>
  !cell ? [] : cell.split(',').map((v) => Number.parseInt(v, v.startsWith('0x') ? 16 : radix));

/** Every frame carrying ASAP, or malformed, or with an expert error. */
export async function asapFrames(path: string): Promise<AsapFrame[]> {
  const args = [
    '-r',
    path,
    '-n',
    '-o',
    'sctp.checksum:CRC 32c',
    '-Y',
    'asap || _ws.malformed || _ws.expert.severity >= 0x800000',
  ];
  args.push('-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,');
  for (const f of FIELDS) args.push('-e', f);
  const result = await run('tshark', args, 120_000);
  if (result.code !== 0) throw new Error(`tshark -r ${path}: ${result.stderr}`);
  const out: AsapFrame[] = [];
  for (const line of result.stdout.split('\n')) {
    if (line === '') continue;
    const [frame, src = '', dst = '', types, flags, causes, malformed, severity] = line.split('\t');
    out.push({
      frame: Number.parseInt(frame ?? '0', 10),
      src: src.split(',')[0] ?? '',
      dst: dst.split(',')[0] ?? '',
      types: list(types),
      flags: list(flags, 16),
      causes: list(causes, 16),
      malformed: (malformed ?? '') !== '',
      expertError: list(severity).some((s) => s >= EXPERT_ERROR),
    });
  }
  return out;
}

/** ASAP Registration Response (3) with the R flag and cause 0x5 and nothing else: RSPLIB's data-less
 * policy-inconsistency reject, which tshark 4.0 marks malformed (fixture A frame 298). */
export const isPolicyReject = (f: AsapFrame): boolean =>
  f.types.length === 1 && f.types[0] === 3 && ((f.flags[0] ?? 0) & 1) === 1 && f.causes.join() === '5';

export interface SctpOnAsapPort {
  readonly frame: number;
  readonly chunkTypes: readonly number[];
  readonly checksumGood: boolean;
  readonly malformed: boolean;
}

/**
 * SCTP packets sent to UDP port 3863 (not multicast): our stack's INIT copies to "UDP port = the peer's
 * SCTP port" (docs/sctp.md, tryPeerSctpPortAsUdpPort). tshark decodes UDP 3863 as ASAP (the Server
 * Announce port) and calls them malformed ASAP; decoded as SCTP (-d udp.port==3863,sctp) they must be
 * clean SCTP with a good CRC32c.
 */
export async function sctpOnAsapPort(path: string): Promise<SctpOnAsapPort[]> {
  const args = ['-r', path, '-n', '-o', 'sctp.checksum:CRC 32c', '-d', 'udp.port==3863,sctp'];
  args.push('-Y', 'udp.dstport == 3863 && !(ip.dst == 224.0.0.0/4)', '-T', 'fields', '-E', 'separator=/t');
  args.push('-E', 'occurrence=a', '-E', 'aggregator=,');
  for (const f of ['frame.number', 'sctp.chunk_type', 'sctp.checksum.status', '_ws.malformed'])
    args.push('-e', f);
  const result = await run('tshark', args, 120_000);
  if (result.code !== 0) throw new Error(`tshark -r ${path}: ${result.stderr}`);
  return result.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const [frame, chunks, checksum, malformed] = line.split('\t');
      return {
        frame: Number.parseInt(frame ?? '0', 10),
        chunkTypes: list(chunks),
        checksumGood: list(checksum).length > 0 && !list(checksum).includes(0),
        malformed: (malformed ?? '') !== '',
      };
    });
}

/**
 * The frames of a capture that tshark finds malformed or in error, split: RSPLIB's policy rejects
 * (allowed: tshark 4.0 cannot decode RSPLIB's data-less cause 0x5), our SCTP INIT copies to UDP 3863
 * (allowed if clean as SCTP) and the rest (must be empty).
 */
export async function judgeCapture(path: string, rsplibIps: readonly string[]) {
  const frames = await asapFrames(path);
  const bad = frames.filter((f) => f.malformed || f.expertError);
  const probes = new Map((await sctpOnAsapPort(path)).map((p) => [p.frame, p]));
  const rsplibRejects = bad.filter((f) => rsplibIps.includes(f.src) && isPolicyReject(f));
  const initCopies = bad.filter((f) => {
    const p = probes.get(f.frame);
    return p !== undefined && !p.malformed && p.checksumGood && !rsplibIps.includes(f.src);
  });
  const rest = bad.filter((f) => !rsplibRejects.includes(f) && !initCopies.includes(f));
  return { frames, rsplibRejects, initCopies, rest, probes: [...probes.values()] };
}

export interface ShutdownAckRetransmission {
  /** "srcIp:srcPort > dstIp:dstPort" of the SHUTDOWN ACK (SCTP ports). */
  readonly association: string;
  readonly times: readonly number[];
}

/**
 * SHUTDOWN ACKs that `from` sent more than once on one association: the other side never answered with
 * SHUTDOWN COMPLETE (RFC 9260 §9.2), e.g. because it closed its socket first.
 */
export async function repeatedShutdownAcks(path: string, from: string): Promise<ShutdownAckRetransmission[]> {
  const args = ['-r', path, '-n', '-Y', `ip.src == ${from} && sctp.chunk_type == 8 && !icmp`];
  args.push('-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f');
  for (const f of ['frame.time_relative', 'ip.src', 'ip.dst', 'sctp.srcport', 'sctp.dstport'])
    args.push('-e', f);
  const result = await run('tshark', args, 120_000);
  if (result.code !== 0) throw new Error(`tshark -r ${path}: ${result.stderr}`);
  const byAssoc = new Map<string, number[]>();
  for (const line of result.stdout.split('\n')) {
    if (line === '') continue;
    const [time = '0', src, dst, sport, dport] = line.split('\t');
    const key = `${src}:${sport} > ${dst}:${dport}`;
    byAssoc.set(key, [...(byAssoc.get(key) ?? []), Number.parseFloat(time)]);
  }
  return [...byAssoc]
    .filter(([, times]) => times.length > 1)
    .map(([association, times]) => ({ association, times }));
}

/**
 * Stops VM `vm.n` (QEMU completes its guest NIC capture when it exits) but keeps the VM number's lock,
 * and copies the capture to `dest`: after `vm.down()` the next process waiting for the number boots it
 * again and overwrites the capture (seen when two runs of these tests overlapped).
 */
export async function stopVmAndCopyCapture(vm: Vm, dest: string): Promise<string> {
  const down = await run('bash', [RIG_SCRIPT, 'down', String(vm.n)], 60_000);
  if (down.code !== 0) throw new Error(`rsplib-vm down ${vm.n}: ${down.stderr}`);
  await copyFile(vm.pcapPath(), dest);
  return dest;
}
