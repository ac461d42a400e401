// fuzz_walk.cc - a libFuzzer harness over laghash's native engine, built
// without Node from the headers of native/ (scripts/fuzz.mjs builds and runs it:
// npm run fuzz -- --seconds N).
//
// Input: CFG_LEN configuration bytes, then one frame. The configuration picks
// a policy (kind, flags, argument, seed, hash function), a selector (kind,
// ports, usable count, buckets, flags, table contents, clock) and two cut
// points; the frame, its two cuts and a reply (its MACs swapped) then go,
// under every link type laghash walks and one it does not, through the entry
// points addon.cc calls: walk (dissect), hash_batch, select_batch,
// select_hashes, learn_batch (same-port), summary_batch, tally and
// flow_accumulate, and murmur3.
//
// Memory errors are the sanitizers' to find: every frame is copied into an
// allocation of exactly its length, so one byte read past it (or before it) is
// reported. The harness also checks what the sanitizers cannot see, and aborts
// when a check fails (libFuzzer then keeps the input):
//   - the walk record: counts within their caps, every recorded offset with
//     the bytes it stands for inside the frame (the TS twin and dissect() read
//     them), W_END not past the frame; the hash paths' partial record equals
//     the full one wherever it is defined;
//   - hashes do not depend on the batch layout (one frame alone, packed with a
//     link type per frame, strided) nor on the scratch record's old contents;
//   - every port is a port of the selector or NO_PORT; select_batch equals
//     select_hashes over the same hashes; tally's shared-index path equals
//     selecting in every state; a same-port conversation learnt on a usable
//     port sends its reply there;
//   - the flow table counts exactly the distinct flow keys, never reports a
//     table it filled as corrupt, and stays within its capacity;
//   - murmur3 over words equals murmur3 over their bytes;
//   - first_bad_frame() finds a frame placed one byte past the buffer;
//   - the pcap record loop, over the frame's bytes and a cut of them in its
//     own allocation as a record stream in both byte orders: every record it
//     takes lies inside the bytes, each right after the one before, its
//     incl_len within the cap; it flags exactly the runs with a record above
//     the snapshot or its original length; it stops only for want of slots,
//     bytes or a record that does not fit; and a shorter run takes a prefix
//     of a longer.
//
// Nothing here allocates in the engine's place: the arrays the engine updates
// (selector tables, counters, the flow table) are built here the way
// lib/selectors.ts, lib/team.ts and lib/analyze.ts build them, or, where the
// engine promises to cope with any contents (conversation entries, flow
// slots), filled with input bytes.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "../batch.h"
#include "../capture.h"
#include "../flows.h"

using namespace laghash;

namespace {

// ---- the configuration bytes ----------------------------------------------

enum : u32 {
  C_POLICY = 0,    // policy kind: index into KINDS (mod its length)
  C_PFLAGS = 1,    // F_* flags (low 4 bits); bit 4: HASH_MURMUR3 (fields)
  C_ARG = 2,       // 2 bytes, little-endian: S_ARG (team / toeplitz / fields mask)
  C_SEED = 4,      // 4 bytes, little-endian: S_SEED
  C_SELECTOR = 8,  // selector kind: index into SELECTORS (low 3 bits, mod 6); SF_* flags << 4
  C_PORTS = 9,     // ports - 1 (mod 64)
  C_COUNT = 10,    // usable entries (mod ports + 1)
  C_BUCKETS = 11,  // table: 1 << (b % 9); resilient: b + 1; same-port: 4 << (b % 6)
  C_FILL = 12,     // seed of the table contents
  C_CUT = 13,      // 2 bytes: the cut points, as fractions of the frame (x / 256)
  C_CLOCK = 15,    // same-port: maxidle and the clock step between learning and sending
  C_MODE = 16,     // M_* bits below
  CFG_LEN = 17,
};

enum : u32 {
  M_RAW_CONV = 1u << 0,   // same-port: conversation entries from input bytes instead of empty
  M_RAW_FLOWS = 1u << 1,  // flows: a second table whose slots and index come from input bytes
  M_STATS = 1u << 2,      // selectors count into stats
};

const u32 KINDS[] = {P_LINUX_L2, P_LINUX_L23, P_LINUX_L34, P_LINUX_E23, P_LINUX_E34, P_LINUX_VLAN_SRCMAC,
                     P_DPDK_L2,  P_DPDK_L23,  P_DPDK_L34,  P_TEAM,      P_TOEPLITZ,  P_FIELDS};
const u32 SELECTORS[] = {SK_MODULO, SK_TEAM, SK_TABLE, SK_RESILIENT, SK_RENDEZVOUS, SK_SAME_PORT};
enum : u32 { REPEAT = 4 };  // the packed batch holds the frames this many times
const u32 LINKS[] = {LINK_ETHERNET, LINK_SLL, LINK_SLL2, LINK_RAW, LINK_IPV4, LINK_IPV6, 0 /* not walked */};

// A failed check: say which, then abort (libFuzzer reports a crash and keeps the input).
[[noreturn]] void check_failed(const char* what, int line) {
  fprintf(stderr, "fuzz_walk: check failed at line %d: %s\n", line, what);
  abort();
}
#define CHECK(cond)                              \
  do {                                           \
    if (!(cond)) check_failed(#cond, __LINE__);  \
  } while (0)

// xorshift32: table contents from a seed (never 0).
struct Rng {
  u32 x;
  explicit Rng(u32 seed) : x(seed * 2654435761u + 0x9e3779b9u) { if (!x) x = 1; }
  u32 next() {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
  }
};

// ---- tables the TypeScript side builds --------------------------------------

// Toeplitz tables of lib/toeplitz.ts for the Microsoft RSS key: entry
// [pos][b] is the XOR of the 32-bit key windows at the set bits of byte b
// at input position pos.
const u32* toeplitz_tables() {
  static std::vector<u32> t;
  if (!t.empty()) return t.data();
  static const u8 key[40] = {0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
                             0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
                             0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};
  auto window = [](u32 bit) {  // the 32 key bits starting at `bit`
    u64 v = 0;
    for (u32 i = 0; i < 5; i++) v = (v << 8) | (bit / 8 + i < sizeof key ? key[bit / 8 + i] : 0);
    return (u32)(v >> (8 - bit % 8));
  };
  t.assign(TOEPLITZ_TABLE_LEN, 0);
  for (u32 pos = 0; pos < TOEPLITZ_INPUT_MAX; pos++)
    for (u32 b = 0; b < 256; b++)
      for (u32 j = 0; j < 8; j++)
        if (b & (0x80u >> j)) t[pos * 256 + b] ^= window(pos * 8 + j);
  return t.data();
}

// The rendezvous log2 table of lib/selectors.ts: round(log2(1 + i / 1024) * 65536).
void rdv_log2(u32* out) {
  static u32 table[RDV_LOG2_LEN];
  if (!table[RDV_LOG2_LEN - 1])
    for (u32 i = 0; i < RDV_LOG2_LEN; i++) table[i] = (u32)std::lround(std::log2(1.0 + i / 1024.0) * 65536.0);
  memcpy(out, table, sizeof table);
}

// ---- the selector under test -------------------------------------------------

struct SelectorBuild {
  u32 spec[SEL_LEN];
  std::vector<u32> table;
  std::vector<double> stats;
  Selector s;
};

// Build a selector spec and table the way the TypeScript side would, with
// contents drawn from the configuration; returns it decoded.
void build_selector(const u8* cfg, const u8* raw, u32 raw_len, u32 kind, u32 ports, u32 sflags, SelectorBuild& b) {
  Rng rng(cfg[C_FILL] | (u32)cfg[C_SEED] << 8);
  for (u32& w : b.spec) w = 0;
  const u32 count = cfg[C_COUNT] % (ports + 1);
  u32 buckets = 0, words = 0;
  switch (kind) {
    case SK_MODULO: words = ports; break;
    case SK_TEAM: words = ports + TEAM_HTPM_LEN; break;
    case SK_TABLE: buckets = 1u << (cfg[C_BUCKETS] % 9); words = 2 * buckets; break;
    case SK_RESILIENT: buckets = cfg[C_BUCKETS] + 1u; words = 2 * buckets; break;
    case SK_RENDEZVOUS: words = ports * RDV_WORDS + RDV_LOG2_LEN; break;
    default: buckets = 4u << (cfg[C_BUCKETS] % 6); words = conv_base(ports) + buckets * CONV_WORDS; break;
  }
  b.table.assign(words, 0);
  u32* t = b.table.data();
  switch (kind) {
    case SK_MODULO:
      for (u32 i = 0; i < count; i++) t[i] = rng.next() % ports;
      break;
    case SK_TEAM:
      for (u32 i = 0; i < count; i++) t[i] = rng.next() % ports;
      for (u32 i = 0; i < TEAM_HTPM_LEN; i++) t[count + i] = rng.next() % 4 ? rng.next() % ports : PORT_NONE;
      break;
    case SK_TABLE: case SK_RESILIENT:
      for (u32 i = 0; i < buckets; i++) t[i] = rng.next() % 8 ? rng.next() % ports : PORT_NONE;
      for (u32 i = 0; i < buckets; i++) t[buckets + i] = rng.next();  // last-use stamps
      break;
    case SK_RENDEZVOUS:
      for (u32 i = 0; i < count; i++) {
        t[i * RDV_WORDS] = rng.next() % ports;
        t[i * RDV_WORDS + 1] = 1 + rng.next() % 0xffff;  // weight
        t[i * RDV_WORDS + 2] = rng.next();                // seed
      }
      rdv_log2(t + count * RDV_WORDS);
      break;
    default: {  // same-port: usable flags, then the conversation sets
      u32 usable = 0;
      for (u32 i = 0; i < ports; i++) usable += t[i] = rng.next() % 4 != 0;
      b.spec[SEL_COUNT] = usable;
      b.spec[SEL_MAXIDLE] = cfg[C_CLOCK] & 0x0f;
      b.spec[SEL_FIRST] = rng.next() % ports;
      u32* conv = t + conv_base(ports);
      const bool raw_conv = (cfg[C_MODE] & M_RAW_CONV) && raw_len > 0;
      for (u32 i = 0; i < buckets * CONV_WORDS; i++)
        conv[i] = raw_conv ? raw[i % raw_len] * 0x01010101u ^ rng.next() % 3 : i % CONV_WORDS == 2 ? PORT_NONE : 0;
      break;
    }
  }
  b.spec[SEL_KIND] = kind;
  if (kind != SK_SAME_PORT) b.spec[SEL_COUNT] = count;
  b.spec[SEL_BUCKETS] = buckets;
  b.spec[SEL_NOW] = rng.next() % 1000;
  b.spec[SEL_FLAGS] = sflags;
  b.spec[SEL_PORTS] = ports;
  Selector probe{};
  probe.kind = kind;
  probe.buckets = buckets;
  probe.ports = ports;
  b.stats.assign(selector_stats_len(probe), 0.0);
  double* stats = (cfg[C_MODE] & M_STATS) ? b.stats.data() : nullptr;
  // a table built as above is one the engine must accept
  CHECK(selector_decode(b.spec, SEL_LEN, t, (u32)b.table.size(), stats, (u32)b.stats.size(), b.s));
}

// The selector with port k failed, as lib/selectors.ts rebuilds it: modulo,
// team and rendezvous drop k from their port lists (team: and from the
// hash-to-port table), table and resilient hand k's buckets to the next port.
// Without counters, as tally() takes its states.
void fail_port(const SelectorBuild& in, u32 k, SelectorBuild& out) {
  const Selector& s = in.s;
  memcpy(out.spec, in.spec, sizeof out.spec);
  out.table = in.table;
  const u32* src = in.table.data();
  u32* t = out.table.data();
  u32 m = 0;
  switch (s.kind) {
    case SK_MODULO: case SK_TEAM:
      for (u32 i = 0; i < s.count; i++)
        if (src[i] != k) t[m++] = src[i];
      if (s.kind == SK_TEAM)
        for (u32 i = 0; i < TEAM_HTPM_LEN; i++) t[m + i] = src[s.count + i] == k ? PORT_NONE : src[s.count + i];
      out.spec[SEL_COUNT] = m;
      break;
    case SK_TABLE: case SK_RESILIENT:
      for (u32 i = 0; i < s.buckets; i++)
        if (t[i] == k) t[i] = s.ports > 1 ? (k + 1) % s.ports : PORT_NONE;
      break;
    default:  // rendezvous
      for (u32 i = 0; i < s.count; i++)
        if (src[i * RDV_WORDS] != k) {
          for (u32 j = 0; j < RDV_WORDS; j++) t[m * RDV_WORDS + j] = src[i * RDV_WORDS + j];
          m++;
        }
      rdv_log2(t + m * RDV_WORDS);
      out.spec[SEL_COUNT] = m;
      break;
  }
  CHECK(selector_decode(out.spec, SEL_LEN, t, (u32)out.table.size(), nullptr, 0, out.s));
}

// ---- the frames ----------------------------------------------------------------

// A frame in an allocation of exactly its length.
struct Frame {
  std::unique_ptr<u8[]> bytes;
  u32 len;
  Frame(const u8* p, u32 n) : bytes(new u8[n]), len(n) {
    if (n) memcpy(bytes.get(), p, n);
  }
};

// One frame alone: the common layout of addon.cc (offsets, one link type).
struct Single {
  u32 offset = 0, length;
  Frames b;
  Single(const Frame& f, u32 link) : length(f.len) { b = Frames{f.bytes.get(), f.len, &offset, 0, &length, nullptr, link, 1}; }
};

// ---- checks of the walk record ---------------------------------------------------

void check_record(const i32* w, u32 len, u32 link) {
  CHECK(w[W_STATUS] >= (i32)ST_OK && w[W_STATUS] <= (i32)ST_BAD_LINK);
  CHECK(w[W_LINKTYPE] == (i32)link);
  CHECK(w[W_END] >= 0 && (u32)w[W_END] <= len);
  CHECK(w[W_NETH] >= 0 && w[W_NETH] <= (i32)MAX_ETH);
  for (i32 i = 0; i < w[W_NETH]; i++) CHECK(w[W_ETH + i] >= 0 && (u64)w[W_ETH + i] + 14 <= len);
  CHECK(w[W_SLL_ADDR] == -1 || (w[W_SLL_ADDR] >= 0 && (u64)w[W_SLL_ADDR] + 6 <= len));
  CHECK(w[W_NVLAN] >= 0 && w[W_NVLAN] <= (i32)MAX_VLAN);
  CHECK(w[W_NMPLS] >= 0 && w[W_NMPLS] <= (i32)MAX_MPLS);
  CHECK(w[W_NIP] >= 0 && w[W_NIP] <= (i32)MAX_IP);
  CHECK(w[W_INNER_IP] >= -1 && w[W_INNER_IP] < w[W_NIP]);
  CHECK(w[W_TUNNEL] >= (i32)TUN_NONE && w[W_TUNNEL] <= (i32)TUN_PPTP);
  for (i32 i = 0; i < w[W_NIP]; i++) {
    const i32* L = w + W_IP + i * IP_SLOTS;
    CHECK(L[I_KIND] >= (i32)IK_OUTER && L[I_KIND] <= (i32)IK_QUOTED);
    CHECK(L[I_VERSION] == 4 || L[I_VERSION] == 6);
    CHECK(L[I_OFF] >= 0 && (u64)L[I_OFF] + (L[I_VERSION] == 4 ? 20 : 40) <= len);  // the addresses policies read
    if (L[I_L4FLAGS] & L4_PORTS) CHECK(L[I_L4OFF] >= 0 && (u64)L[I_L4OFF] + 4 <= len);  // the ports Toeplitz reads
  }
  if (w[W_INNER_IP] >= 0) CHECK(w[W_IP + w[W_INNER_IP] * IP_SLOTS + I_KIND] != (i32)IK_QUOTED);
}

// The hash paths' record (full = false, over a scratch record holding
// anything) must equal the full one in every slot the counts say is defined.
void check_partial(const i32* full, const i32* part) {
  static const u32 scalars[] = {W_STATUS, W_LINKTYPE, W_END, W_FLAGS, W_ETHERTYPE, W_L3TYPE, W_NETH, W_SLL_ADDR,
                                W_NVLAN, W_NMPLS, W_PPPOE, W_NIP, W_TUNNEL, W_TUNNEL_ID, W_INNER_IP};
  for (u32 s : scalars) CHECK(full[s] == part[s]);
  for (i32 i = 0; i < full[W_NETH]; i++) CHECK(full[W_ETH + i] == part[W_ETH + i]);
  for (i32 i = 0; i < full[W_NVLAN]; i++) CHECK(full[W_VLAN + i] == part[W_VLAN + i]);
  for (i32 i = 0; i < full[W_NMPLS]; i++) CHECK(full[W_MPLS + i] == part[W_MPLS + i]);
  for (i32 i = 0; i < full[W_NIP] * (i32)IP_SLOTS; i++) CHECK(full[W_IP + i] == part[W_IP + i]);
}

// ---- one link type ---------------------------------------------------------------

struct Case {
  const u8* cfg;
  const u8* raw;  // the frame bytes as given (for fuzzed table contents)
  u32 raw_len;
  Policy policy;
  u32 sel_kind, ports, sflags;
};

void run_link(const Case& c, const std::vector<Frame>& frames, const Frame& reply, u32 link) {
  const u32 n = (u32)frames.size();
  i32 full[W_SLOTS], part[W_SLOTS];

  // the walk, as dissect() and as the hash paths run it
  for (const Frame& f : frames) {
    walk(f.bytes.get(), f.len, link, full, true);
    check_record(full, f.len, link);
    for (u32 i = 0; i < W_SLOTS; i++) part[i] = (i32)(0x5a5a5a5au ^ i);
    walk(f.bytes.get(), f.len, link, part, false);
    check_partial(full, part);
  }

  // hashes: each frame alone, then all of them packed (a link type per frame) and strided
  std::vector<u32> alone(n), strided(n);
  for (u32 i = 0; i < n; i++) {
    Single one(frames[i], link);
    CHECK(first_bad_frame(one.b, 0, 1) == -1);
    hash_batch(c.policy, one.b, 0, 1, &alone[i]);
  }
  // packed: the frames REPEAT times over (offsets into one copy of each), a
  // link type per frame, hashed in two calls; the arrays reach past each call,
  // as a ring's do, so the prefetch looks ahead
  const u32 m = n * REPEAT;
  u32 stride = 1;
  for (const Frame& f : frames) stride = f.len > stride ? f.len : stride;
  std::vector<u8> pdata, sdata((size_t)stride * n, 0);
  std::vector<u32> offsets(m), lengths(m);
  std::vector<u16> links(m, (u16)link);
  for (u32 i = 0; i < n; i++) {
    for (u32 r = 0; r < REPEAT; r++) {
      offsets[r * n + i] = (u32)pdata.size();
      lengths[r * n + i] = frames[i].len;
    }
    pdata.insert(pdata.end(), frames[i].bytes.get(), frames[i].bytes.get() + frames[i].len);
    if (frames[i].len) memcpy(sdata.data() + (size_t)i * stride, frames[i].bytes.get(), frames[i].len);
  }
  const Frames pb{pdata.data(), pdata.size(), offsets.data(), 0, lengths.data(), links.data(), 0, m};
  const Frames sb{sdata.data(), sdata.size(), nullptr, stride, lengths.data(), nullptr, link, n};
  CHECK(first_bad_frame(pb, 0, m) == -1 && first_bad_frame(sb, 0, n) == -1);
  std::vector<u32> packed(m);
  const u32 split = 1 + c.cfg[C_CUT] % (m - 1);
  hash_batch(c.policy, pb, 0, split, packed.data());
  hash_batch(c.policy, pb, split, m - split, packed.data());
  hash_batch(c.policy, sb, 0, n, strided.data());
  for (u32 i = 0; i < m; i++) CHECK(packed[i] == alone[i % n]);
  for (u32 i = 0; i < n; i++) CHECK(strided[i] == alone[i]);
  touch_batch(pb, 0, m, 64 + c.cfg[C_CUT + 1]);  // the benchmark baseline reads up to 319 bytes of each

  // a frame one byte past the buffer is the first bad one
  {
    std::vector<u32> bad_offsets(offsets);
    const u32 j = m - 1 - c.cfg[C_FILL] % m;
    bad_offsets[j] = (u32)pdata.size() - lengths[j] + 1;
    const Frames bb{pdata.data(), pdata.size(), bad_offsets.data(), 0, lengths.data(), links.data(), 0, m};
    CHECK(first_bad_frame(bb, 0, m) == (int64_t)j);
  }

  // the selector: each frame alone (state carried between calls), then over the hashes
  SelectorBuild sel;
  build_selector(c.cfg, c.raw, c.raw_len, c.sel_kind, c.ports, c.sflags, sel);
  Selector& s = sel.s;
  std::vector<u16> ports(n);
  for (u32 i = 0; i < n; i++) {
    Single one(frames[i], link);
    if (s.kind == SK_SAME_PORT) {
      // learn the frame on a port, then send its reply: the conversation is where it was learnt
      const u16 arrival = (u16)(c.cfg[C_FILL] % c.ports);
      learn_batch(s, one.b, 0, 1, &arrival);
      const u32 learnt_at = s.now;
      s.now += c.cfg[C_CLOCK] >> 4;
      const bool flow = (s.flags & SF_FLOW_KEY) != 0;
      // the reply of a MAC conversation: the frame with its addresses swapped (Ethernet);
      // a flow conversation is symmetric, so the frame itself
      const bool mac_reply = !flow && link == LINK_ETHERNET && i == 0;
      Single back(mac_reply ? reply : frames[i], link);
      select_batch(c.policy, s, back.b, 0, 1, &ports[i]);
      const bool live = s.now - learnt_at <= s.maxidle;
      if ((flow || mac_reply) && live && s.count && port_usable(s, arrival)) CHECK(ports[i] == arrival);
    } else {
      select_batch(c.policy, s, one.b, 0, 1, &ports[i]);
    }
    CHECK(ports[i] == NO_PORT || ports[i] < s.ports);
  }
  if (s.kind != SK_SAME_PORT) {
    std::vector<u16> again(n);
    select_hashes(s, alone.data(), 0, n, again.data());
    for (u32 i = 0; i < n; i++) CHECK(again[i] == ports[i]);
    select_batch(c.policy, s, pb, 0, n, again.data());  // and the packed batch
    for (u32 i = 0; i < n; i++) CHECK(again[i] == ports[i]);
  } else {
    std::vector<u16> arrival(n);
    for (u32 i = 0; i < n; i++) arrival[i] = (u16)((c.cfg[C_FILL] + i) % (c.ports + 1));  // one may be out of range: skipped
    learn_batch(s, pb, 0, n, arrival.data());
    select_batch(c.policy, s, sb, 0, n, ports.data());
    for (u32 i = 0; i < n; i++) CHECK(ports[i] == NO_PORT || ports[i] < s.ports);
  }

  // analysis: summaries, what-if tallies, the flow table
  std::vector<u32> summary((size_t)n * SUM_WORDS), wire(lengths);
  summary_batch(pb, 0, n, summary.data());
  std::vector<u32> summary2(summary.size());
  summary_batch(sb, 0, n, summary2.data());
  CHECK(summary == summary2);

  const u32 configs = 1;
  std::vector<u16> tports(n, (u16)NO_PORT);
  std::vector<u32> moved(n, 0);
  if (s.kind != SK_SAME_PORT && s.ports <= TALLY_MAX_PORTS) {
    // the normal state and one state per failed port (at most 3), without
    // counters, as lib/analyze.ts passes them
    Selector normal = s;
    normal.stats = nullptr;
    const u32 fails = s.ports < 3 ? s.ports : 3;
    std::vector<SelectorBuild> failed(fails);
    std::vector<Selector> fs(fails);
    for (u32 k = 0; k < fails; k++) {
      fail_port(sel, k, failed[k]);
      fs[k] = failed[k].s;
    }
    std::vector<double> counters(2 * s.ports + 2 * fails, 0.0);
    tally(normal, fs.data(), fails, alone.data(), wire.data(), 0, n, tports.data(), moved.data(), counters.data());
    double frames_counted = 0;
    for (u32 i = 0; i < n; i++) {
      const u32 p = select_hash(normal, alone[i], 0);
      CHECK(tports[i] == (u16)p);
      frames_counted += p < s.ports;
      for (u32 k = 0; k < fails; k++) CHECK(((moved[i] >> k) & 1) == (select_hash(fs[k], alone[i], 0) != p));
    }
    double sum = 0;
    for (u32 p = 0; p < s.ports; p++) sum += counters[p];
    CHECK(sum == frames_counted);
  }

  // the exact flow table: large enough, then one flow short, then (optionally) from input bytes
  std::vector<u64> keys;
  for (u32 i = 0; i < n; i++) {
    const u64 key = summary[i * SUM_WORDS] | (u64)(summary[i * SUM_WORDS + 1] & 0x1fffff) << 32;
    bool seen = false;
    for (u64 k : keys) seen |= k == key;
    if (!seen) keys.push_back(key);
  }
  for (u32 round = 0; round < 3; round++) {
    if (round == 2 && !(c.cfg[C_MODE] & M_RAW_FLOWS)) break;
    const u32 cap = round == 1 ? (u32)keys.size() - 1 : n, slots = 2 * 8;  // n <= 4: 16 slots hold them
    std::vector<double> tslots(slots, -1.0), tkeys(cap), tframes(cap), tbytes(cap);
    std::vector<i32> tindex(slots, 0);
    std::vector<u32> tmac(cap), pmask((size_t)cap * configs), mmask((size_t)cap * configs), meta(1, 0);
    if (round == 2) {  // slots and index from the input: the engine must notice, not misbehave
      for (u32 i = 0; i < slots; i++) {
        const u8 b = c.raw_len ? c.raw[i % c.raw_len] : 0;
        tslots[i] = b & 1 ? -1.0 : (double)(b >> 1);
        tindex[i] = (i32)(b % 5) - 1;
      }
      meta[0] = cap ? c.cfg[C_SEED + 1] % (cap + 1) : 0;
    }
    std::vector<u32> queues(KEYS_HEAD + 8 * (size_t)n, 0);
    std::vector<double> totals(6, 0.0);
    FlowTable ft{tslots.data(), tindex.data(), slots - 1, tkeys.data(), tframes.data(), tbytes.data(),
                 tmac.data(), pmask.data(), mmask.data(), cap, meta.data()};
    const u32 r = flow_accumulate(ft, configs, summary.data(), wire.data(), n, 0, n, tports.data(), moved.data(),
                                  queues.data(), totals.data());
    CHECK(meta[0] <= cap && queues_room(queues.data(), n, 0));
    if (round == 2) {
      CHECK(r == FLOWS_CORRUPT || r <= n);
      continue;
    }
    CHECK(r != FLOWS_CORRUPT);
    if (round == 0)
      CHECK(r == n && meta[0] == keys.size() && totals[0] == n && queues[KEY_MAC] >= (meta[0] ? 1u : 0u) &&
            queues[KEY_MAC] <= n && queues[KEY_IP] <= meta[0] && queues[KEY_OUTER] <= meta[0]);
    else CHECK(r < n && meta[0] == cap);  // stopped at the first frame of the flow that did not fit
  }
}

}  // namespace

// The frame's bytes as a pcap record stream (capture.h pcap_records), in both
// byte orders, into `slots` slots, records capped at max_captured.
static void check_pcap_records(const Frame& f, u32 slots, u32 max_captured) {
  const u8* d = f.bytes.get();
  for (bool le : {true, false}) {
    u32 off[64], len[64], orig[64];
    double ts[64];
    const u32 snap = max_captured / 2;
    bool odd = false, any = false;
    const u32 n = pcap_records(d, f.len, 0, le, le ? 1e6 : 1e9, max_captured, snap, off, len, orig, ts, 0, slots, odd);
    CHECK(n <= slots);
    u32 p = 0;
    for (u32 i = 0; i < n; i++) {
      CHECK(off[i] == p + PCAP_RECORD_HEADER && len[i] <= max_captured && (u64)off[i] + len[i] <= f.len);
      CHECK(len[i] == (le ? le32(d + p + 8) : be32(d + p + 8)));
      any |= len[i] > snap || len[i] > orig[i];
      p = off[i] + len[i];
    }
    CHECK(odd == any);
    // it stopped for a reason: no slots left, or the next record is cut or over the cap
    if (n < slots && f.len - p >= PCAP_RECORD_HEADER) {
      const u32 captured = le ? le32(d + p + 8) : be32(d + p + 8);
      CHECK(captured > max_captured || captured > f.len - p - PCAP_RECORD_HEADER);
    }
    // fewer slots: the same records, a prefix
    if (n > 0) {
      u32 off2[64], len2[64], orig2[64];
      double ts2[64];
      bool odd2;
      CHECK(pcap_records(d, f.len, 0, le, le ? 1e6 : 1e9, max_captured, snap, off2, len2, orig2, ts2, 0, n - 1, odd2) == n - 1);
      for (u32 i = 0; i + 1 < n; i++) CHECK(off2[i] == off[i] && len2[i] == len[i] && orig2[i] == orig[i] && ts2[i] == ts[i]);
    }
  }
}

extern "C" int LLVMFuzzerTestOneInput(const u8* data, size_t size) {
  if (size > (1u << 20)) return 0;  // frames are at most 256 KiB in a capture; keep runs short
  u8 cfg[CFG_LEN] = {0};
  memcpy(cfg, data, size < CFG_LEN ? size : CFG_LEN);
  const u8* raw = size > CFG_LEN ? data + CFG_LEN : data + size;
  const u32 len = size > CFG_LEN ? (u32)(size - CFG_LEN) : 0;

  Case c;
  c.cfg = cfg;
  c.raw = raw;
  c.raw_len = len;
  u32 spec[S_LEN] = {0};
  spec[S_KIND] = KINDS[cfg[C_POLICY] % (sizeof KINDS / sizeof KINDS[0])];
  spec[S_FLAGS] = cfg[C_PFLAGS] & 0x0f;
  spec[S_ARG] = cfg[C_ARG] | (u32)cfg[C_ARG + 1] << 8;
  spec[S_SEED] = le32(cfg + C_SEED);
  spec[S_HASHFN] = (cfg[C_PFLAGS] >> 4) & 1 ? HASH_MURMUR3 : HASH_XOR;
  CHECK(policy_decode(spec, S_LEN, toeplitz_tables(), TOEPLITZ_TABLE_LEN, c.policy));
  c.sel_kind = SELECTORS[(cfg[C_SELECTOR] & 7) % 6];
  c.sflags = cfg[C_SELECTOR] >> 4;
  c.ports = 1 + cfg[C_PORTS] % 64;

  // the frame, two cuts of it and its reply (MACs swapped)
  std::vector<Frame> frames;
  frames.emplace_back(raw, len);
  frames.emplace_back(raw, (u32)((u64)len * cfg[C_CUT] / 256));
  frames.emplace_back(raw, (u32)((u64)len * cfg[C_CUT + 1] / 256));
  Frame reply(raw, len);
  if (len >= 12)
    for (u32 i = 0; i < 6; i++) {
      u8 t = reply.bytes[i];
      reply.bytes[i] = reply.bytes[6 + i];
      reply.bytes[6 + i] = t;
    }

  // murmur3 over words is murmur3 over their little-endian bytes
  if (len >= 4) {
    const u32 nw = len / 4 < 64 ? len / 4 : 64;
    u32 words[64];
    for (u32 i = 0; i < nw; i++) words[i] = le32(raw + 4 * i);
    CHECK(murmur3_words(words, nw, spec[S_SEED]) == murmur3_bytes(raw, 4 * nw, spec[S_SEED]));
  }
  murmur3_bytes(frames[1].bytes.get(), frames[1].len, spec[S_SEED]);  // every tail length, in its own allocation

  for (u32 link : LINKS) run_link(c, frames, reply, link);
  check_pcap_records(frames[0], cfg[C_CUT] % 64, spec[S_SEED] & 0x3ffff);
  check_pcap_records(frames[1], cfg[C_CUT + 1] % 64, spec[S_ARG]);
  return 0;
}
