// Just enough raw SCTP (RFC 9260) to probe the rig without the project's own stack: a CRC32c and an
// INIT packet. Test-local on purpose: the judge of our stack must not share code with it.

const CRC_TABLE = Array.from({ length: 256 }, (_, i) => {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  return c >>> 0;
});

/** CRC32c (Castagnoli), reflected, as SCTP uses it (RFC 9260 Appendix A). */
export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface InitOptions {
  readonly srcPort: number;
  readonly dstPort: number;
  readonly initiateTag?: number;
  /** Write a wrong checksum on purpose (default false). */
  readonly badChecksum?: boolean;
}

/** An SCTP packet holding one INIT chunk without parameters. */
export function sctpInit(options: InitOptions): Buffer {
  const packet = Buffer.alloc(12 + 20);
  packet.writeUInt16BE(options.srcPort, 0);
  packet.writeUInt16BE(options.dstPort, 2);
  packet.writeUInt32BE(0, 4); // verification tag 0 in a packet carrying INIT
  packet.writeUInt8(1, 12); // INIT
  packet.writeUInt16BE(20, 14);
  packet.writeUInt32BE(options.initiateTag ?? 0x12345678, 16);
  packet.writeUInt32BE(65536, 20); // a_rwnd
  packet.writeUInt16BE(1, 24); // outbound streams
  packet.writeUInt16BE(1, 26); // inbound streams
  packet.writeUInt32BE(1, 28); // initial TSN
  const crc = crc32c(packet);
  packet.writeUInt32LE(options.badChecksum ? (crc ^ 1) >>> 0 : crc, 8);
  return packet;
}

/** Type of the first chunk of an SCTP packet, or undefined if it is too short. */
export function firstChunkType(packet: Uint8Array): number | undefined {
  return packet.length >= 16 ? packet[12] : undefined;
}

/** Whether the packet's CRC32c is right. */
export function checksumOk(packet: Uint8Array): boolean {
  if (packet.length < 12) return false;
  const copy = Buffer.from(packet);
  const stated = copy.readUInt32LE(8);
  copy.writeUInt32LE(0, 8);
  return crc32c(copy) === stated;
}
