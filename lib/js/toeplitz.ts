/** Twin of native/toeplitz.h: the table-driven Toeplitz hash over a walked frame. */
import * as S from '../spec.js';
import { IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP } from './frame.js';

export function toeplitz_run(T: Uint32Array, pos: number, data: Uint8Array, at: number, n: number, h: number): number {
  let t = pos * 256;
  for (let i = 0; i < n; i++, t += 256) h ^= T[t + data[at + i]];
  return h;
}

function toeplitz_l4(set: number, proto: number): boolean {
  return (proto === IPPROTO_TCP && (set & S.R_TCP) !== 0) || (proto === IPPROTO_UDP && (set & S.R_UDP) !== 0) ||
    (proto === IPPROTO_SCTP && (set & S.R_SCTP) !== 0);
}

/** The hash of IP layer `ip` of the frame walked into w, whose bytes start at data[base]. */
export function toeplitz_hash(data: Uint8Array, base: number, w: Int32Array, ip: number, set: number, T: Uint32Array): number {
  if (ip < 0) return 0;
  const L = S.W_IP + ip * S.IP_SLOTS;
  const off = base + w[L + S.I_OFF];
  const v4 = w[L + S.I_VERSION] === 4;
  const alen = v4 ? 8 : 32;
  let h = toeplitz_run(T, 0, data, off + (v4 ? 12 : 8), alen, 0);
  if (w[L + S.I_L4FLAGS] & S.L4_PORTS && !(w[L + S.I_FRAG] & S.IF_FRAGMENT) && toeplitz_l4(set, w[L + S.I_PROTO]))
    h = toeplitz_run(T, alen, data, base + w[L + S.I_L4OFF], 4, h);
  return h;
}
