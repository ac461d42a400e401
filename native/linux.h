// linux.h - the Linux bonding driver's transmit hashes (xmit_hash_policy),
// bit for bit on an x86-64 (little-endian) host.
//
// Reproduces drivers/net/bonding/bond_main.c: __bond_xmit_hash(),
// bond_eth_hash(), bond_flow_ip(), bond_flow_dissect(), bond_ip_hash(),
// bond_vlan_srcmac_hash(); and, for the encap policies, the parts of
// net/core/flow_dissector.c __skb_flow_dissect() that the bonding dissector
// (flow_keys_bonding: control, basic, IPv4/IPv6/TIPC addresses, ports, ICMP,
// VLAN, flow label, GRE key) reaches with flags 0.
//
// Input is a View (frame.h): the frame as the kernel sees it, the outermost
// 802.1Q/802.1ad tag taken as the skb's offloaded tag unless the policy says
// tags are in-band. Offsets below are relative to the network header
// (skb_network_offset); every read is checked against the view like
// pskb_may_pull / __skb_header_pointer would.
//
// Kernel versions: this is the current mainline behaviour. Older kernels
// differ: before 4.15 no policy drops the lowest bit; from 4.15 to 5.17 every
// policy that goes through bond_ip_hash() does (layer2+3 and encap2+3 too);
// since 5.18 (and 5.10/5.15 stable) only layer3+4 and encap3+4 do. ICMP
// identifiers and hashing ICMP errors on the quoted packet exist since 5.5.
// The flow dissector's PPPoE, FCoE, 1588, CFM, HSR/PRP and BATMAN cases are
// recent; older kernels fail the dissect there and fall back to layer2.
//
// Not reproduced: encap3+4 returns skb->hash when the socket set an L4 hash
// (bond_xmit_hash); laghash computes the dissected hash. A BPF flow dissector
// attached to the network namespace replaces the built-in one for the encap
// policies. TIPC keepalive messages take a random key in the kernel; laghash
// uses 0. With vlan=inband the hash equals the kernel's XDP transmit path
// (bond_xmit_hash_xdp: no offloaded tag, vlan+srcmac sees VLAN 0).
#ifndef LAGHASH_LINUX_H
#define LAGHASH_LINUX_H

#include "frame.h"

namespace laghash {

// What the kernel's struct flow_keys carries that the bond hash reads.
struct LinuxKeys {
  u32 addr_type;  // 0 none, 4 IPv4, 6 IPv6, 7 TIPC (flow_get_u32_src/dst)
  u32 src, dst;   // flow_get_u32_src/dst: raw IPv4 word, ipv6_addr_hash(), TIPC key
  u32 ports;      // __be32 ports read as a host word
  u32 icmp;       // struct flow_dissector_key_icmp read as a host word: type | code << 8 | id << 16
};

// bond_eth_hash(): last bytes of both MACs and the ethertype as a number.
static LAGHASH_INLINE u32 linux_eth_hash(const View& v) {
  if (!v.ok) return 0;  // bond_pull_data() of an Ethernet header failed
  return (u32)v.hdr[5] ^ v.hdr[11] ^ be16(v.hdr + 12);
}

// proto_ports_offset() as a table: 0 for TCP, UDP, DCCP, ESP (its SPI),
// SCTP and UDP-Lite; 4 for AH (the SPI follows next header, length and
// reserved); -1 for protocols without ports.
struct PortOffsets {
  signed char off[256];
  constexpr PortOffsets() : off() {
    for (int i = 0; i < 256; i++) off[i] = -1;
    off[IPPROTO_TCP_] = off[IPPROTO_UDP_] = off[IPPROTO_DCCP_] = off[IPPROTO_ESP_] = 0;
    off[IPPROTO_SCTP_] = off[IPPROTO_UDPLITE_] = 0;
    off[IPPROTO_AH_] = 4;
  }
};
static constexpr PortOffsets LINUX_PORT_OFFSETS{};

// skb_flow_get_ports(): the 4 bytes at the port offset as a host word, 0 when
// absent or not a port-carrying protocol.
static LAGHASH_INLINE u32 linux_get_ports(const View& v, u32 thoff, u32 ip_proto) {
  const int poff = LINUX_PORT_OFFSETS.off[ip_proto & 0xff];
  if (poff < 0 || !vneed(v, thoff + (u32)poff, 4)) return 0;
  return le32(v.net + thoff + poff);
}

// icmp_has_id() of flow_dissector.c: one switch for both ICMP versions.
static inline bool linux_icmp_has_id(u32 type) {
  return type == 0 || type == 8 || type == 13 || type == 14 || type == 128 || type == 129;
}

// skb_flow_get_icmp_tci(): needs a whole 8-byte ICMP header, else leaves the key alone.
static inline void linux_icmp_tci(const View& v, u32 thoff, LinuxKeys& fk) {
  if (!vneed(v, thoff, 8)) return;
  const u8* ih = v.net + thoff;
  u32 id = 0;
  if (linux_icmp_has_id(ih[0])) {
    id = be16(ih + 4);
    if (!id) id = 1;  // 0 means "no identifier" to the hash; the kernel uses 1
  }
  fk.icmp = ih[0] | ((u32)ih[1] << 8) | (id << 16);
}

// bond_flow_ip(): addresses, then the transport protocol unless the IPv4
// packet is a fragment (first included), then ports for layer3+4. The IPv4
// IHL and version are not checked, as in the kernel.
static LAGHASH_INLINE bool linux_flow_ip(const View& v, u32 l2_proto, u32& nh, i32& ip_proto, bool l34, LinuxKeys& fk) {
  if (l2_proto == ETH_P_IP) {
    if (!vneed(v, nh, 20)) return false;
    const u8* iph = v.net + nh;
    fk.addr_type = 4;
    fk.src = le32(iph + 12);
    fk.dst = le32(iph + 16);
    nh += (iph[0] & 15u) << 2;
    if (!(be16(iph + 6) & 0x3fff)) ip_proto = iph[9];  // ip_is_fragment(): MF or offset
  } else if (l2_proto == ETH_P_IPV6) {
    if (!vneed(v, nh, 40)) return false;
    const u8* iph = v.net + nh;
    fk.addr_type = 6;
    fk.src = xor4_le32(iph + 8);
    fk.dst = xor4_le32(iph + 24);
    nh += 40;
    ip_proto = iph[6];  // no extension header walk
  } else {
    return false;
  }
  if (l34 && ip_proto >= 0) fk.ports = linux_get_ports(v, nh, (u32)ip_proto);
  return true;
}

static inline bool linux_icmp_is_err(u32 ip_proto, u32 type) {
  if (ip_proto == IPPROTO_ICMP_) return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
  return type >= 1 && type <= 4;  // icmpv6_is_err(): unreachable, too big, time exceeded, parameter problem
}

// bond_flow_dissect() for layer2+3 and layer3+4: ICMP errors are hashed on
// the packet they quote, read with the outer packet's IP version.
static LAGHASH_INLINE bool linux_flow_dissect(const View& v, bool l34, LinuxKeys& fk) {
  u32 l2_proto = be16(v.hdr + 12), nh = 0;
  i32 ip_proto = -1;
  fk.ports = 0;
  fk.icmp = 0;
  if (!linux_flow_ip(v, l2_proto, nh, ip_proto, l34, fk)) return false;
  if (ip_proto != (i32)IPPROTO_ICMP_ && ip_proto != (i32)IPPROTO_ICMPV6_) return true;
  linux_icmp_tci(v, nh, fk);
  if (!linux_icmp_is_err((u32)ip_proto, fk.icmp & 0xff)) return true;
  nh += 8;  // sizeof(struct icmphdr) == sizeof(struct icmp6hdr)
  return linux_flow_ip(v, l2_proto, nh, ip_proto, l34, fk);
}

// ---- __skb_flow_dissect() as the bonding dissector sees it --------------

enum FdRet { FD_CONTINUE, FD_GOOD, FD_BAD, FD_PROTO_AGAIN, FD_IPPROTO_AGAIN };
enum : u32 { FD_MAX_HDRS = 15 };  // MAX_FLOW_DISSECT_HDRS

struct LinuxDissect {
  const View& v;
  LinuxKeys& fk;
  u32 proto;      // current L3 protocol (ethertype)
  u32 nh;         // current offset
  u32 ip_proto;
  u32 vlan_state; // dissector_vlan: 0 none yet, 1 VLAN, 2 CVLAN
  bool frag;      // FLOW_DIS_IS_FRAGMENT
};

// __skb_flow_dissect_gre(): versions 0 and 1 (PPTP), no routing.
static inline FdRet linux_fd_gre(LinuxDissect& d) {
  if (!vneed(d.v, d.nh, 4)) return FD_BAD;
  const u8* g = d.v.net + d.nh;
  u32 flags = be16(g), version = flags & 7;
  if (flags & 0x4000) return FD_GOOD;  // GRE_ROUTING: do not look inside
  if (version > 1) return FD_GOOD;
  d.proto = be16(g + 2);
  if (version == 1 && !(d.proto == ETH_P_PPP && (flags & 0x2000))) return FD_GOOD;
  u32 off = 4;
  if (flags & 0x8000) off += 4;  // csum + reserved1
  if (flags & 0x2000) {
    if (!vneed(d.v, d.nh + off, 4)) return FD_BAD;
    off += 4;
  }
  if (flags & 0x1000) off += 4;  // sequence
  if (version == 0) {
    if (d.proto == ETH_P_TEB) {
      if (!vneed(d.v, d.nh + off, 14)) return FD_BAD;
      d.proto = be16(d.v.net + d.nh + off + 12);
      off += 14;
    }
  } else {
    if (flags & 0x0080) off += 4;  // GRE_ACK
    if (!vneed(d.v, d.nh + off, 4)) return FD_BAD;  // PPP_HDRLEN
    u32 ppp = be16(d.v.net + d.nh + off + 2);
    if (ppp == 0x21) d.proto = ETH_P_IP;
    else if (ppp == 0x57) d.proto = ETH_P_IPV6;
    off += 4;
  }
  d.nh += off;
  return FD_PROTO_AGAIN;
}

// The network-protocol stage of __skb_flow_dissect().
static inline FdRet linux_fd_proto(LinuxDissect& d) {
  const View& v = d.v;
  switch (d.proto) {
    case ETH_P_IP: {
      if (!vneed(v, d.nh, 20)) return FD_BAD;
      const u8* iph = v.net + d.nh;
      u32 ihl = iph[0] & 15u;
      if (ihl < 5) return FD_BAD;
      d.nh += ihl * 4;
      d.ip_proto = iph[9];
      d.fk.addr_type = 4;
      d.fk.src = le32(iph + 12);
      d.fk.dst = le32(iph + 16);
      u32 frag = be16(iph + 6);
      if (frag & 0x3fff) {
        d.frag = true;
        return FD_GOOD;  // later fragments, and first ones without FLOW_DISSECTOR_F_PARSE_1ST_FRAG
      }
      return FD_CONTINUE;
    }
    case ETH_P_IPV6: {
      if (!vneed(v, d.nh, 40)) return FD_BAD;
      const u8* iph = v.net + d.nh;
      d.ip_proto = iph[6];
      d.nh += 40;
      d.fk.addr_type = 6;
      d.fk.src = xor4_le32(iph + 8);
      d.fk.dst = xor4_le32(iph + 24);
      return FD_CONTINUE;
    }
    case ETH_P_8021AD: case ETH_P_8021Q: {
      // The first tag seen is the skb's offloaded one when there is one:
      // proto becomes skb->protocol, the same in-band type, without moving.
      if (!(d.vlan_state == 0 && v.tagged)) {
        if (!vneed(v, d.nh, 4)) return FD_BAD;
        d.proto = be16(v.net + d.nh + 2);
        d.nh += 4;
      }
      if (d.vlan_state < 2) d.vlan_state++;
      return FD_PROTO_AGAIN;
    }
    case ETH_P_PPP_SES: {
      if (!vneed(v, d.nh, 8)) return FD_BAD;
      const u8* p = v.net + d.nh;
      if (p[0] != 0x11 || p[1] != 0) return FD_BAD;  // is_pppoe_ses_hdr_valid()
      u32 ppp = be16(p + 6);
      d.nh += 8;
      if (ppp == 0x0021) d.proto = ETH_P_IP;
      else if (ppp == 0x0057) d.proto = ETH_P_IPV6;
      else if (ppp == 0x0281) d.proto = ETH_P_MPLS_UC;
      else if (ppp == 0x0283) d.proto = ETH_P_MPLS_MC;
      else return (ppp & 0x0101) == 0x0001 ? FD_GOOD : FD_BAD;  // ppp_proto_is_valid()
      return FD_PROTO_AGAIN;
    }
    case 0x88CA: {  // ETH_P_TIPC: tipc_hdr_rps_key(), the source node word
      if (!vneed(v, d.nh, 16)) return FD_BAD;
      const u8* h = v.net + d.nh;
      bool keepalive = (be32(h) & 0x0e080000) == 0x0e080000;
      d.fk.addr_type = 7;
      d.fk.src = keepalive ? 0 : le32(h + 12);
      d.fk.dst = 0;
      return FD_GOOD;
    }
    case ETH_P_MPLS_UC: case ETH_P_MPLS_MC:
      return FD_GOOD;  // no MPLS key in flow_keys_bonding: stop before reading the label
    case 0x8906:  // ETH_P_FCOE
      return v.nlen >= d.nh && v.nlen - d.nh >= 38 ? FD_GOOD : FD_BAD;
    case ETH_P_ARP: case 0x8035:  // ARP, RARP: no ARP key
    case 0x8902:                  // ETH_P_CFM: no CFM key
      return FD_GOOD;
    case 0x4305: {  // ETH_P_BATMAN: unicast packet, then an Ethernet header
      if (!vneed(v, d.nh, 24)) return FD_BAD;
      const u8* h = v.net + d.nh;
      if (h[1] != 15 || h[0] != 0x40) return FD_BAD;  // BATADV_COMPAT_VERSION, BATADV_UNICAST
      d.proto = be16(h + 22);
      d.nh += 24;
      return FD_PROTO_AGAIN;
    }
    case 0x88F7:  // ETH_P_1588
      return vneed(v, d.nh, 34) ? FD_GOOD : FD_BAD;
    case 0x88FB: case 0x892F: {  // ETH_P_PRP, ETH_P_HSR
      if (!vneed(v, d.nh, 6)) return FD_BAD;
      d.proto = be16(v.net + d.nh + 4);
      d.nh += 6;
      return FD_PROTO_AGAIN;
    }
    default:
      return FD_BAD;
  }
}

// The transport-protocol stage of __skb_flow_dissect().
static inline FdRet linux_fd_ip_proto(LinuxDissect& d) {
  FdRet ret = FD_CONTINUE;
  switch (d.ip_proto) {
    case IPPROTO_GRE_:
      ret = linux_fd_gre(d);
      break;
    case 0: case 43: case 60:  // hop-by-hop, routing, destination options
      if (d.proto != ETH_P_IPV6) break;
      if (!vneed(d.v, d.nh, 2)) return FD_BAD;
      d.ip_proto = d.v.net[d.nh];
      d.nh += (d.v.net[d.nh + 1] + 1u) << 3;
      ret = FD_IPPROTO_AGAIN;
      break;
    case 44:  // fragment header: the dissect ends there, first fragment or not
      if (d.proto != ETH_P_IPV6) break;
      if (!vneed(d.v, d.nh, 8)) return FD_BAD;
      d.frag = true;
      d.ip_proto = d.v.net[d.nh];
      d.nh += 8;
      ret = FD_GOOD;
      break;
    case IPPROTO_IPIP_:
      d.proto = ETH_P_IP;
      ret = FD_PROTO_AGAIN;
      break;
    case IPPROTO_IPV6_:
      d.proto = ETH_P_IPV6;
      ret = FD_PROTO_AGAIN;
      break;
    case IPPROTO_MPLS_:
      d.proto = ETH_P_MPLS_UC;
      ret = FD_PROTO_AGAIN;
      break;
    case IPPROTO_ICMP_: case IPPROTO_ICMPV6_:
      linux_icmp_tci(d.v, d.nh, d.fk);
      break;
    default:
      break;
  }
  if (!d.frag) d.fk.ports = linux_get_ports(d.v, d.nh, d.ip_proto);
  return ret;
}

// __skb_flow_dissect(NULL, skb, &flow_keys_bonding, fk, data, l2_proto, nhoff, hlen, 0)
static inline bool linux_flow_dissect_encap(const View& v, LinuxKeys& fk) {
  fk = LinuxKeys{0, 0, 0, 0, 0};
  LinuxDissect d{v, fk, be16(v.hdr + 12), 0, 0, 0, false};
  u32 hdrs = 0;
  for (;;) {
    FdRet r = linux_fd_proto(d);
    if (r == FD_BAD) return false;
    if (r == FD_GOOD) return true;
    if (r == FD_PROTO_AGAIN) {
      if (++hdrs > FD_MAX_HDRS) return true;
      continue;
    }
    for (;;) {  // FD_CONTINUE: the transport stage
      r = linux_fd_ip_proto(d);
      if (r == FD_BAD) return false;
      if (r != FD_PROTO_AGAIN && r != FD_IPPROTO_AGAIN) return true;
      if (++hdrs > FD_MAX_HDRS) return true;
      if (r == FD_PROTO_AGAIN) break;
    }
  }
}

// ---- the policies ---------------------------------------------------------

// bond_ip_hash()
static LAGHASH_INLINE u32 linux_ip_hash(u32 hash, const LinuxKeys& fk, bool l34) {
  u32 src = fk.addr_type ? fk.src : 0, dst = fk.addr_type == 4 || fk.addr_type == 6 ? fk.dst : 0;
  hash ^= dst ^ src;
  hash = fold16_8(hash);
  // discard the lowest bit: Linux picks even source ports, without the shift
  // parallel streams would land on half the links
  return l34 ? hash >> 1 : hash;
}

// xmit_hash_policy=layer2
static inline u32 linux_layer2(const View& v) { return linux_eth_hash(v); }

// layer2+3 (encap: encap2+3) and layer3+4 (encap3+4): __bond_xmit_hash()
template <bool L34, bool ENCAP>
static LAGHASH_INLINE u32 linux_l3(const View& v) {
  const bool l34 = L34;
  if (!v.ok) return 0;  // no Ethernet header: dissect and bond_eth_hash both fail
  LinuxKeys fk{0, 0, 0, 0, 0};
  bool ok = ENCAP ? linux_flow_dissect_encap(v, fk) : linux_flow_dissect(v, l34, fk);
  if (!ok) return linux_eth_hash(v);
  u32 hash;
  if (!l34) hash = linux_eth_hash(v);
  else hash = (fk.icmp >> 16) ? fk.icmp : fk.ports;  // flow.icmp.id set: hash the ICMP key
  return linux_ip_hash(hash, fk, l34);
}

// xmit_hash_policy=vlan+srcmac: bond_vlan_srcmac_hash(), the whole TCI of
// the offloaded tag (skb_vlan_tag_get), 0 without one.
static inline u32 linux_vlan_srcmac(const View& v) {
  if (!v.ok) return 0;
  const u8* s = v.hdr + 6;
  u32 vendor = ((u32)s[0] << 16) | ((u32)s[1] << 8) | s[2];
  u32 dev = ((u32)s[3] << 16) | ((u32)s[4] << 8) | s[5];
  return (v.tagged ? v.tci : 0) ^ vendor ^ dev;
}

}  // namespace laghash

#endif
