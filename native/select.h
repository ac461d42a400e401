// select.h - selectors: map a policy's hash (same-port: the frame's
// conversation) to a port id of the team. A Selector is the decoded selector
// spec (spec.h SEL_*); its table is the caller's u32 array, which the
// selectors that keep state update in place (bucket stamps, conversations),
// and its stats the caller's counters (doubles: exact to 2^53).
//
// SK_MODULO      table[hash % count]: the ordered usable-port list as Linux
//                bonding (bond_xmit_3ad_xor_slave_get) and DPDK index it.
// SK_TEAM        the team driver: fold the hash to one byte (lb_get_skb_hash),
//                the hash-to-port table when teamd's balancer filled it
//                (lb_htpm_select_tx_port), else the enabled port at
//                byte % count (team_num_to_port_index, team_get_port_by_index).
//                Counts bytes per hash byte, the load teamd's balancer reads.
// SK_TABLE       buckets[hash & (buckets - 1)] (EtherChannel, OVS, teamd).
// SK_RESILIENT   buckets[hash % buckets] (Linux resilient nexthop groups).
// SK_RENDEZVOUS  highest random weight: the port whose score
//                weight / -log2(u), u from mixing the hash with the port's
//                seed, is largest; integer arithmetic only (a 1024-entry
//                fixed-point log2 table built in TypeScript) so both
//                backends agree bit for bit. Ties go to the lower table entry.
// SK_SAME_PORT   a set-associative conversation table (CONV_WAYS ways per
//                set), keyed by peer MAC or symmetric flow: a conversation
//                goes out where its peer was last heard, a new one on the
//                first usable port. Bounded: a full set evicts its stalest
//                entry, idle entries expire.
//
// The remainder uses Lemire's multiply-shift reduction (exact for 32-bit
// operands) instead of a division on the hot path.
#ifndef LAGHASH_SELECT_H
#define LAGHASH_SELECT_H

#include "fields.h"

namespace laghash {

struct Selector {
  u32 kind, count, buckets, now, flags, ports, maxidle, first;
  u64 magic;        // fastmod constant for count (modulo) or buckets (resilient)
  bool pow2;        // table, resilient: the bucket count is a power of two (a mask, not a remainder)
  u32* table;       // the selector table (see spec.h)
  u32 table_len;
  double* stats;    // counters, or nullptr
};

static inline u64 fastmod_magic(u32 d) { return ~(u64)0 / d + 1; }

// a % d for 32-bit a and d >= 1 (Lemire, Kaser, Kurz: "Faster remainder by direct computation").
static LAGHASH_INLINE u32 fastmod(u32 a, u64 magic, u32 d) {
#ifdef __SIZEOF_INT128__
  u64 low = magic * a;
  return (u32)(((unsigned __int128)low * d) >> 64);
#else
  (void)magic;
  return a % d;
#endif
}

// Same-port: the word where the conversation sets start, after the port
// words, on a 64-byte boundary of the table (a set is two cache lines when
// the table itself starts on one).
static LAGHASH_INLINE u32 conv_base(u32 ports) { return (ports + 15u) & ~15u; }

// Table words a selector needs; false when the table is too short.
static inline bool selector_table_ok(const Selector& s) {
  u64 need;
  switch (s.kind) {
    case SK_MODULO: need = s.count; break;
    case SK_TEAM: need = (u64)s.count + ((s.flags & SF_HTPM) ? (u64)TEAM_HTPM_LEN : 0); break;
    case SK_TABLE: case SK_RESILIENT: need = 2ull * s.buckets; break;
    case SK_RENDEZVOUS: need = (u64)s.count * RDV_WORDS + RDV_LOG2_LEN; break;
    case SK_SAME_PORT: need = (u64)conv_base(s.ports) + (u64)s.buckets * CONV_WORDS; break;
    default: return false;
  }
  return need <= s.table_len;
}

// Counter words a selector needs.
static inline u64 selector_stats_len(const Selector& s) {
  u64 extra = s.kind == SK_TABLE || s.kind == SK_RESILIENT ? s.buckets
              : s.kind == SK_TEAM ? (u32)TEAM_HTPM_LEN : s.kind == SK_SAME_PORT ? (u32)CONV_STATS : 0u;
  return 2ull * s.ports + extra;
}

// Decode and check a selector spec against its table and stats lengths.
static inline bool selector_decode(const u32* spec, u32 n, u32* table, u32 table_len, double* stats, u32 stats_len, Selector& s) {
  if (n < SEL_LEN) return false;
  s = Selector{spec[SEL_KIND], spec[SEL_COUNT], spec[SEL_BUCKETS], spec[SEL_NOW], spec[SEL_FLAGS], spec[SEL_PORTS],
               spec[SEL_MAXIDLE], spec[SEL_FIRST], 0, false, table, table_len, stats};
  if (s.ports == 0 || s.ports > PORT_LIMIT || s.count > PORT_LIMIT) return false;
  if (s.kind == SK_TABLE && (s.buckets == 0 || (s.buckets & (s.buckets - 1)))) return false;
  if (s.kind == SK_RESILIENT && s.buckets == 0) return false;
  if (s.kind == SK_SAME_PORT && (s.buckets < CONV_WAYS || (s.buckets & (s.buckets - 1)) || s.first >= s.ports)) return false;
  if (!selector_table_ok(s)) return false;
  if (stats && stats_len < selector_stats_len(s)) return false;
  s.magic = fastmod_magic(s.kind == SK_RESILIENT ? s.buckets : s.count ? s.count : 1);
  s.pow2 = s.buckets && !(s.buckets & (s.buckets - 1));
  // every port id a table can return must index the counters
  switch (s.kind) {
    case SK_MODULO: case SK_TEAM:
      for (u32 i = 0; i < s.count; i++) if (table[i] >= s.ports) return false;
      if (s.kind == SK_TEAM && (s.flags & SF_HTPM))
        for (u32 i = 0; i < TEAM_HTPM_LEN; i++) if (table[s.count + i] != PORT_NONE && table[s.count + i] >= s.ports) return false;
      return true;
    case SK_TABLE: case SK_RESILIENT:
      for (u32 i = 0; i < s.buckets; i++) if (table[i] != PORT_NONE && table[i] >= s.ports) return false;
      return true;
    case SK_RENDEZVOUS:
      for (u32 i = 0; i < s.count; i++) if (table[i * RDV_WORDS] >= s.ports) return false;
      return true;
    default:
      return true;  // same-port checks its entries when it reads them
  }
}

static LAGHASH_INLINE void count_frame(const Selector& s, u32 port, u32 len) {
  if (!s.stats || port == NO_PORT) return;
  s.stats[port] += 1;
  s.stats[s.ports + port] += len;
}

// ---- per kind -------------------------------------------------------------

static LAGHASH_INLINE u32 select_modulo(const Selector& s, u32 h) {
  return s.count ? s.table[fastmod(h, s.magic, s.count)] : NO_PORT;
}

static LAGHASH_INLINE u32 select_team(const Selector& s, u32 h, u32 len) {
  const u32 byte = (h ^ (h >> 8) ^ (h >> 16) ^ (h >> 24)) & 0xff;
  if (s.stats) s.stats[2 * s.ports + byte] += len;  // teamd's balancer measures load per hash byte
  if (s.flags & SF_HTPM) {
    const u32 p = s.table[s.count + byte];
    if (p != PORT_NONE) return p;
  }
  return s.count ? s.table[byte % s.count] : NO_PORT;
}

static LAGHASH_INLINE u32 select_bucket(const Selector& s, u32 h, u32 len) {
  const u32 b = s.pow2 ? h & (s.buckets - 1) : fastmod(h, s.magic, s.buckets);  // table: always a power of two
  if (s.flags & SF_STAMP) s.table[s.buckets + b] = s.now;
  if (s.stats) s.stats[2 * s.ports + b] += len;
  const u32 p = s.table[b];
  return p == PORT_NONE ? NO_PORT : p;
}

// 32 - log2(u + 1) in 16.16 fixed point: how unlikely u is; at least 1.
static LAGHASH_INLINE u64 rdv_rarity(const u32* log2tab, u32 u) {
  const u64 x = (u64)u + 1;  // 1 .. 2^32
  const u32 e = 63 - (u32)__builtin_clzll(x);
  const u32 idx = e >= 10 ? (u32)(x >> (e - 10)) & 1023 : (u32)(x << (10 - e)) & 1023;
  const u64 l = ((u64)e << 16) + log2tab[idx];
  const u64 r = (32ull << 16) - l;
  return r ? r : 1;
}

static LAGHASH_INLINE u32 rdv_mix(u32 h, u32 seed) { return murmur3_fmix(h ^ seed); }

static LAGHASH_INLINE u32 select_rendezvous(const Selector& s, u32 h) {
  if (!s.count) return NO_PORT;
  const u32* e = s.table;
  const u32* log2tab = s.table + s.count * RDV_WORDS;
  u32 best = e[0];
  u64 best_w = e[1], best_r = rdv_rarity(log2tab, rdv_mix(h, e[2]));
  for (u32 i = 1; i < s.count; i++) {
    e += RDV_WORDS;
    const u64 w = e[1], r = rdv_rarity(log2tab, rdv_mix(h, e[2]));
    // w / r > best_w / best_r, without division; branch-free (the winner is random)
    const bool win = w * best_r > best_w * r;
    best = win ? e[0] : best;
    best_w = win ? w : best_w;
    best_r = win ? r : best_r;
  }
  return best;
}

static LAGHASH_INLINE u32 select_hash(const Selector& s, u32 h, u32 len) {
  switch (s.kind) {
    case SK_MODULO: return select_modulo(s, h);
    case SK_TEAM: return select_team(s, h, len);
    case SK_TABLE: case SK_RESILIENT: return select_bucket(s, h, len);
    default: return select_rendezvous(s, h);
  }
}

// ---- same-port conversations -----------------------------------------------

struct ConvKey {
  u32 lo, hi;
};
enum : u32 { CONV_SEED_LO = 0x5a5a5a5au, CONV_SEED_HI = 0xa5a5a5a5u };  // a flow key: murmur3 of its fields under both

// The conversation a frame belongs to. peer_src: the peer is the frame's
// source (a received frame) rather than its destination (a sent one).
static LAGHASH_INLINE ConvKey conv_key(const u8* f, u32 len, u32 link, bool flow, bool peer_src, i32* w) {
  if (!flow && link == LINK_ETHERNET) {  // the walk would find the addresses at 0 and 6, or be truncated
    if (len < 14) return ConvKey{0, 0};
    const u8* mac = f + (peer_src ? 6 : 0);
    return ConvKey{be32(mac + 2), be16(mac) | 0x10000u};
  }
  if (flow && link == LINK_ETHERNET) {  // the common frame without the walk record (the same key)
    FastFrame x;
    if (fast_frame(f, len, x)) {
      u32 k[11];
      ConvKey key;
      if (x.version == 4) fast_flow_key<1>(f, x, true, CONV_SEED_LO, CONV_SEED_HI, k, key.lo, key.hi);
      else fast_flow_key<4>(f, x, true, CONV_SEED_LO, CONV_SEED_HI, k, key.lo, key.hi);
      return key;
    }
  }
  walk(f, len, link, w, false);
  if (flow) {
    const u32 mask = FLD_SRC_IP | FLD_DST_IP | FLD_IP_PROTO | FLD_SRC_PORT | FLD_DST_PORT;
    const u32 flags = F_SYMMETRIC | F_L2_FALLBACK;
    ConvKey k;
    fields_hash2(f, w, flags, mask, CONV_SEED_LO, CONV_SEED_HI, k.lo, k.hi);
    return k;
  }
  const u8* mac = nullptr;
  if (w[W_NETH] > 0) mac = f + w[W_ETH] + (peer_src ? 6 : 0);
  else if (peer_src && w[W_SLL_ADDR] >= 0) mac = f + w[W_SLL_ADDR];
  if (!mac) return ConvKey{0, 0};
  return ConvKey{be32(mac + 2), be16(mac) | 0x10000u};
}

static LAGHASH_INLINE u32 conv_set(const Selector& s, ConvKey k) {
  return murmur3_fmix(k.lo ^ (k.hi * 0x9e3779b9u)) & (s.buckets / CONV_WAYS - 1);
}

static LAGHASH_INLINE u32* conv_slots(const Selector& s, u32 set) { return s.table + conv_base(s.ports) + set * CONV_WAYS * CONV_WORDS; }

static LAGHASH_INLINE bool conv_live(const Selector& s, const u32* e) {
  return e[2] != PORT_NONE && (u32)(s.now - e[3]) <= s.maxidle;
}

// The live entry of k in its set, or nullptr.
static LAGHASH_INLINE u32* conv_find(const Selector& s, u32* set, ConvKey k) {
  for (u32 i = 0; i < CONV_WAYS; i++) {
    u32* e = set + i * CONV_WORDS;
    if (e[0] == k.lo && e[1] == k.hi && conv_live(s, e)) return e;
  }
  return nullptr;
}

// A slot for a new conversation: its own expired entry if it has one, else an
// empty one, else an expired one, else the stalest live one (an eviction).
// First such way wins.
static inline u32* conv_insert(const Selector& s, u32* set, ConvKey k, u32 port) {
  u32* empty = nullptr;
  u32* expired = nullptr;
  u32* own = nullptr;
  u32* oldest = set;
  for (u32 i = 0; i < CONV_WAYS; i++) {
    u32* e = set + i * CONV_WORDS;
    if (e[2] == PORT_NONE) {
      if (!empty) empty = e;
    } else if (!conv_live(s, e)) {
      if (!expired) expired = e;
      if (!own && e[0] == k.lo && e[1] == k.hi) own = e;
    } else if ((u32)(s.now - e[3]) > (u32)(s.now - oldest[3])) {
      oldest = e;
    }
  }
  u32* e = own ? own : empty ? empty : expired ? expired : oldest;
  if (s.stats) {
    double* c = s.stats + 2 * s.ports;
    c[0] += 1;
    if (own || !empty) c[expired ? 2 : 1] += 1;
  }
  e[0] = k.lo;
  e[1] = k.hi;
  e[2] = port;
  e[3] = s.now;
  return e;
}

static LAGHASH_INLINE void conv_moved(const Selector& s) {
  if (s.stats) s.stats[2 * s.ports + 3] += 1;
}

static LAGHASH_INLINE bool port_usable(const Selector& s, u32 p) { return p < s.ports && s.table[p] != 0; }

// A frame to send: the port of its conversation, which is created on the
// first usable port when new and re-homed there when its port is not usable.
static LAGHASH_INLINE u32 same_port_send(const Selector& s, u32* set, ConvKey k) {
  if (!s.count) return NO_PORT;
  u32* e = conv_find(s, set, k);
  if (!e) return conv_insert(s, set, k, s.first)[2];
  e[3] = s.now;
  if (!port_usable(s, e[2])) {
    e[2] = s.first;
    conv_moved(s);
  }
  return e[2];
}

// A frame received on port `arrival`: its conversation now lives there.
static LAGHASH_INLINE void same_port_learn(const Selector& s, u32* set, ConvKey k, u32 arrival) {
  u32* e = conv_find(s, set, k);
  if (!e) {
    conv_insert(s, set, k, arrival);
    return;
  }
  e[3] = s.now;
  if (e[2] != arrival) {
    e[2] = arrival;
    conv_moved(s);
  }
}

}  // namespace laghash

#endif
