/**
 * Twin of native/bytes.h: reads from a Uint8Array at an offset the caller has
 * already bounds-checked. Results are JavaScript int32 bit patterns (XOR and
 * shifts keep them so); callers store them into Uint32Array or apply `>>> 0`.
 */

export function le16(a: Uint8Array, o: number): number {
  return a[o] | (a[o + 1] << 8);
}

export function be16(a: Uint8Array, o: number): number {
  return (a[o] << 8) | a[o + 1];
}

export function be24(a: Uint8Array, o: number): number {
  return (a[o] << 16) | (a[o + 1] << 8) | a[o + 2];
}

export function le32(a: Uint8Array, o: number): number {
  return a[o] | (a[o + 1] << 8) | (a[o + 2] << 16) | (a[o + 3] << 24);
}

export function be32(a: Uint8Array, o: number): number {
  return (a[o] << 24) | (a[o + 1] << 16) | (a[o + 2] << 8) | a[o + 3];
}

/** XOR of the four little-endian words of a 16-byte IPv6 address (ipv6_addr_hash). */
export function xor4_le32(a: Uint8Array, o: number): number {
  return le32(a, o) ^ le32(a, o + 4) ^ le32(a, o + 8) ^ le32(a, o + 12);
}

/** h ^= h >> 16; h ^= h >> 8 (unsigned shifts). */
export function fold16_8(h: number): number {
  h ^= h >>> 16;
  return h ^ (h >>> 8);
}

export function rotl32(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}
