// fields.h - laghash's own field policies: any set of header fields, hashed
// either the classic way (XOR of the fields' low 32 bits: what switches that
// "take the low bits of the XOR of the addresses" do) or with MurmurHash3
// and a seed (what a new deployment should use: the seed keeps two tiers of
// aggregation from polarising).
//
// Field values come from the generic walk (frame.h): the outermost headers,
// or with F_INNER the innermost Ethernet and IP headers behind tunnels. VLAN,
// MPLS label and tunnel id are always the outermost tag, the top label and
// the innermost tunnel's key/VNI. Ports are 0 for fragments (every fragment
// of a datagram must take the same link); ICMP queries use their identifier
// as both ports. F_SYMMETRIC orders each endpoint pair (MACs; address and
// port) so both directions of a conversation hash alike. F_L2_FALLBACK hashes
// frames without IP on MACs and ethertype instead of on nothing.
//
// Murmur key: these 32-bit words, in this order, for the fields selected:
//   src MAC (2 words: bytes 0..3, 4..5 little-endian), dst MAC (2), ethertype,
//   VLAN id, MPLS label, tunnel id, src address (1 or 4 words, little-endian),
//   dst address, IP protocol, IPv6 flow label, src port, dst port.
// Addresses are left out (0 words) when the frame has no IP layer.
#ifndef LAGHASH_FIELDS_H
#define LAGHASH_FIELDS_H

#include "frame.h"
#include "murmur3.h"

namespace laghash {

struct FieldValues {
  const u8* smac;  // nullptr when absent
  const u8* dmac;
  const u8* sip;   // nullptr when there is no IP layer
  const u8* dip;
  u32 alen;        // 4 or 16
  u32 ether_type, vlan, mpls, tunnel_id, proto, flow, sport, dport;
};

static const u8 ZERO_MAC[6] = {0, 0, 0, 0, 0, 0};

static inline void field_values(const u8* f, const i32* w, bool inner, FieldValues& v) {
  v.smac = v.dmac = nullptr;
  v.sip = v.dip = nullptr;
  v.alen = 0;
  v.proto = v.flow = v.sport = v.dport = 0;
  i32 neth = w[W_NETH];
  if (neth > 0) {
    const u8* e = f + w[W_ETH + (inner ? neth - 1 : 0)];
    v.dmac = e;
    v.smac = e + 6;
  } else if (w[W_SLL_ADDR] >= 0) {
    v.smac = f + w[W_SLL_ADDR];
  }
  v.vlan = w[W_NVLAN] > 0 ? (u32)w[W_VLAN] & 0x0fff : 0;
  v.mpls = w[W_NMPLS] > 0 ? ((u32)w[W_MPLS] >> 12) & 0xfffff : 0;
  v.tunnel_id = w[W_TUNNEL] != (i32)TUN_NONE && w[W_TUNNEL_ID] != -1 ? (u32)w[W_TUNNEL_ID] : 0;
  v.ether_type = w[W_L3TYPE] >= 0 ? (u32)w[W_L3TYPE] : 0;
  i32 ip = inner ? w[W_INNER_IP] : (w[W_NIP] > 0 && w[W_IP + I_KIND] != (i32)IK_QUOTED ? 0 : -1);
  if (ip < 0) return;
  const i32* L = w + W_IP + ip * IP_SLOTS;
  const u32 off = (u32)L[I_OFF];
  const bool v4 = L[I_VERSION] == 4;
  v.alen = v4 ? 4 : 16;
  v.sip = f + off + (v4 ? 12 : 8);
  v.dip = v.sip + v.alen;
  v.ether_type = v4 ? ETH_P_IP : ETH_P_IPV6;
  v.proto = (u32)(L[I_PROTO] >= 0 ? L[I_PROTO] : L[I_NEXT]);
  v.flow = v4 ? 0 : (u32)L[I_FLOW];
  if (L[I_FRAG] & IF_FRAGMENT) return;
  if (L[I_L4FLAGS] & L4_PORTS) {
    v.sport = (u32)L[I_SPORT];
    v.dport = (u32)L[I_DPORT];
  } else if (L[I_L4FLAGS] & L4_ICMP_ID) {
    v.sport = v.dport = (u32)L[I_ICMP] >> 16;
  }
}

// Lexicographic order of two byte strings, compared a big-endian word at a time.
static inline int bytes_cmp(const u8* a, const u8* b, u32 n) {
  u32 i = 0;
  for (; i + 4 <= n; i += 4) {
    const u32 x = be32(a + i), y = be32(b + i);
    if (x != y) return x < y ? -1 : 1;
  }
  for (; i < n; i++)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

// F_SYMMETRIC: put the smaller endpoint first (the MACs only when hashed).
static inline void field_order(FieldValues& v, u32 mask) {
  const u8* s = v.smac ? v.smac : ZERO_MAC;
  const u8* d = v.dmac ? v.dmac : ZERO_MAC;
  if ((mask & (FLD_SRC_MAC | FLD_DST_MAC)) && bytes_cmp(s, d, 6) > 0) {
    const u8* t = v.smac;
    v.smac = v.dmac;
    v.dmac = t;
  }
  if (!v.sip) return;
  int c = bytes_cmp(v.sip, v.dip, v.alen);
  if (c > 0 || (c == 0 && v.sport > v.dport)) {
    const u8* t = v.sip;
    v.sip = v.dip;
    v.dip = t;
    u32 p = v.sport;
    v.sport = v.dport;
    v.dport = p;
  }
}

static inline u32 mac_low32(const u8* m) { return m ? be32(m + 2) : 0; }

static inline u32 fields_xor(const FieldValues& v, u32 mask) {
  u32 h = 0;
  if (mask & FLD_SRC_MAC) h ^= mac_low32(v.smac);
  if (mask & FLD_DST_MAC) h ^= mac_low32(v.dmac);
  if (mask & FLD_ETHER_TYPE) h ^= v.ether_type;
  if (mask & FLD_VLAN) h ^= v.vlan;
  if (mask & FLD_MPLS_LABEL) h ^= v.mpls;
  if (mask & FLD_TUNNEL_ID) h ^= v.tunnel_id;
  if (v.sip) {
    if (mask & FLD_SRC_IP) h ^= be32(v.sip + v.alen - 4);
    if (mask & FLD_DST_IP) h ^= be32(v.dip + v.alen - 4);
  }
  if (mask & FLD_IP_PROTO) h ^= v.proto;
  if (mask & FLD_FLOW_LABEL) h ^= v.flow;
  if (mask & FLD_SRC_PORT) h ^= v.sport;
  if (mask & FLD_DST_PORT) h ^= v.dport;
  return h;
}

static inline u32 push_mac(u32* k, u32 n, const u8* m) {
  k[n] = m ? le32(m) : 0;
  k[n + 1] = m ? le16(m + 4) : 0;
  return n + 2;
}

static inline u32 push_addr(u32* k, u32 n, const u8* a, u32 alen) {
  for (u32 i = 0; i < alen; i += 4) k[n++] = le32(a + i);
  return n;
}

// The murmur key's words (at most 20) for the fields in mask; returns their count.
static inline u32 field_words(const FieldValues& v, u32 mask, u32* k) {
  u32 n = 0;
  if (mask & FLD_SRC_MAC) n = push_mac(k, n, v.smac);
  if (mask & FLD_DST_MAC) n = push_mac(k, n, v.dmac);
  if (mask & FLD_ETHER_TYPE) k[n++] = v.ether_type;
  if (mask & FLD_VLAN) k[n++] = v.vlan;
  if (mask & FLD_MPLS_LABEL) k[n++] = v.mpls;
  if (mask & FLD_TUNNEL_ID) k[n++] = v.tunnel_id;
  if (v.sip) {
    if (mask & FLD_SRC_IP) n = push_addr(k, n, v.sip, v.alen);
    if (mask & FLD_DST_IP) n = push_addr(k, n, v.dip, v.alen);
  }
  if (mask & FLD_IP_PROTO) k[n++] = v.proto;
  if (mask & FLD_FLOW_LABEL) k[n++] = v.flow;
  if (mask & FLD_SRC_PORT) k[n++] = v.sport;
  if (mask & FLD_DST_PORT) k[n++] = v.dport;
  return n;
}

enum : u32 {
  FLD_L3L4 = FLD_SRC_IP | FLD_DST_IP | FLD_IP_PROTO | FLD_FLOW_LABEL | FLD_SRC_PORT | FLD_DST_PORT,
};

// The field values a policy hashes, with the L2 fallback and the symmetric
// order applied; returns the mask to hash.
static inline u32 field_prepare(const u8* f, const i32* w, u32 flags, u32 mask, FieldValues& v) {
  field_values(f, w, (flags & F_INNER) != 0, v);
  if (!v.sip && (flags & F_L2_FALLBACK) && (mask & FLD_L3L4))
    mask = (mask & ~FLD_L3L4) | FLD_SRC_MAC | FLD_DST_MAC | FLD_ETHER_TYPE;
  if (flags & F_SYMMETRIC) field_order(v, mask);
  return mask;
}

// The field policy's hash of a walked frame.
static inline u32 fields_hash(const u8* f, const i32* w, u32 flags, u32 mask, u32 hashfn, u32 seed) {
  FieldValues v;
  mask = field_prepare(f, w, flags, mask, v);
  if (hashfn == HASH_XOR) return fields_xor(v, mask);
  u32 k[20];
  return murmur3_words(k, field_words(v, mask, k), seed);
}

// Two murmur hashes of the same fields under two seeds (a 64-bit key), the
// fields gathered once: the same as two fields_hash calls.
static inline void fields_hash2(const u8* f, const i32* w, u32 flags, u32 mask, u32 seed_lo, u32 seed_hi, u32& lo, u32& hi) {
  FieldValues v;
  mask = field_prepare(f, w, flags, mask, v);
  u32 k[20];
  murmur3_words2(k, field_words(v, mask, k), seed_lo, seed_hi, lo, hi);
}

// A 32-bit fingerprint of a few words (for counting distinct address pairs:
// cheaper than MurmurHash3, and enough there).
static inline u32 fingerprint(const u32* w, u32 n) {
  u32 h = SUM_SEED_A;
  for (u32 i = 0; i < n; i++) h = rotl32(h ^ w[i], 5) * 0x9e3779b1u;
  return murmur3_fmix(h ^ n);
}

// The MAC pair's fingerprint (absent addresses as zeros).
static inline u32 mac_fingerprint(const FieldValues& v) {
  const u8* d = v.dmac ? v.dmac : ZERO_MAC;
  const u8* s = v.smac ? v.smac : ZERO_MAC;
  const u32 w[3] = {le32(d), le16(d + 4) | (le16(s) << 16), le32(s + 2)};
  return fingerprint(w, 3);
}

// The outer IP pair's fingerprint.
static inline u32 ip_fingerprint(const FieldValues& v) {
  u32 w[8];
  const u32 n = v.alen / 4;
  for (u32 i = 0; i < n; i++) {
    w[i] = le32(v.sip + 4 * i);
    w[n + i] = le32(v.dip + 4 * i);
  }
  return fingerprint(w, 2 * n);
}

// The flow key of a common frame (frame.h fast_frame): MurmurHash3 under two
// seeds of what field_words() gives for the source and destination address,
// protocol and ports (fragments without ports); symmetric: the smaller
// endpoint first, as field_order() puts it. N: address words, 1 (IPv4) or 4
// (IPv6), so the word count is a constant. k: the 2N + 3 words hashed (the
// first 2N the address pair, in frame order without symmetric).
template <u32 N>
static LAGHASH_INLINE void fast_flow_key(const u8* f, const FastFrame& x, bool symmetric, u32 seed_a, u32 seed_b, u32* k, u32& a, u32& b) {
  const u8* sip = f + x.off + (N == 1 ? 12 : 8);
  const u8* dip = sip + 4 * N;
  u32 sport = x.frag ? 0 : x.sport, dport = x.frag ? 0 : x.dport;
  if (symmetric) {
    const int c = bytes_cmp(sip, dip, 4 * N);
    if (c > 0 || (c == 0 && sport > dport)) {
      const u8* t = sip;
      sip = dip;
      dip = t;
      const u32 p = sport;
      sport = dport;
      dport = p;
    }
  }
  for (u32 i = 0; i < N; i++) {
    k[i] = le32(sip + 4 * i);
    k[N + i] = le32(dip + 4 * i);
  }
  k[2 * N] = x.proto;
  k[2 * N + 1] = sport;
  k[2 * N + 2] = dport;
  murmur3_words2(k, 2 * N + 3, seed_a, seed_b, a, b);
}

// flow_summary() of the common frame, without the walk record: the same
// words hashed the same way. False for any other frame.
static LAGHASH_INLINE bool summary_fast(const u8* f, u32 len, u32* o) {
  FastFrame x;
  if (!fast_frame(f, len, x)) return false;
  u32 k[11];
  const bool v4 = x.version == 4;
  if (v4) fast_flow_key<1>(f, x, false, SUM_SEED_A, SUM_SEED_B, k, o[0], o[1]);
  else fast_flow_key<4>(f, x, false, SUM_SEED_A, SUM_SEED_B, k, o[0], o[1]);
  const u32 na = v4 ? 2 : 8;  // the address pair's words
  o[2] = o[0];
  const u32 m[3] = {le32(f), le16(f + 4) | (le16(f + 6) << 16), le32(f + 8)};
  o[3] = fingerprint(m, 3);
  o[4] = fingerprint(k, na);
  const u32 sport = k[na + 1], dport = k[na + 2];
  o[5] = sport | (sport || dport ? (u32)SUM_PORTS : 0u) | (u32)SUM_IP;
  return true;
}

// What `laghash analyze` needs of a frame, from one walk (spec.h SUM_*).
static inline void flow_summary(const u8* f, u32 len, u32 link, i32* w, u32* o) {
  const u32 flow = FLD_SRC_IP | FLD_DST_IP | FLD_IP_PROTO | FLD_SRC_PORT | FLD_DST_PORT;
  if (link == LINK_ETHERNET && summary_fast(f, len, o)) return;
  walk(f, len, link, w, false);
  FieldValues v;
  u32 k[20];
  murmur3_words2(k, field_words(v, field_prepare(f, w, F_L2_FALLBACK, flow, v), k), SUM_SEED_A, SUM_SEED_B, o[0], o[1]);
  const bool tunnel = w[W_TUNNEL] != (i32)TUN_NONE;
  o[3] = mac_fingerprint(v);
  o[4] = v.sip ? ip_fingerprint(v) : 0;
  o[5] = v.sport | (v.sport || v.dport ? (u32)SUM_PORTS : 0u) | (v.sip ? (u32)SUM_IP : 0u) | (tunnel ? (u32)SUM_TUNNEL : 0u);
  o[2] = tunnel ? murmur3_words(k, field_words(v, field_prepare(f, w, F_INNER | F_L2_FALLBACK, flow, v), k), SUM_SEED_A) : o[0];
}

}  // namespace laghash

#endif
