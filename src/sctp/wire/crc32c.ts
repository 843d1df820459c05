/**
 * CRC32c (Castagnoli, RFC 9260 Appendix A), table-driven with slicing-by-8. SCTP stores the
 * final (reflected, inverted) value in the common header's checksum field least significant
 * byte first, so `readChecksum`/`writeChecksum` use little-endian order.
 */
const POLY = 0x82f63b78;
const T = new Int32Array(8 * 256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[i] = c;
}
for (let i = 0; i < 256; i++) {
  let c = T[i]!;
  for (let s = 1; s < 8; s++) {
    c = T[c & 0xff]! ^ (c >>> 8);
    T[s * 256 + i] = c;
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Continues a CRC32c over `bytes[start, end)`; `crc` is the running (non-inverted) state. */
function update(crc: number, bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  const t = T;
  if (LITTLE_ENDIAN && end - start >= 64) {
    // Align to 4 bytes, then read two 32-bit words per step.
    while ((bytes.byteOffset + i) & 3) crc = t[(crc ^ bytes[i++]!) & 0xff]! ^ (crc >>> 8);
    const words = (end - i) >>> 3;
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words * 2);
    for (let k = 0; k < w.length; k += 2) {
      const a = w[k]! ^ crc;
      const b = w[k + 1]!;
      crc =
        t[1792 + (a & 0xff)]! ^
        t[1536 + ((a >>> 8) & 0xff)]! ^
        t[1280 + ((a >>> 16) & 0xff)]! ^
        t[1024 + (a >>> 24)]! ^
        t[768 + (b & 0xff)]! ^
        t[512 + ((b >>> 8) & 0xff)]! ^
        t[256 + ((b >>> 16) & 0xff)]! ^
        t[b >>> 24]!;
    }
    i += words * 8;
  }
  while (end - i >= 8) {
    const a =
      (crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>> 0;
    crc =
      t[7 * 256 + (a & 0xff)]! ^
      t[6 * 256 + ((a >>> 8) & 0xff)]! ^
      t[5 * 256 + ((a >>> 16) & 0xff)]! ^
      t[4 * 256 + (a >>> 24)]! ^
      t[3 * 256 + bytes[i + 4]!]! ^
      t[2 * 256 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^
      t[bytes[i + 7]!]!;
    i += 8;
  }
  while (i < end) crc = t[(crc ^ bytes[i++]!) & 0xff]! ^ (crc >>> 8);
  return crc;
}

/** CRC32c of `bytes` (the standard value: "123456789" gives 0xe3069283). */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return (update(0xffffffff, bytes, start, end) ^ 0xffffffff) >>> 0;
}

/** The SCTP checksum of a packet: CRC32c with the checksum field (bytes 8-11) taken as zero. */
export function sctpChecksum(packet: Uint8Array): number {
  let crc = update(0xffffffff, packet, 0, 8);
  crc = update(crc, ZEROS, 0, 4);
  crc = update(crc, packet, 12, packet.length);
  return (crc ^ 0xffffffff) >>> 0;
}
const ZEROS = new Uint8Array(4);

export function readChecksum(packet: Uint8Array): number {
  return (packet[8]! | (packet[9]! << 8) | (packet[10]! << 16) | (packet[11]! << 24)) >>> 0;
}

/** Computes and stores the checksum of a complete packet in place. */
export function writeChecksum(packet: Uint8Array): void {
  const c = sctpChecksum(packet);
  packet[8] = c & 0xff;
  packet[9] = (c >>> 8) & 0xff;
  packet[10] = (c >>> 16) & 0xff;
  packet[11] = c >>> 24;
}

export function checksumValid(packet: Uint8Array): boolean {
  return packet.length >= 12 && sctpChecksum(packet) === readChecksum(packet);
}
