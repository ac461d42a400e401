// select.h - selectors: map a policy's hash to a port of the team.
//
// SK_MODULO: usable[hash % count], the Linux bonding / DPDK / team driver
// rule; `usable` is the ordered list of usable port indices (identity for a
// plain { ports: n }). The remainder uses Lemire's multiply-shift reduction
// (exact for 32-bit operands) instead of a division on the hot path.
#ifndef LAGHASH_SELECT_H
#define LAGHASH_SELECT_H

#include "spec.h"

namespace laghash {

struct Selector {
  u32 kind;
  u32 count;
  u64 magic;        // fastmod constant for count
  const u16* table; // `count` entries
};

static inline u64 fastmod_magic(u32 d) { return ~(u64)0 / d + 1; }

// a % d for 32-bit a and d >= 1 (Lemire, Kaser, Kurz: "Faster remainder by direct computation").
static inline u32 fastmod(u32 a, u64 magic, u32 d) {
#ifdef __SIZEOF_INT128__
  u64 low = magic * a;
  return (u32)(((unsigned __int128)low * d) >> 64);
#else
  (void)magic;
  return a % d;
#endif
}

static inline u32 select_port(const Selector& s, u32 h) { return s.table[fastmod(h, s.magic, s.count)]; }

}  // namespace laghash

#endif
