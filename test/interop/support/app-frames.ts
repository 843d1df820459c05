// Issue 7: per-message tshark listing of the PE–PU data associations: the control channel (ASAP Cookie /
// Cookie Echo, PPID 11) and the application protocols Fractal Generator (PPID 32), Ping-Pong (33) and
// CalcApp (34), with sender, malformed and expert-error flags. tshark's own dissectors are the judge
// (independent of our codecs).
import { run } from '../../helpers/rig.js';

export const PPID = { asap: 11, fractal: 32, pingpong: 33, calcapp: 34 } as const;

export interface AppFrame {
  readonly frame: number;
  readonly src: string;
  readonly dst: string;
  /** PPIDs of the DATA chunks of this frame, in order. */
  readonly ppids: readonly number[];
  readonly asap: readonly number[];
  readonly pingpong: readonly number[];
  readonly calcapp: readonly number[];
  readonly fractal: readonly number[];
  readonly malformed: boolean;
  readonly expertError: boolean;
}

const EXPERT_ERROR = 0x800000;
const FIELDS = [
  'frame.number',
  'ip.src',
  'ip.dst',
  'sctp.data_payload_proto_id',
  'asap.message_type',
  'pingpongprotocol.message_type',
  'calcappprotocol.message_type',
  'fractalgeneratorprotocol.message_type',
  '_ws.malformed',
  '_ws.expert.severity',
];

const list = (cell: string | undefined): number[] =>
  !cell ? [] : cell.split(',').map((v) => Number.parseInt(v, v.startsWith('0x') ? 16 : 10));

/** Every frame with a DATA chunk of PPID 11, 32, 33 or 34, or malformed, or with an expert error. */
export async function appFrames(path: string): Promise<AppFrame[]> {
  const args = ['-r', path, '-n', '-o', 'sctp.checksum:CRC 32c', '-Y'];
  args.push(
    [11, 32, 33, 34].map((p) => `sctp.data_payload_proto_id == ${p}`).join(' || ') +
      ' || _ws.malformed || _ws.expert.severity >= 0x800000',
  );
  args.push('-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,');
  for (const f of FIELDS) args.push('-e', f);
  const result = await run('tshark', args, 120_000);
  if (result.code !== 0) throw new Error(`tshark -r ${path}: ${result.stderr}`);
  const out: AppFrame[] = [];
  for (const line of result.stdout.split('\n')) {
    if (line === '') continue;
    const [frame, src = '', dst = '', ppids, asap, pp, ca, fg, malformed, severity] = line.split('\t');
    out.push({
      frame: Number.parseInt(frame ?? '0', 10),
      src: src.split(',')[0] ?? '',
      dst: dst.split(',')[0] ?? '',
      ppids: list(ppids),
      asap: list(asap),
      pingpong: list(pp),
      calcapp: list(ca),
      fractal: list(fg),
      malformed: (malformed ?? '') !== '',
      expertError: list(severity).some((s) => s >= EXPERT_ERROR),
    });
  }
  return out;
}

export interface AppCounts {
  /** "from->to protocol type" → count, e.g. "guest->ours pingpong 2". */
  readonly counts: Record<string, number>;
  readonly bad: readonly AppFrame[];
}

/** Counts messages by direction, protocol and type; `bad` lists malformed or expert-error frames. */
export function countApp(frames: readonly AppFrame[], guestIp: string): AppCounts {
  const counts: Record<string, number> = {};
  const bump = (k: string): void => {
    counts[k] = (counts[k] ?? 0) + 1;
  };
  for (const f of frames) {
    const dir = f.src === guestIp ? 'rsplib->ours' : 'ours->rsplib';
    for (const t of f.asap) bump(`${dir} asap ${t}`);
    for (const t of f.pingpong) bump(`${dir} pingpong ${t}`);
    for (const t of f.calcapp) bump(`${dir} calcapp ${t}`);
    for (const t of f.fractal) bump(`${dir} fractal ${t}`);
  }
  return { counts, bad: frames.filter((f) => f.malformed || f.expertError) };
}

/** Guest log lines without colour escapes. */
export const plain = (log: string): string =>
  log.replaceAll(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');

export interface CookieEchoFrame {
  readonly frame: number;
  readonly src: string;
  readonly dst: string;
  /** The echoed cookie, as tshark's ASAP dissector reads it (asap.cookie). */
  readonly cookie: Buffer;
}

/** Every ASAP Cookie Echo (type 12) of a capture, with its cookie as tshark decodes it. */
export async function cookieEchos(path: string): Promise<CookieEchoFrame[]> {
  const args = ['-r', path, '-n', '-Y', 'asap.message_type == 12', '-T', 'fields', '-E', 'separator=/t'];
  for (const f of ['frame.number', 'ip.src', 'ip.dst', 'asap.cookie']) args.push('-e', f);
  const result = await run('tshark', args, 120_000);
  if (result.code !== 0) throw new Error(`tshark -r ${path}: ${result.stderr}`);
  return result.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const [frame = '0', src = '', dst = '', cookie = ''] = line.split('\t');
      return { frame: Number(frame), src, dst, cookie: Buffer.from(cookie.replaceAll(':', ''), 'hex') };
    });
}

/** RSPLIB's Ping-Pong cookie: `<PP-TD1>` + ReplyNo u64 (the next Pong's). */
export function pingPongCookieReplyNo(cookie: Buffer): number | undefined {
  if (cookie.length !== 16 || cookie.subarray(0, 8).toString('latin1') !== '<PP-TD1>') return undefined;
  return Number(cookie.readBigUInt64BE(8));
}

export interface FractalDataMessage {
  readonly frame: number;
  readonly startX: number;
  readonly startY: number;
  readonly values: readonly number[];
}

/** Every FGP Data message (type 2) of a capture as tshark's FGP dissector reads it (one per frame). */
export async function fractalData(path: string): Promise<FractalDataMessage[]> {
  const args = ['-r', path, '-n', '-Y', 'fractalgeneratorprotocol.message_type == 2', '-T', 'fields'];
  args.push('-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=/s');
  for (const f of ['frame.number', 'data_start_x', 'data_start_y', 'data_points', 'buffer'])
    args.push('-e', f === 'frame.number' ? f : `fractalgeneratorprotocol.${f}`);
  const result = await run('tshark', args, 120_000);
  if (result.code !== 0) throw new Error(`tshark -r ${path}: ${result.stderr}`);
  const out: FractalDataMessage[] = [];
  for (const line of result.stdout.split('\n')) {
    if (line === '') continue;
    const [frame = '0', xs = '', ys = '', ns = '', bufs = ''] = line.split('\t');
    const x = xs.split(' ');
    const y = ys.split(' ');
    const n = ns.split(' ');
    const b = bufs.split(' ');
    for (let i = 0; i < x.length; i++) {
      const bytes = Buffer.from((b[i] ?? '').replaceAll(':', ''), 'hex');
      const count = Number(n[i] ?? 0);
      const values = Array.from({ length: Math.min(count, bytes.length >> 2) }, (_, k) =>
        bytes.readUInt32BE(4 * k),
      );
      out.push({ frame: Number(frame), startX: Number(x[i]), startY: Number(y[i]), values });
    }
  }
  return out;
}
