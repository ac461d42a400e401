/**
 * Toeplitz key tables, built once per key and shared by both backends
 * (native/toeplitz.h, lib/js/toeplitz.ts).
 */
import { PolicyOptionError } from './errors.js';
import { TOEPLITZ_INPUT_MAX, TOEPLITZ_TABLE_LEN } from './spec.js';

/** Microsoft's standard 40-byte RSS key (the key of the published verification vectors). */
export const MICROSOFT_RSS_KEY = hexBytes('6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa');

/** A key with a 16-bit period (0x6d5a repeated): the hash of a flow equals that of its reverse. */
export const SYMMETRIC_RSS_KEY = hexBytes('6d5a'.repeat(20));

/** The shortest usable key: 36 input bytes need 36 * 8 + 32 key bits. */
export const TOEPLITZ_KEY_MIN = TOEPLITZ_INPUT_MAX + 4;

export function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** The 32 key bits that start at bit s (most significant bit of key[0] is bit 0). */
function keyWindow(key: Uint8Array, s: number): number {
  const byte = s >> 3, shift = s & 7;
  let w = 0;
  for (let i = 0; i < 5; i++) w = w * 256 + (byte + i < key.length ? key[byte + i] : 0);  // 40 bits, exact in a double
  return Math.floor(w / 2 ** (8 - shift)) % 2 ** 32;
}

/**
 * T[pos * 256 + b]: what input byte value b at input position pos XORs into
 * the hash. Built incrementally: T[b] = T[b without its lowest set bit] ^ the
 * window of that bit.
 */
export function toeplitzTables(key: Uint8Array): Uint32Array {
  if (key.length < TOEPLITZ_KEY_MIN)
    throw new PolicyOptionError(`Expected a Toeplitz key of at least ${TOEPLITZ_KEY_MIN} bytes, got ${key.length}`);
  const T = new Uint32Array(TOEPLITZ_TABLE_LEN);
  for (let pos = 0; pos < TOEPLITZ_INPUT_MAX; pos++) {
    const row = pos * 256;
    for (let b = 1; b < 256; b++) {
      const low = b & -b, bit = 31 - Math.clz32(low);  // bit 7 is the byte's first (most significant) input bit
      T[row + b] = T[row + (b ^ low)] ^ keyWindow(key, pos * 8 + (7 - bit));
    }
  }
  return T;
}

/** True when the key repeats every 16 bits, which makes the hash direction-symmetric. */
export function keyIsSymmetric(key: Uint8Array): boolean {
  for (let i = 2; i < key.length; i++) if (key[i] !== key[i - 2]) return false;
  return true;
}
