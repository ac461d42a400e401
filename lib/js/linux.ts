/**
 * Twin of native/linux.h: the Linux bonding driver's xmit_hash_policy hashes
 * (bond_main.c __bond_xmit_hash and helpers; flow_dissector.c
 * __skb_flow_dissect for encap2+3 / encap3+4). See the C++ file for the
 * reasons behind each step.
 */
import { be16, be32, fold16_8, le32, xor4_le32 } from './bytes.js';
import {
  ETH_P_8021AD, ETH_P_8021Q, ETH_P_ARP, ETH_P_IP, ETH_P_IPV6, ETH_P_MPLS_MC, ETH_P_MPLS_UC, ETH_P_PPP,
  ETH_P_PPP_SES, ETH_P_TEB, IPPROTO_AH, IPPROTO_DCCP, IPPROTO_ESP, IPPROTO_GRE, IPPROTO_ICMP, IPPROTO_ICMPV6,
  IPPROTO_IPIP, IPPROTO_IPV6, IPPROTO_MPLS, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDPLITE, View, vneed,
} from './frame.js';

/** The flow_keys fields the bond hash reads. One instance, reused. */
class LinuxKeys {
  addr_type = 0;
  src = 0;
  dst = 0;
  ports = 0;
  icmp = 0;
  reset(): void {
    this.addr_type = this.src = this.dst = this.ports = this.icmp = 0;
  }
}

const FK = new LinuxKeys();

export function linux_eth_hash(v: View): number {
  if (!v.ok) return 0;
  const h = v.hdrA, o = v.hdrO;
  return h[o + 5] ^ h[o + 11] ^ be16(h, o + 12);
}

/** proto_ports_offset() as a table: 0 for TCP, UDP, DCCP, ESP, SCTP, UDP-Lite; 4 for AH; -1 otherwise. */
const LINUX_PORT_OFFSETS = (() => {
  const t = new Int8Array(256).fill(-1);
  t[IPPROTO_TCP] = t[IPPROTO_UDP] = t[IPPROTO_DCCP] = t[IPPROTO_ESP] = t[IPPROTO_SCTP] = t[IPPROTO_UDPLITE] = 0;
  t[IPPROTO_AH] = 4;
  return t;
})();

export function linux_get_ports(v: View, data: Uint8Array, thoff: number, ip_proto: number): number {
  const poff = LINUX_PORT_OFFSETS[ip_proto & 0xff];
  if (poff < 0 || !vneed(v, thoff + poff, 4)) return 0;
  return le32(data, v.net + thoff + poff);
}

function linux_icmp_has_id(type: number): boolean {
  return type === 0 || type === 8 || type === 13 || type === 14 || type === 128 || type === 129;
}

function linux_icmp_tci(v: View, data: Uint8Array, thoff: number, fk: LinuxKeys): void {
  if (!vneed(v, thoff, 8)) return;
  const ih = v.net + thoff;
  let id = 0;
  if (linux_icmp_has_id(data[ih])) {
    id = be16(data, ih + 4);
    if (!id) id = 1;
  }
  fk.icmp = data[ih] | (data[ih + 1] << 8) | (id << 16);
}

// bond_flow_ip(); nh and ip_proto are passed in and out through FLOW.
const FLOW = { nh: 0, ip_proto: -1 };

function linux_flow_ip(v: View, data: Uint8Array, l2_proto: number, l34: boolean, fk: LinuxKeys): boolean {
  if (l2_proto === ETH_P_IP) {
    if (!vneed(v, FLOW.nh, 20)) return false;
    const iph = v.net + FLOW.nh;
    fk.addr_type = 4;
    fk.src = le32(data, iph + 12);
    fk.dst = le32(data, iph + 16);
    FLOW.nh += (data[iph] & 15) << 2;
    if (!(be16(data, iph + 6) & 0x3fff)) FLOW.ip_proto = data[iph + 9];
  } else if (l2_proto === ETH_P_IPV6) {
    if (!vneed(v, FLOW.nh, 40)) return false;
    const iph = v.net + FLOW.nh;
    fk.addr_type = 6;
    fk.src = xor4_le32(data, iph + 8);
    fk.dst = xor4_le32(data, iph + 24);
    FLOW.nh += 40;
    FLOW.ip_proto = data[iph + 6];
  } else {
    return false;
  }
  if (l34 && FLOW.ip_proto >= 0) fk.ports = linux_get_ports(v, data, FLOW.nh, FLOW.ip_proto);
  return true;
}

function linux_icmp_is_err(ip_proto: number, type: number): boolean {
  if (ip_proto === IPPROTO_ICMP) return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
  return type >= 1 && type <= 4;
}

function linux_flow_dissect(v: View, data: Uint8Array, l34: boolean, fk: LinuxKeys): boolean {
  const l2_proto = be16(v.hdrA, v.hdrO + 12);
  FLOW.nh = 0;
  FLOW.ip_proto = -1;
  fk.ports = 0;
  fk.icmp = 0;
  if (!linux_flow_ip(v, data, l2_proto, l34, fk)) return false;
  const ip_proto = FLOW.ip_proto;
  if (ip_proto !== IPPROTO_ICMP && ip_proto !== IPPROTO_ICMPV6) return true;
  linux_icmp_tci(v, data, FLOW.nh, fk);
  if (!linux_icmp_is_err(ip_proto, fk.icmp & 0xff)) return true;
  FLOW.nh += 8;
  return linux_flow_ip(v, data, l2_proto, l34, fk);
}

// ---- __skb_flow_dissect() as the bonding dissector sees it --------------

const FD_CONTINUE = 0, FD_GOOD = 1, FD_BAD = 2, FD_PROTO_AGAIN = 3, FD_IPPROTO_AGAIN = 4;
const FD_MAX_HDRS = 15;

class LinuxDissect {
  v: View = new View();
  data: Uint8Array = new Uint8Array(0);
  fk: LinuxKeys = FK;
  proto = 0;
  nh = 0;
  ip_proto = 0;
  vlan_state = 0;
  frag = false;
}

const D = new LinuxDissect();

function linux_fd_gre(d: LinuxDissect): number {
  const v = d.v, data = d.data;
  if (!vneed(v, d.nh, 4)) return FD_BAD;
  const g = v.net + d.nh;
  const flags = be16(data, g), version = flags & 7;
  if (flags & 0x4000) return FD_GOOD;
  if (version > 1) return FD_GOOD;
  d.proto = be16(data, g + 2);
  if (version === 1 && !(d.proto === ETH_P_PPP && flags & 0x2000)) return FD_GOOD;
  let off = 4;
  if (flags & 0x8000) off += 4;
  if (flags & 0x2000) {
    if (!vneed(v, d.nh + off, 4)) return FD_BAD;
    off += 4;
  }
  if (flags & 0x1000) off += 4;
  if (version === 0) {
    if (d.proto === ETH_P_TEB) {
      if (!vneed(v, d.nh + off, 14)) return FD_BAD;
      d.proto = be16(data, v.net + d.nh + off + 12);
      off += 14;
    }
  } else {
    if (flags & 0x0080) off += 4;
    if (!vneed(v, d.nh + off, 4)) return FD_BAD;
    const ppp = be16(data, v.net + d.nh + off + 2);
    if (ppp === 0x21) d.proto = ETH_P_IP;
    else if (ppp === 0x57) d.proto = ETH_P_IPV6;
    off += 4;
  }
  d.nh += off;
  return FD_PROTO_AGAIN;
}

function linux_fd_proto(d: LinuxDissect): number {
  const v = d.v, data = d.data, fk = d.fk;
  switch (d.proto) {
    case ETH_P_IP: {
      if (!vneed(v, d.nh, 20)) return FD_BAD;
      const iph = v.net + d.nh;
      const ihl = data[iph] & 15;
      if (ihl < 5) return FD_BAD;
      d.nh += ihl * 4;
      d.ip_proto = data[iph + 9];
      fk.addr_type = 4;
      fk.src = le32(data, iph + 12);
      fk.dst = le32(data, iph + 16);
      if (be16(data, iph + 6) & 0x3fff) {
        d.frag = true;
        return FD_GOOD;
      }
      return FD_CONTINUE;
    }
    case ETH_P_IPV6: {
      if (!vneed(v, d.nh, 40)) return FD_BAD;
      const iph = v.net + d.nh;
      d.ip_proto = data[iph + 6];
      d.nh += 40;
      fk.addr_type = 6;
      fk.src = xor4_le32(data, iph + 8);
      fk.dst = xor4_le32(data, iph + 24);
      return FD_CONTINUE;
    }
    case ETH_P_8021AD: case ETH_P_8021Q: {
      if (!(d.vlan_state === 0 && v.tagged)) {
        if (!vneed(v, d.nh, 4)) return FD_BAD;
        d.proto = be16(data, v.net + d.nh + 2);
        d.nh += 4;
      }
      if (d.vlan_state < 2) d.vlan_state++;
      return FD_PROTO_AGAIN;
    }
    case ETH_P_PPP_SES: {
      if (!vneed(v, d.nh, 8)) return FD_BAD;
      const p = v.net + d.nh;
      if (data[p] !== 0x11 || data[p + 1] !== 0) return FD_BAD;
      const ppp = be16(data, p + 6);
      d.nh += 8;
      if (ppp === 0x0021) d.proto = ETH_P_IP;
      else if (ppp === 0x0057) d.proto = ETH_P_IPV6;
      else if (ppp === 0x0281) d.proto = ETH_P_MPLS_UC;
      else if (ppp === 0x0283) d.proto = ETH_P_MPLS_MC;
      else return (ppp & 0x0101) === 0x0001 ? FD_GOOD : FD_BAD;
      return FD_PROTO_AGAIN;
    }
    case 0x88ca: {
      if (!vneed(v, d.nh, 16)) return FD_BAD;
      const h = v.net + d.nh;
      const keepalive = (be32(data, h) & 0x0e080000) === 0x0e080000;
      fk.addr_type = 7;
      fk.src = keepalive ? 0 : le32(data, h + 12);
      fk.dst = 0;
      return FD_GOOD;
    }
    case ETH_P_MPLS_UC: case ETH_P_MPLS_MC:
      return FD_GOOD;
    case 0x8906:
      return v.nlen >= d.nh && v.nlen - d.nh >= 38 ? FD_GOOD : FD_BAD;
    case ETH_P_ARP: case 0x8035:
    case 0x8902:
      return FD_GOOD;
    case 0x4305: {
      if (!vneed(v, d.nh, 24)) return FD_BAD;
      const h = v.net + d.nh;
      if (data[h + 1] !== 15 || data[h] !== 0x40) return FD_BAD;
      d.proto = be16(data, h + 22);
      d.nh += 24;
      return FD_PROTO_AGAIN;
    }
    case 0x88f7:
      return vneed(v, d.nh, 34) ? FD_GOOD : FD_BAD;
    case 0x88fb: case 0x892f: {
      if (!vneed(v, d.nh, 6)) return FD_BAD;
      d.proto = be16(data, v.net + d.nh + 4);
      d.nh += 6;
      return FD_PROTO_AGAIN;
    }
    default:
      return FD_BAD;
  }
}

function linux_fd_ip_proto(d: LinuxDissect): number {
  const v = d.v, data = d.data;
  let ret = FD_CONTINUE;
  switch (d.ip_proto) {
    case IPPROTO_GRE:
      ret = linux_fd_gre(d);
      break;
    case 0: case 43: case 60:
      if (d.proto !== ETH_P_IPV6) break;
      if (!vneed(v, d.nh, 2)) return FD_BAD;
      d.ip_proto = data[v.net + d.nh];
      d.nh += (data[v.net + d.nh + 1] + 1) << 3;
      ret = FD_IPPROTO_AGAIN;
      break;
    case 44:
      if (d.proto !== ETH_P_IPV6) break;
      if (!vneed(v, d.nh, 8)) return FD_BAD;
      d.frag = true;
      d.ip_proto = data[v.net + d.nh];
      d.nh += 8;
      ret = FD_GOOD;
      break;
    case IPPROTO_IPIP:
      d.proto = ETH_P_IP;
      ret = FD_PROTO_AGAIN;
      break;
    case IPPROTO_IPV6:
      d.proto = ETH_P_IPV6;
      ret = FD_PROTO_AGAIN;
      break;
    case IPPROTO_MPLS:
      d.proto = ETH_P_MPLS_UC;
      ret = FD_PROTO_AGAIN;
      break;
    case IPPROTO_ICMP: case IPPROTO_ICMPV6:
      linux_icmp_tci(v, data, d.nh, d.fk);
      break;
    default:
      break;
  }
  if (!d.frag) d.fk.ports = linux_get_ports(v, data, d.nh, d.ip_proto);
  return ret;
}

function linux_flow_dissect_encap(v: View, data: Uint8Array, fk: LinuxKeys): boolean {
  fk.reset();
  const d = D;
  d.v = v;
  d.data = data;
  d.fk = fk;
  d.proto = be16(v.hdrA, v.hdrO + 12);
  d.nh = 0;
  d.ip_proto = 0;
  d.vlan_state = 0;
  d.frag = false;
  let hdrs = 0;
  for (;;) {
    let r = linux_fd_proto(d);
    if (r === FD_BAD) return false;
    if (r === FD_GOOD) return true;
    if (r === FD_PROTO_AGAIN) {
      if (++hdrs > FD_MAX_HDRS) return true;
      continue;
    }
    for (;;) {
      r = linux_fd_ip_proto(d);
      if (r === FD_BAD) return false;
      if (r !== FD_PROTO_AGAIN && r !== FD_IPPROTO_AGAIN) return true;
      if (++hdrs > FD_MAX_HDRS) return true;
      if (r === FD_PROTO_AGAIN) break;
    }
  }
}

// ---- the policies ---------------------------------------------------------

function linux_ip_hash(hash: number, fk: LinuxKeys, l34: boolean): number {
  const src = fk.addr_type ? fk.src : 0, dst = fk.addr_type === 4 || fk.addr_type === 6 ? fk.dst : 0;
  hash = fold16_8(hash ^ dst ^ src);
  return l34 ? hash >>> 1 : hash;
}

export function linux_layer2(v: View): number {
  return linux_eth_hash(v);
}

export function linux_l3(v: View, data: Uint8Array, l34: boolean, encap: boolean): number {
  if (!v.ok) return 0;
  const fk = FK;
  fk.reset();
  const ok = encap ? linux_flow_dissect_encap(v, data, fk) : linux_flow_dissect(v, data, l34, fk);
  if (!ok) return linux_eth_hash(v);
  let hash: number;
  if (!l34) hash = linux_eth_hash(v);
  else hash = fk.icmp >>> 16 ? fk.icmp : fk.ports;
  return linux_ip_hash(hash, fk, l34);
}

/**
 * layer3+4 of a captured Ethernet frame with the offloaded tag (not in-band),
 * without the view: what linux_l3(v, data, true, false) gives, for the frames
 * the common path reaches (at most one offloaded tag, then IPv4 or IPv6 whole
 * in the frame, carrying neither ICMP number); -1 for every other frame (the
 * caller takes the general path). It reads words through a DataView over the
 * frame bytes (one bounds-checked load where the Uint8Array reads of bytes.ts
 * take four: in V8 about 0.65 of their time). The twin's own shortcut: the
 * native code has no need of one.
 */
export function linux_l34_fast(dv: DataView, base: number, len: number): number {
  if (len < 18) return -1;
  let type = dv.getUint16(base + 12), net = base + 14, nlen = len - 14;
  if (type === ETH_P_8021Q || type === ETH_P_8021AD) {
    type = dv.getUint16(base + 16);
    net += 4;
    nlen -= 4;
  }
  let src: number, dst: number, nh: number, proto: number;
  if (type === ETH_P_IP) {
    if (nlen < 20) return -1;
    src = dv.getInt32(net + 12, true);
    dst = dv.getInt32(net + 16, true);
    nh = (dv.getUint8(net) & 15) << 2;
    proto = dv.getUint16(net + 6) & 0x3fff ? -1 : dv.getUint8(net + 9);  // fragments: no transport
  } else if (type === ETH_P_IPV6) {
    if (nlen < 40) return -1;
    // ipv6_addr_hash: the XOR of each address's four little-endian words
    src = dv.getInt32(net + 8, true) ^ dv.getInt32(net + 12, true) ^ dv.getInt32(net + 16, true) ^ dv.getInt32(net + 20, true);
    dst = dv.getInt32(net + 24, true) ^ dv.getInt32(net + 28, true) ^ dv.getInt32(net + 32, true) ^ dv.getInt32(net + 36, true);
    nh = 40;
    proto = dv.getUint8(net + 6);
  } else {
    return -1;
  }
  // the flow dissector takes either ICMP number as ICMP under either IP version
  if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) return -1;
  let ports = 0;
  if (proto >= 0) {
    const poff = LINUX_PORT_OFFSETS[proto];
    if (poff >= 0 && nh + poff + 4 <= nlen) ports = dv.getInt32(net + nh + poff, true);
  }
  return fold16_8(ports ^ dst ^ src) >>> 1;
}

export function linux_vlan_srcmac(v: View): number {
  if (!v.ok) return 0;
  const h = v.hdrA, s = v.hdrO + 6;
  const vendor = (h[s] << 16) | (h[s + 1] << 8) | h[s + 2];
  const dev = (h[s + 3] << 16) | (h[s + 4] << 8) | h[s + 5];
  return (v.tagged ? v.tci : 0) ^ vendor ^ dev;
}
