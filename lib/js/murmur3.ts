/** Twin of native/murmur3.h: MurmurHash3_x86_32. */
import { le32, rotl32 } from './bytes.js';

function murmur3_mix(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = rotl32(k, 15);
  return Math.imul(k, 0x1b873593);
}

/** MurmurHash3's 32-bit finaliser. */
export function murmur3_fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** MurmurHash3_x86_32 of the little-endian bytes of words k[0 .. n). */
export function murmur3_words(k: Uint32Array, n: number, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < n; i++) {
    h ^= murmur3_mix(k[i]);
    h = rotl32(h, 13);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return murmur3_fmix(h ^ (n * 4));
}

/** MurmurHash3_x86_32 of a byte string. */
export function murmur3_bytes(p: Uint8Array, seed: number): number {
  const len = p.length;
  let h = seed | 0, i = 0;
  for (; i + 4 <= len; i += 4) {
    h ^= murmur3_mix(le32(p, i));
    h = rotl32(h, 13);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = len & 3;
  if (tail) {
    let k = p[i];
    if (tail >= 2) k ^= p[i + 1] << 8;
    if (tail === 3) k ^= p[i + 2] << 16;
    h ^= murmur3_mix(k);
  }
  return murmur3_fmix(h ^ len) >>> 0;
}
