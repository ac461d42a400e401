// team.h - the Linux team driver's load-balance hash with teamd's tx_hash
// (runner.tx_hash), bit for bit.
//
// teamd compiles the tx_hash fragment list into a classic BPF program
// (libteam teamd/teamd_bpf_chef.c bpf_create_code(); fragments from
// teamd_hash_func.c) that the kernel runs on each transmitted skb
// (drivers/net/team/team_mode_loadbalance.c lb_get_skb_hash()), then folds
// the 32-bit result to one byte: c[0] ^ c[1] ^ c[2] ^ c[3]. team_hash()
// below evaluates that program directly; the policy's value is the folded
// byte, which the driver then maps to a port (hash % enabled ports, or the
// hash-to-port table when teamd's balancer runs).
//
// The program, as generated:
//  - X = 0; each hashed field is loaded big-endian into A, then X = A ^ X.
//  - eth: dst bytes 2..5 (word), 0..1 (half), src bytes 8..11, 6..7.
//  - ethertype at 12 == 0x8100: the in-band VLAN branch, every offset moved
//    by 4, "vlan" hashes the in-band VID (TCI & 0x0fff). Otherwise "vlan"
//    hashes the offloaded tag (SKF_AD_VLAN_TAG: the whole TCI) when present.
//  - ipv4: source and destination words; l4 (tcp/udp/sctp): skipped when the
//    fragment offset (not MF) is set; ports at 4 * IHL past the IP header.
//  - ipv6: the eight address words; l4: the next header of the fixed header
//    only, and because the generated code reloads A before it stores the
//    source port, only the destination port enters the hash (a known quirk of
//    the shipped code, reproduced).
//  - Classic BPF ends the program with 0 when a load falls outside the
//    packet: then the whole hash is 0.
//
// Versions: this is teamd_bpf_chef.c's generator (libteam 1.x since 2015).
// The older teamd_hash_func.c hashed "eth" as the words at offsets 0, 4, 6
// and 10 and knew only eth, ipv4 and ipv6. Kernels before the removal of
// VLAN_TAG_PRESENT (4.20/5.0) masked the DEI bit (0x1000) out of
// SKF_AD_VLAN_TAG; current ones give the whole TCI, as here.
#ifndef LAGHASH_TEAM_H
#define LAGHASH_TEAM_H

#include "frame.h"

namespace laghash {

// Absolute packet offsets as the BPF program uses them (0 = destination MAC).
struct TeamPacket {
  const View& v;
  bool ok;  // false once a load fell outside the packet
  u32 ld(u32 k, u32 n) {
    if (k + n <= 14) return n == 4 ? be32(v.hdr + k) : n == 2 ? be16(v.hdr + k) : v.hdr[k];
    if (k < 14 || !vneed(v, k - 14, n)) {
      ok = false;
      return 0;
    }
    const u8* p = v.net + (k - 14);
    return n == 4 ? be32(p) : n == 2 ? be16(p) : p[0];
  }
};

static inline u32 team_l4_bits(u32 mask) { return mask & (T_TCP | T_UDP | T_SCTP); }

static inline bool team_l4_wanted(u32 mask, u32 proto) {
  return (proto == IPPROTO_TCP_ && (mask & T_TCP)) || (proto == IPPROTO_UDP_ && (mask & T_UDP)) ||
         (proto == IPPROTO_SCTP_ && (mask & T_SCTP));
}

// The IPv4/IPv6 part of the program; s is 4 in the in-band VLAN branch.
static inline u32 team_l3l4(TeamPacket& p, u32 x, u32 type, u32 s, u32 mask) {
  if (type == ETH_P_IP) {
    if (mask & T_IPV4) {
      x ^= p.ld(26 + s, 4);
      x ^= p.ld(30 + s, 4);
    }
    if (!team_l4_bits(mask)) return x;
    if (p.ld(20 + s, 2) & 0x1fff) return x;  // IPV4_FRAG_BITS: fragment offset only
    if (!team_l4_wanted(mask, p.ld(23 + s, 1))) return x;
    u32 ihl = (p.ld(14 + s, 1) & 15) * 4;  // BPF_MSH
    x ^= p.ld(ihl + 14 + s, 2);
    x ^= p.ld(ihl + 16 + s, 2);
    return x;
  }
  if (type == ETH_P_IPV6) {
    if (mask & T_IPV6)
      for (u32 k = 22; k <= 50; k += 4) x ^= p.ld(k + s, 4);
    if (!team_l4_bits(mask)) return x;
    if (!team_l4_wanted(mask, p.ld(20 + s, 1))) return x;
    p.ld(54 + s, 2);  // the source port is loaded, then overwritten in A
    x ^= p.ld(56 + s, 2);
    return x;
  }
  return x;
}

// The 32-bit value the generated BPF program returns.
static inline u32 team_program(const View& v, u32 mask) {
  TeamPacket p{v, true};
  u32 x = 0;
  if (mask & T_ETH) {
    x ^= p.ld(2, 4);
    x ^= p.ld(0, 2);
    x ^= p.ld(8, 4);
    x ^= p.ld(6, 2);
  }
  if (!(mask & ~T_ETH)) return x;  // only "eth": the program returns here
  const bool l3l4 = (mask & (T_IPV4 | T_IPV6 | T_TCP | T_UDP | T_SCTP)) != 0;
  u32 type = p.ld(12, 2);
  if (type == ETH_P_8021Q) {  // in-band tag
    if (mask & T_VLAN) x ^= p.ld(14, 2) & 0x0fff;
    if (!l3l4) return p.ok ? x : 0;
    x = team_l3l4(p, x, p.ld(16, 2), 4, mask);
    return p.ok ? x : 0;
  }
  if ((mask & T_VLAN) && v.tagged) x ^= v.tci;
  if (!l3l4) return x;
  x = team_l3l4(p, x, type, 0, mask);
  return p.ok ? x : 0;
}

// lb_get_skb_hash(): the program's result folded to one byte.
static LAGHASH_INLINE u32 team_hash(const View& v, u32 mask) {
  if (!v.ok) return 0;
  u32 x = team_program(v, mask);
  return (x ^ (x >> 8) ^ (x >> 16) ^ (x >> 24)) & 0xff;
}

}  // namespace laghash

#endif
