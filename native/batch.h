// batch.h - the batch loops: parse + hash (+ select) every frame of a range.
//
// Frames: frame i is data[off(i) .. off(i) + lengths[i]) with off(i) =
// offsets[i] (packed) or i * stride (strided). The caller validates the
// range once with first_bad_frame() before any output is written, so a bad
// frame never leaves a partial result in the caller's array; the loops then
// trust the bounds. Outputs are indexed like the frames (out[i] for frame i).
#ifndef LAGHASH_BATCH_H
#define LAGHASH_BATCH_H

#include "policy.h"
#include "select.h"

namespace laghash {

struct Frames {
  const u8* data;
  u64 data_len;
  const u32* offsets;  // nullptr: strided
  u32 stride;
  const u32* lengths;
  const u16* links;    // nullptr: every frame has link type `link`
  u32 link;
  u32 held;            // frames the per-frame arrays hold (prefetch may look that far ahead)
};

static inline u64 frame_offset(const Frames& b, u32 i) { return b.offsets ? (u64)b.offsets[i] : (u64)i * b.stride; }

// The first frame of [start, start + count) that does not lie inside the
// data buffer, or -1. Branch-free first pass (vectorisable), exact second.
static inline int64_t first_bad_frame(const Frames& b, u32 start, u32 count) {
  u32 bad = 0;
  const u64 end = (u64)start + count;
  if (b.offsets) {
    for (u64 i = start; i < end; i++) bad |= (u64)b.offsets[i] + b.lengths[i] > b.data_len;
  } else {
    for (u64 i = start; i < end; i++) bad |= i * b.stride + b.lengths[i] > b.data_len;
  }
  if (!bad) return -1;
  for (u64 i = start; i < end; i++)
    if (frame_offset(b, (u32)i) + b.lengths[i] > b.data_len) return (int64_t)i;
  return -1;
}

// Frames are scattered over a large buffer (one or two cache lines of headers
// per frame, a new 4 KiB page every few frames): asking for the first 64
// bytes of a frame PREFETCH_AHEAD frames early lets the misses of several
// frames overlap, where the walk alone would wait for the line holding the
// IP header only after parsing the one holding the Ethernet header.
enum : u32 { PREFETCH_AHEAD = 8 };

// Always inlined: GCC classes an out-of-line function whose only effect is a
// prefetch as free of side effects and deletes its calls.
// Frames past the end of the call but inside the arrays are prefetched too: a
// ring processed in small calls (the bound form) then finds the next call's
// first frames on their way. Only addresses inside the buffer are touched.
static LAGHASH_INLINE void prefetch_frame(const Frames& b, u32 i) {
  if (i >= b.held) return;
  const u64 off = frame_offset(b, i);
  if (off >= b.data_len) return;
  const u8* f = b.data + off;
  __builtin_prefetch(f);
  __builtin_prefetch(f + (off + 63 < b.data_len ? 63 : 0));  // the headers usually cross into the next cache line
}

template <u32 KIND, class Emit>
static inline void run_range(const Policy& p, const Frames& b, u32 start, u32 count, Emit emit) {
  i32 w[W_SLOTS];
  const u32 end = start + count;
  if (b.offsets && !b.links) {  // the common layout: packed frames of one link type
    const u32 link = b.link;
    for (u32 i = start; i < end; i++) {
      prefetch_frame(b, i + PREFETCH_AHEAD);
      emit(i, policy_hash<KIND>(p, b.data + b.offsets[i], b.lengths[i], link, w));
    }
    return;
  }
  for (u32 i = start; i < end; i++) {
    prefetch_frame(b, i + PREFETCH_AHEAD);
    const u32 link = b.links ? b.links[i] : b.link;
    emit(i, policy_hash<KIND>(p, b.data + frame_offset(b, i), b.lengths[i], link, w));
  }
}

struct HashRun {
  const Policy& p;
  const Frames& b;
  u32 start, count;
  u32* out;
  template <u32 KIND>
  void run() {
    u32* o = out;
    run_range<KIND>(p, b, start, count, [o](u32 i, u32 h) { o[i] = h; });
  }
};

struct SelectRun {
  const Policy& p;
  const Frames& b;
  const Selector& s;
  u32 start, count;
  u16* out;
  template <u32 KIND>
  void run() {
    u16* o = out;
    const Selector sel = s;
    const u32* lens = b.lengths;
    run_range<KIND>(p, b, start, count, [o, sel, lens](u32 i, u32 h) {
      const u32 port = select_hash(sel, h, lens[i]);
      count_frame(sel, port, lens[i]);
      o[i] = (u16)port;
    });
  }
};

static inline void hash_batch(const Policy& p, const Frames& b, u32 start, u32 count, u32* out) {
  policy_dispatch(p.kind, HashRun{p, b, start, count, out});
}

// Ports for hashes already computed (what-if analysis: the same hashes under
// several selector states). Not for same-port, which needs the frames.
static inline void select_hashes(const Selector& s, const u32* hashes, u32 start, u32 count, u16* out) {
  for (u32 i = start; i < start + count; i++) out[i] = (u16)select_hash(s, hashes[i], 0);
}

// What-if tallies for analysis: hashes under a normal selector state and under
// `fails` others (one port failed in each), in one pass. ports[i]: frame i's
// port; moved[i]: bit k set when state k puts it elsewhere. counters: frames
// per port (P = normal.ports), bytes per port, then frames and bytes moved per
// failure state. Specialised per selector kind (all states share it), the
// counters kept in locals while the frames stream by.
template <u32 KIND>
static inline u32 tally_select(const Selector& s, u32 h) {
  switch (KIND) {
    case SK_MODULO: return select_modulo(s, h);
    case SK_TEAM: return select_team(s, h, 0);
    case SK_TABLE: case SK_RESILIENT: return select_bucket(s, h, 0);
    default: return select_rendezvous(s, h);
  }
}

enum : u32 { TALLY_MAX_PORTS = 64, TALLY_MAX_FAILS = 32 };

// Where the states agree on how a hash indexes their tables, the index is
// computed once per frame: the bucket of table and resilient states (same
// bucket count), the remainder of modulo states (same usable count).
static inline bool tally_shared_index(const Selector& normal, const Selector* failed, u32 fails) {
  if (normal.kind == SK_TABLE || normal.kind == SK_RESILIENT) {
    for (u32 k = 0; k < fails; k++)
      if (failed[k].buckets != normal.buckets || (failed[k].flags & SF_STAMP)) return false;
    return !(normal.flags & SF_STAMP);
  }
  if (normal.kind == SK_MODULO) {
    for (u32 k = 1; k < fails; k++)
      if (failed[k].count != failed[0].count) return false;
    return true;
  }
  return false;
}

// The tally's local sums into the caller's counters (tally() describes them).
static inline void tally_add(double* counters, u32 P, u32 fails, const u64* pf, const u64* pb, const u64* mf, const u64* mb) {
  for (u32 p = 0; p < P; p++) {
    counters[p] += (double)pf[p];
    counters[P + p] += (double)pb[p];
  }
  for (u32 k = 0; k < fails; k++) {
    counters[2 * P + k] += (double)mf[k];
    counters[2 * P + fails + k] += (double)mb[k];
  }
}

template <u32 KIND, bool SHARED>
static inline void tally_kind(const Selector& normal, const Selector* failed, u32 fails, const u32* hashes, const u32* wire,
                              u32 start, u32 count, u16* ports, u32* moved, double* counters) {
  const u32 P = normal.ports;
  u64 pf[TALLY_MAX_PORTS] = {0}, pb[TALLY_MAX_PORTS] = {0}, mf[TALLY_MAX_FAILS] = {0}, mb[TALLY_MAX_FAILS] = {0};
  const u32 fcount = fails ? failed[0].count : 0;
  const u64 fmagic = fails ? failed[0].magic : 0;
  for (u32 i = start; i < start + count; i++) {
    const u32 h = hashes[i], len = wire[i];
    u32 p, idx = 0;
    if (SHARED && (KIND == SK_TABLE || KIND == SK_RESILIENT)) {
      idx = KIND == SK_TABLE ? h & (normal.buckets - 1) : fastmod(h, normal.magic, normal.buckets);
      p = normal.table[idx] == PORT_NONE ? (u32)NO_PORT : normal.table[idx];
    } else {
      p = tally_select<KIND>(normal, h);
      if (SHARED && KIND == SK_MODULO) idx = fcount ? fastmod(h, fmagic, fcount) : 0;
    }
    ports[i] = (u16)p;
    if (p < P) {
      pf[p] += 1;
      pb[p] += len;
    }
    u32 m = 0;
    for (u32 k = 0; k < fails; k++) {
      u32 q;
      if (SHARED && (KIND == SK_TABLE || KIND == SK_RESILIENT)) q = failed[k].table[idx] == PORT_NONE ? (u32)NO_PORT : failed[k].table[idx];
      else if (SHARED && KIND == SK_MODULO) q = fcount ? failed[k].table[idx] : (u32)NO_PORT;
      else q = tally_select<KIND>(failed[k], h);
      if (q != p) {
        m |= 1u << k;
        mf[k] += 1;
        mb[k] += len;
      }
    }
    moved[i] = m;
  }
  tally_add(counters, P, fails, pf, pb, mf, mb);
}

// Where the index is shared, a frame's port and moved mask depend only on its
// class: the bucket (table, resilient), or the hash modulo the least common
// multiple of the two usable counts (modulo: both remainders follow from it).
// With few classes, each class's port and mask are worked out once per call
// and the frames only counted per class: one lookup a frame, whatever the
// number of failure states. False when there are too many classes.
enum : u32 { TALLY_MAX_CLASSES = 1024 };

static inline u32 gcd32(u32 a, u32 b) {
  while (b) {
    const u32 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

template <u32 KIND>
static inline bool tally_classes(const Selector& normal, const Selector* failed, u32 fails, const u32* hashes, const u32* wire,
                                 u32 start, u32 count, u16* ports, u32* moved, double* counters) {
  const u32 c0 = normal.count ? normal.count : 1, c1 = fails && failed[0].count ? failed[0].count : 1;
  const u64 classes = KIND == SK_MODULO ? (u64)c0 / gcd32(c0, c1) * c1 : normal.buckets;
  if (classes > TALLY_MAX_CLASSES || classes > count) return false;  // the per-class work would not pay
  const u32 K = (u32)classes, P = normal.ports;
  u16 cp[TALLY_MAX_CLASSES];
  u32 cm[TALLY_MAX_CLASSES], cf[TALLY_MAX_CLASSES];
  u64 cb[TALLY_MAX_CLASSES];
  auto entry = [](const Selector& s, u32 r) -> u32 {
    if (KIND == SK_MODULO) return s.count ? s.table[r % s.count] : (u32)NO_PORT;
    return s.table[r] == PORT_NONE ? (u32)NO_PORT : s.table[r];
  };
  for (u32 r = 0; r < K; r++) {
    const u32 p = entry(normal, r);
    u32 m = 0;
    for (u32 k = 0; k < fails; k++) m |= (entry(failed[k], r) != p ? 1u : 0u) << k;
    cp[r] = (u16)p;
    cm[r] = m;
    cf[r] = 0;
    cb[r] = 0;
  }
  const u64 magic = fastmod_magic(K);
  for (u32 i = start; i < start + count; i++) {
    const u32 h = hashes[i];
    const u32 r = KIND == SK_TABLE ? h & (K - 1) : fastmod(h, magic, K);
    ports[i] = cp[r];
    moved[i] = cm[r];
    cf[r] += 1;
    cb[r] += wire[i];
  }
  u64 pf[TALLY_MAX_PORTS] = {0}, pb[TALLY_MAX_PORTS] = {0}, mf[TALLY_MAX_FAILS] = {0}, mb[TALLY_MAX_FAILS] = {0};
  for (u32 r = 0; r < K; r++) {
    if (cp[r] < P) {
      pf[cp[r]] += cf[r];
      pb[cp[r]] += cb[r];
    }
    for (u32 k = 0; k < fails; k++)
      if (cm[r] & (1u << k)) {
        mf[k] += cf[r];
        mb[k] += cb[r];
      }
  }
  tally_add(counters, P, fails, pf, pb, mf, mb);
  return true;
}

// Callers check: every state of one kind, not same-port; normal.ports <= TALLY_MAX_PORTS; fails <= TALLY_MAX_FAILS.
static inline void tally(const Selector& normal, const Selector* failed, u32 fails, const u32* hashes, const u32* wire,
                         u32 start, u32 count, u16* ports, u32* moved, double* counters) {
  const bool shared = tally_shared_index(normal, failed, fails);
#define LAGHASH_TALLY(K)                                                                                                \
  if (shared && K != SK_TEAM && K != SK_RENDEZVOUS &&                                                                    \
      tally_classes<K>(normal, failed, fails, hashes, wire, start, count, ports, moved, counters))                       \
    return;                                                                                                              \
  return shared ? tally_kind<K, true>(normal, failed, fails, hashes, wire, start, count, ports, moved, counters)         \
                : tally_kind<K, false>(normal, failed, fails, hashes, wire, start, count, ports, moved, counters)
  switch (normal.kind) {
    case SK_MODULO: LAGHASH_TALLY(SK_MODULO);
    case SK_TEAM: LAGHASH_TALLY(SK_TEAM);
    case SK_TABLE: LAGHASH_TALLY(SK_TABLE);
    case SK_RESILIENT: LAGHASH_TALLY(SK_RESILIENT);
    default: LAGHASH_TALLY(SK_RENDEZVOUS);
  }
#undef LAGHASH_TALLY
}

// Same-port: a software pipeline. The key of frame i + CONV_AHEAD is
// computed and its table set prefetched while frame i is looked up, so the
// misses of a large table overlap with the work on the frames before them.
// Lookups and updates still run in frame order.
enum : u32 { CONV_AHEAD = 16, CONV_RING = 32 };

template <class Step>
static inline void conv_range(const Selector& s, const Frames& b, u32 start, u32 count, bool peer_src, Step step) {
  i32 w[W_SLOTS];
  ConvKey keys[CONV_RING];
  u32 sets[CONV_RING];
  const bool flow = (s.flags & SF_FLOW_KEY) != 0;
  const u32 end = start + count;
  auto prepare = [&](u32 i) {
    prefetch_frame(b, i + PREFETCH_AHEAD);
    const u32 r = i % CONV_RING;
    keys[r] = conv_key(b.data + frame_offset(b, i), b.lengths[i], b.links ? b.links[i] : b.link, flow, peer_src, w);
    sets[r] = conv_set(s, keys[r]);
    __builtin_prefetch(conv_slots(s, sets[r]));  // one cache line (conv_base aligns the sets)
  };
  const u32 primed = count < CONV_AHEAD ? end : start + CONV_AHEAD;
  for (u32 i = start; i < primed; i++) prepare(i);
  for (u32 i = start; i < end; i++) {
    if (i + CONV_AHEAD < end) prepare(i + CONV_AHEAD);
    step(i, keys[i % CONV_RING], conv_slots(s, sets[i % CONV_RING]));
  }
}

static inline void select_batch(const Policy& p, const Selector& s, const Frames& b, u32 start, u32 count, u16* out) {
  if (s.kind != SK_SAME_PORT) {
    policy_dispatch(p.kind, SelectRun{p, b, s, start, count, out});
    return;
  }
  conv_range(s, b, start, count, false, [&](u32 i, ConvKey k, u32* set) {
    const u32 port = same_port_send(s, set, k);
    count_frame(s, port, b.lengths[i]);
    out[i] = (u16)port;
  });
}

// Same-port receive: frame i arrived on port arrival[i]; its conversation moves there.
static inline void learn_batch(const Selector& s, const Frames& b, u32 start, u32 count, const u16* arrival) {
  conv_range(s, b, start, count, true, [&](u32 i, ConvKey k, u32* set) {
    if (arrival[i] < s.ports) same_port_learn(s, set, k, arrival[i]);
  });
}

// Frame summaries for analysis (fields.h flow_summary): SUM_WORDS per frame.
static inline void summary_batch(const Frames& b, u32 start, u32 count, u32* out) {
  i32 w[W_SLOTS];
  for (u32 i = start; i < start + count; i++) {
    prefetch_frame(b, i + PREFETCH_AHEAD);
    flow_summary(b.data + frame_offset(b, i), b.lengths[i], b.links ? b.links[i] : b.link, w, out + (u64)i * SUM_WORDS);
  }
}

// The memory baseline for benchmarks: read the first `bytes` bytes of every
// frame (8 at a time, with the same prefetch as the hash loops) and nothing else.
static inline u64 touch_batch(const Frames& b, u32 start, u32 count, u32 bytes) {
  u64 acc = 0;
  const u32 end = start + count;
  for (u32 i = start; i < end; i++) {
    prefetch_frame(b, i + PREFETCH_AHEAD);
    const u8* f = b.data + frame_offset(b, i);
    u32 n = b.lengths[i] < bytes ? b.lengths[i] : bytes, k = 0;
    for (; k + 8 <= n; k += 8) {
      u64 x;
      memcpy(&x, f + k, 8);
      acc ^= x;
    }
    for (; k < n; k++) acc += f[k];
  }
  return acc;
}

}  // namespace laghash

#endif
