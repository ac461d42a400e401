// toeplitz.h - the Microsoft RSS Toeplitz hash, table-driven.
//
// For every set bit of the input, left to right, the hash XORs in the 32 bits
// of the key that start at that bit. With a table per input byte position,
// T[i][b] = XOR of the key windows for the set bits of byte value b at
// position i, the hash of an n-byte input is n lookups. The tables are built
// once per key in TypeScript (lib/toeplitz.ts) and shared by both backends:
// TOEPLITZ_INPUT_MAX positions of 256 u32 entries.
//
// Input (Microsoft RSS, network order, source first): IPv4 addresses (8
// bytes) or addresses and ports (12); IPv6 32 or 36. Fragments and transports
// outside the input set hash on addresses only. IPv6 extension headers are
// walked to find the transport, but the "IPv6 EX" variants (home address
// option, routing header destination) are not reproduced: the fixed header's
// addresses are used.
#ifndef LAGHASH_TOEPLITZ_H
#define LAGHASH_TOEPLITZ_H

#include "frame.h"

namespace laghash {

// Hash n bytes that sit at input positions pos .. pos + n - 1.
static LAGHASH_INLINE u32 toeplitz_run(const u32* T, u32 pos, const u8* in, u32 n, u32 h) {
  const u32* t = T + pos * 256;
  for (u32 i = 0; i < n; i++, t += 256) h ^= t[in[i]];
  return h;
}

static LAGHASH_INLINE bool toeplitz_l4(u32 set, i32 proto) {
  return (proto == (i32)IPPROTO_TCP_ && (set & R_TCP)) || (proto == (i32)IPPROTO_UDP_ && (set & R_UDP)) ||
         (proto == (i32)IPPROTO_SCTP_ && (set & R_SCTP));
}

// The hash of IP layer `ip` of a walked frame, 0 without one.
static LAGHASH_INLINE u32 toeplitz_hash(const u8* f, const i32* w, i32 ip, u32 set, const u32* T) {
  if (ip < 0) return 0;
  const i32* L = w + W_IP + ip * IP_SLOTS;
  const u32 off = (u32)L[I_OFF];
  const bool v4 = L[I_VERSION] == 4;
  const u32 alen = v4 ? 8 : 32;
  u32 h = toeplitz_run(T, 0, f + off + (v4 ? 12 : 8), alen, 0);
  if ((L[I_L4FLAGS] & L4_PORTS) && !(L[I_FRAG] & IF_FRAGMENT) && toeplitz_l4(set, L[I_PROTO]))
    h = toeplitz_run(T, alen, f + L[I_L4OFF], 4, h);
  return h;
}

// The common frames without the generic walk: Ethernet, at most two
// 802.1Q/802.1ad/0x9100 tags, then IPv4, or IPv6 without extension headers.
// Returns false for anything else (and for every case the walk would record
// differently: bad versions or IHL, AH, extension headers), so the caller
// walks; when true, h is what toeplitz_hash() gives on the walk's record of
// the outermost IP layer, bit for bit.
static LAGHASH_INLINE bool toeplitz_fast(const u8* f, u32 len, u32 link, u32 set, const u32* T, u32& h) {
  if (link != LINK_ETHERNET || len < 14) return false;
  u32 off = 14, type = be16(f + 12);
  for (u32 tags = 0; type == ETH_P_8021Q || type == ETH_P_8021AD || type == ETH_P_QINQ_OLD; tags++) {
    if (tags == 2 || len < off + 4) return false;
    type = be16(f + off + 2);
    off += 4;
  }
  const u8* p = f + off;
  u32 alen, l4, proto;
  if (type == ETH_P_IP) {
    if (len < off + 20 || p[0] < 0x45 || p[0] > 0x4f) return false;  // version 4, IHL >= 5
    const u32 ihl = (p[0] & 15u) * 4;
    proto = p[9];
    if (proto == IPPROTO_AH_) return false;  // the walk skips AH to reach the transport
    alen = 8;
    l4 = off + ihl;
    // fragments and cut options hash on the addresses (the record has no ports)
    if ((be16(p + 6) & 0x3fff) || len < l4) proto = 0;
    h = toeplitz_run(T, 0, p + 12, 8, 0);
  } else if (type == ETH_P_IPV6) {
    if (len < off + 40 || (p[0] >> 4) != 6) return false;
    proto = p[6];
    if (ip6_ext(proto)) return false;
    alen = 32;
    l4 = off + 40;
    h = toeplitz_run(T, 0, p + 8, 32, 0);
  } else {
    return false;
  }
  if (toeplitz_l4(set, (i32)proto) && len >= l4 + 4) h = toeplitz_run(T, alen, f + l4, 4, h);
  return true;
}

}  // namespace laghash

#endif
