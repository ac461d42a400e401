// dpdk.h - DPDK link bonding's transmit hashes (BALANCE_XMIT_POLICY_LAYER2,
// LAYER23, LAYER34), bit for bit on a little-endian host.
//
// Reproduces drivers/net/bonding/rte_eth_bond_pmd.c: ether_hash(),
// ipv4_hash(), ipv6_hash(), get_vlan_offset(), burst_xmit_l2_hash(),
// burst_xmit_l23_hash(), burst_xmit_l34_hash(). The functions here return
// the hash before the PMD's final `% member_count`.
//
// DPDK sees VLAN tags in-band (no offload): up to two, an outer 0x8100 or
// 0x88A8 and an inner 0x8100. DPDK reads the IPv4 and IPv6 headers without
// checking the mbuf's length; laghash treats a header that would end past the
// frame as absent (that part of the hash is 0). The IPv4 port check is
// DPDK's own: the TCP (UDP) header plus one byte must lie before the end of
// the data (`hdr + sizeof(hdr) < pkt_end`), so a bare 20-byte TCP header at
// the very end of a frame is not hashed. IPv6 ports are read after the fixed
// header only when its next header is TCP or UDP.
#ifndef LAGHASH_DPDK_H
#define LAGHASH_DPDK_H

#include "frame.h"

namespace laghash {

// ether_hash(): XOR of the three 16-bit words of both MACs, as host words.
static LAGHASH_INLINE u32 dpdk_ether_hash(const View& v) {
  const u8* d = v.hdr;
  const u8* s = v.hdr + 6;
  return (le16(s) ^ le16(d)) ^ (le16(s + 2) ^ le16(d + 2)) ^ (le16(s + 4) ^ le16(d + 4));
}

// get_vlan_offset(): the L3 ethertype and the offset of the L3 header from
// the end of the Ethernet header. Returns 0 as the type when a tag is cut short.
static LAGHASH_INLINE u32 dpdk_l3_type(const View& v, u32& off) {
  u32 proto = be16(v.hdr + 12);
  off = 0;
  if (proto == ETH_P_8021Q || proto == ETH_P_8021AD) {
    if (!vneed(v, 0, 4)) return 0;
    proto = be16(v.net + 2);
    off = 4;
    if (proto == ETH_P_8021Q) {
      if (!vneed(v, 4, 4)) return 0;
      proto = be16(v.net + 6);
      off = 8;
    }
  }
  return proto;
}

// ipv4_hash() / ipv6_hash(): source XOR destination as host words.
static LAGHASH_INLINE u32 dpdk_l3_hash(const View& v, u32 proto, u32 off) {
  if (proto == ETH_P_IP && vneed(v, off, 20)) return le32(v.net + off + 12) ^ le32(v.net + off + 16);
  if (proto == ETH_P_IPV6 && vneed(v, off, 40)) return xor4_le32(v.net + off + 8) ^ xor4_le32(v.net + off + 24);
  return 0;
}

// burst_xmit_l2_hash(): hash ^= hash >> 8
static LAGHASH_INLINE u32 dpdk_l2(const View& v) {
  if (!v.ok) return 0;
  u32 h = dpdk_ether_hash(v);
  return h ^ (h >> 8);
}

// burst_xmit_l23_hash()
static LAGHASH_INLINE u32 dpdk_l23(const View& v) {
  if (!v.ok) return 0;
  u32 off, proto = dpdk_l3_type(v, off);
  return fold16_8(dpdk_ether_hash(v) ^ dpdk_l3_hash(v, proto, off));
}

// HASH_L4_PORTS(): source port XOR destination port as host 16-bit words.
static LAGHASH_INLINE u32 dpdk_ports(const View& v, u32 l4) { return le16(v.net + l4) ^ le16(v.net + l4 + 2); }

// burst_xmit_l34_hash(): no L2 part.
static LAGHASH_INLINE u32 dpdk_l34(const View& v) {
  if (!v.ok) return 0;
  u32 off, proto = dpdk_l3_type(v, off);
  u32 l3 = dpdk_l3_hash(v, proto, off), l4 = 0;
  if (proto == ETH_P_IP && vneed(v, off, 20)) {
    const u8* ip = v.net + off;
    if (!(be16(ip + 6) & 0x3fff)) {  // rte_ipv4_frag_pkt_is_fragmented() == 0
      u32 t = off + (ip[0] & 15u) * 4;  // IHL as is, not validated
      u32 proto4 = ip[9];
      // (size_t)hdr + sizeof(*hdr) < pkt_end, with pkt_end the end of the data
      if (proto4 == IPPROTO_TCP_ && (u64)t + 20 < v.nlen) l4 = dpdk_ports(v, t);
      else if (proto4 == IPPROTO_UDP_ && (u64)t + 8 < v.nlen) l4 = dpdk_ports(v, t);
    }
  } else if (proto == ETH_P_IPV6 && vneed(v, off, 40)) {
    u32 nh = v.net[off + 6];
    if ((nh == IPPROTO_TCP_ || nh == IPPROTO_UDP_) && vneed(v, off + 40, 4)) l4 = dpdk_ports(v, off + 40);
  }
  return fold16_8(l3 ^ l4);
}

}  // namespace laghash

#endif
