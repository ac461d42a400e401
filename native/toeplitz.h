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

// The common frame (frame.h fast_frame) without the walk record: h is what
// toeplitz_hash() gives on the walk's record of its IP layer, bit for bit.
// False for any other frame (the caller walks).
static LAGHASH_INLINE bool toeplitz_fast(const u8* f, u32 len, u32 set, const u32* T, u32& h) {
  FastFrame x;
  if (!fast_frame(f, len, x)) return false;
  const bool v4 = x.version == 4;
  const u32 alen = v4 ? 8 : 32;
  h = toeplitz_run(T, 0, f + x.off + (v4 ? 12 : 8), alen, 0);
  if (!x.frag && toeplitz_l4(set, (i32)x.proto)) h = toeplitz_run(T, alen, f + x.l4, 4, h);  // first fragments: addresses
  return true;
}

}  // namespace laghash

#endif
