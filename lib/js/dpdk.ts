/**
 * Twin of native/dpdk.h: DPDK bonding's burst_xmit_l2/l23/l34_hash (before
 * the final `% member_count`). See the C++ file for the notes.
 */
import { be16, fold16_8, le16, le32, xor4_le32 } from './bytes.js';
import { ETH_P_8021AD, ETH_P_8021Q, ETH_P_IP, ETH_P_IPV6, IPPROTO_TCP, IPPROTO_UDP, View, vneed } from './frame.js';

function dpdk_ether_hash(v: View): number {
  const h = v.hdrA, d = v.hdrO, s = v.hdrO + 6;
  return (le16(h, s) ^ le16(h, d)) ^ (le16(h, s + 2) ^ le16(h, d + 2)) ^ (le16(h, s + 4) ^ le16(h, d + 4));
}

// get_vlan_offset(); the L3 offset comes back in L3OFF.
let L3OFF = 0;

function dpdk_l3_type(v: View, data: Uint8Array): number {
  let proto = be16(v.hdrA, v.hdrO + 12);
  L3OFF = 0;
  if (proto === ETH_P_8021Q || proto === ETH_P_8021AD) {
    if (!vneed(v, 0, 4)) return 0;
    proto = be16(data, v.net + 2);
    L3OFF = 4;
    if (proto === ETH_P_8021Q) {
      if (!vneed(v, 4, 4)) return 0;
      proto = be16(data, v.net + 6);
      L3OFF = 8;
    }
  }
  return proto;
}

function dpdk_l3_hash(v: View, data: Uint8Array, proto: number, off: number): number {
  if (proto === ETH_P_IP && vneed(v, off, 20)) return le32(data, v.net + off + 12) ^ le32(data, v.net + off + 16);
  if (proto === ETH_P_IPV6 && vneed(v, off, 40)) return xor4_le32(data, v.net + off + 8) ^ xor4_le32(data, v.net + off + 24);
  return 0;
}

export function dpdk_l2(v: View): number {
  if (!v.ok) return 0;
  const h = dpdk_ether_hash(v);
  return h ^ (h >>> 8);
}

export function dpdk_l23(v: View, data: Uint8Array): number {
  if (!v.ok) return 0;
  const proto = dpdk_l3_type(v, data);
  return fold16_8(dpdk_ether_hash(v) ^ dpdk_l3_hash(v, data, proto, L3OFF));
}

function dpdk_ports(v: View, data: Uint8Array, l4: number): number {
  return le16(data, v.net + l4) ^ le16(data, v.net + l4 + 2);
}

export function dpdk_l34(v: View, data: Uint8Array): number {
  if (!v.ok) return 0;
  const proto = dpdk_l3_type(v, data), off = L3OFF;
  const l3 = dpdk_l3_hash(v, data, proto, off);
  let l4 = 0;
  if (proto === ETH_P_IP && vneed(v, off, 20)) {
    const ip = v.net + off;
    if (!(be16(data, ip + 6) & 0x3fff)) {
      const t = off + (data[ip] & 15) * 4;
      const proto4 = data[ip + 9];
      if (proto4 === IPPROTO_TCP && t + 20 < v.nlen) l4 = dpdk_ports(v, data, t);
      else if (proto4 === IPPROTO_UDP && t + 8 < v.nlen) l4 = dpdk_ports(v, data, t);
    }
  } else if (proto === ETH_P_IPV6 && vneed(v, off, 40)) {
    const nh = data[v.net + off + 6];
    if ((nh === IPPROTO_TCP || nh === IPPROTO_UDP) && vneed(v, off + 40, 4)) l4 = dpdk_ports(v, data, off + 40);
  }
  return fold16_8(l3 ^ l4);
}
