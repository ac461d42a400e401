/**
 * Twin of native/team.h: the team driver's lb_get_skb_hash() over the BPF
 * program teamd generates from runner.tx_hash. See the C++ file for the notes.
 */
import * as S from '../spec.js';
import { be16, be32 } from './bytes.js';
import { ETH_P_8021Q, ETH_P_IP, ETH_P_IPV6, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, View, vneed } from './frame.js';

/** Absolute packet offsets as the BPF program uses them (0 = destination MAC). */
class TeamPacket {
  v: View = new View();
  data: Uint8Array = new Uint8Array(0);
  ok = true;
  ld(k: number, n: number): number {
    const v = this.v;
    if (k + n <= 14) return n === 4 ? be32(v.hdrA, v.hdrO + k) >>> 0 : n === 2 ? be16(v.hdrA, v.hdrO + k) : v.hdrA[v.hdrO + k];
    if (k < 14 || !vneed(v, k - 14, n)) {
      this.ok = false;
      return 0;
    }
    const p = v.net + (k - 14);
    return n === 4 ? be32(this.data, p) >>> 0 : n === 2 ? be16(this.data, p) : this.data[p];
  }
}

const P = new TeamPacket();

function team_l4_bits(mask: number): number {
  return mask & (S.T_TCP | S.T_UDP | S.T_SCTP);
}

function team_l4_wanted(mask: number, proto: number): boolean {
  return (proto === IPPROTO_TCP && (mask & S.T_TCP) !== 0) || (proto === IPPROTO_UDP && (mask & S.T_UDP) !== 0) ||
    (proto === IPPROTO_SCTP && (mask & S.T_SCTP) !== 0);
}

function team_l3l4(p: TeamPacket, x: number, type: number, s: number, mask: number): number {
  if (type === ETH_P_IP) {
    if (mask & S.T_IPV4) {
      x ^= p.ld(26 + s, 4);
      x ^= p.ld(30 + s, 4);
    }
    if (!team_l4_bits(mask)) return x;
    if (p.ld(20 + s, 2) & 0x1fff) return x;
    if (!team_l4_wanted(mask, p.ld(23 + s, 1))) return x;
    const ihl = (p.ld(14 + s, 1) & 15) * 4;
    x ^= p.ld(ihl + 14 + s, 2);
    x ^= p.ld(ihl + 16 + s, 2);
    return x;
  }
  if (type === ETH_P_IPV6) {
    if (mask & S.T_IPV6) for (let k = 22; k <= 50; k += 4) x ^= p.ld(k + s, 4);
    if (!team_l4_bits(mask)) return x;
    if (!team_l4_wanted(mask, p.ld(20 + s, 1))) return x;
    p.ld(54 + s, 2);
    x ^= p.ld(56 + s, 2);
    return x;
  }
  return x;
}

function team_program(v: View, data: Uint8Array, mask: number): number {
  const p = P;
  p.v = v;
  p.data = data;
  p.ok = true;
  let x = 0;
  if (mask & S.T_ETH) {
    x ^= p.ld(2, 4);
    x ^= p.ld(0, 2);
    x ^= p.ld(8, 4);
    x ^= p.ld(6, 2);
  }
  if (!(mask & ~S.T_ETH)) return x;
  const l3l4 = (mask & (S.T_IPV4 | S.T_IPV6 | S.T_TCP | S.T_UDP | S.T_SCTP)) !== 0;
  const type = p.ld(12, 2);
  if (type === ETH_P_8021Q) {
    if (mask & S.T_VLAN) x ^= p.ld(14, 2) & 0x0fff;
    if (!l3l4) return p.ok ? x : 0;
    x = team_l3l4(p, x, p.ld(16, 2), 4, mask);
    return p.ok ? x : 0;
  }
  if (mask & S.T_VLAN && v.tagged) x ^= v.tci;
  if (!l3l4) return x;
  x = team_l3l4(p, x, type, 0, mask);
  return p.ok ? x : 0;
}

export function team_hash(v: View, data: Uint8Array, mask: number): number {
  if (!v.ok) return 0;
  const x = team_program(v, data, mask);
  return (x ^ (x >>> 8) ^ (x >>> 16) ^ (x >>> 24)) & 0xff;
}
