// Per-message tshark listing of ENRP Handle Updates: who sent which update (add or delete, T flag) about
// which PE, and when. Read from tshark's JSON tree so that bundled messages (several DATA chunks in one
// packet) are told apart: each ENRP message is its own `enrp` layer with its own fields.
import { run } from '../../helpers/rig.js';

export interface HandleUpdateFrame {
  readonly frame: number;
  /** Seconds since the first frame of the capture. */
  readonly time: number;
  readonly src: string;
  readonly dst: string;
  readonly senderId: number;
  readonly receiverId: number;
  /** The T flag: takeover suggested (draft-dreibholz-rserpool-enrp-takeover). */
  readonly takeoverSuggested: boolean;
  readonly action: 'add' | 'delete';
  readonly peId: number;
  readonly homeId: number;
}

type Tree = { readonly [key: string]: unknown };

/** The first value of `key` anywhere in `tree` (tshark nests parameters in subtrees). */
function first(tree: unknown, key: string): string | undefined {
  if (tree === null || typeof tree !== 'object') return undefined;
  for (const [k, v] of Object.entries(tree as Tree)) {
    if (k === key && typeof v === 'string') return v;
    const inner = first(v, key);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

const num = (v: string | undefined): number =>
  v === undefined ? Number.NaN : Number.parseInt(v, v.startsWith('0x') ? 16 : 10);

/** One Handle Update from one `enrp` layer, or undefined for another message type. */
function handleUpdate(layer: unknown, frame: Tree): HandleUpdateFrame | undefined {
  if (num(first(layer, 'enrp.message_type')) !== 4) return undefined;
  return {
    frame: num(first(frame, 'frame.number')),
    time: Number.parseFloat(first(frame, 'frame.time_relative') ?? 'NaN'),
    src: first(frame, 'ip.src') ?? '',
    dst: first(frame, 'ip.dst') ?? '',
    senderId: num(first(layer, 'enrp.sender_servers_id')),
    receiverId: num(first(layer, 'enrp.receiver_servers_id')),
    takeoverSuggested: (num(first(layer, 'enrp.message_flags')) & 1) === 1,
    action: num(first(layer, 'enrp.update_action')) === 1 ? 'delete' : 'add',
    peId: num(first(layer, 'enrp.pool_element_pe_identifier')),
    homeId: num(first(layer, 'enrp.pool_element_home_enrp_server_identifier')),
  };
}

/** Every ENRP Handle Update over SCTP in the capture, in capture order. */
export async function handleUpdateFrames(path: string): Promise<HandleUpdateFrame[]> {
  const args = [
    '-r',
    path,
    '-n',
    '-o',
    'sctp.checksum:CRC 32c',
    '-Y',
    'sctp && enrp.message_type == 4 && !icmp',
  ];
  args.push('-T', 'json', '-J', 'frame ip enrp');
  const result = await run('tshark', args, 120_000);
  if (result.code !== 0) throw new Error(`tshark -r ${path}: ${result.stderr}`);
  const packets = JSON.parse(result.stdout === '' ? '[]' : result.stdout) as {
    _source: { layers: Tree };
  }[];
  const out: HandleUpdateFrame[] = [];
  for (const p of packets) {
    const layers = p._source.layers;
    const frame = { frame: layers['frame'], ip: layers['ip'] };
    const enrp = layers['enrp'];
    for (const layer of Array.isArray(enrp) ? enrp : [enrp]) {
      const update = handleUpdate(layer, frame);
      if (update) out.push(update);
    }
  }
  return out;
}
