// policy.h - one entry point per policy kind, dispatching to the system it
// reproduces (linux.h, dpdk.h, team.h) or to laghash's own (toeplitz.h,
// fields.h). A Policy is the decoded flat spec (spec.h S_*); it holds no
// pointer past the call that built it.
#ifndef LAGHASH_POLICY_H
#define LAGHASH_POLICY_H

#include "dpdk.h"
#include "fields.h"
#include "linux.h"
#include "team.h"
#include "toeplitz.h"

namespace laghash {

struct Policy {
  u32 kind, flags, arg, seed, hashfn;
  const u32* tables;  // Toeplitz tables (TOEPLITZ_TABLE_LEN entries) or nullptr
};

// Decode and check a spec; false when it is not one the TS compiler makes.
static inline bool policy_decode(const u32* spec, u32 n, const u32* tables, u32 tables_len, Policy& p) {
  if (n < S_LEN) return false;
  p = Policy{spec[S_KIND], spec[S_FLAGS], spec[S_ARG], spec[S_SEED], spec[S_HASHFN], nullptr};
  switch (p.kind) {
    case P_LINUX_L2: case P_LINUX_L23: case P_LINUX_L34: case P_LINUX_E23: case P_LINUX_E34:
    case P_LINUX_VLAN_SRCMAC: case P_DPDK_L2: case P_DPDK_L23: case P_DPDK_L34: case P_TEAM:
      return true;
    case P_TOEPLITZ:
      if (!tables || tables_len < TOEPLITZ_TABLE_LEN) return false;
      p.tables = tables;
      return true;
    case P_FIELDS:
      return p.hashfn == HASH_XOR || p.hashfn == HASH_MURMUR3;
    default:
      return false;
  }
}

// The hash of one frame under policy kind KIND. w is scratch for the walk.
template <u32 KIND>
static LAGHASH_INLINE u32 policy_hash(const Policy& p, const u8* f, u32 len, u32 link, i32* w) {
  if constexpr (KIND == P_TOEPLITZ || KIND == P_FIELDS) {
    if constexpr (KIND == P_TOEPLITZ) {
      u32 h;
      if (!(p.flags & F_INNER) && link == LINK_ETHERNET && toeplitz_fast(f, len, p.arg, p.tables, h)) return h;
    }
    walk(f, len, link, w, false);
    if constexpr (KIND == P_TOEPLITZ) {
      i32 ip = (p.flags & F_INNER) ? w[W_INNER_IP] : (w[W_NIP] > 0 ? 0 : -1);
      return toeplitz_hash(f, w, ip, p.arg, p.tables);
    } else {
      return fields_hash(f, w, p.flags, p.arg, p.hashfn, p.seed);
    }
  } else {
    View v;
    const bool linux_like = KIND < P_DPDK_L2 || KIND == P_TEAM;
    make_view(f, len, link, linux_like && !(p.flags & F_VLAN_INBAND), v);
    if constexpr (KIND == P_LINUX_L2) return linux_layer2(v);
    else if constexpr (KIND == P_LINUX_L23) return linux_l3<false, false>(v);
    else if constexpr (KIND == P_LINUX_L34) return linux_l3<true, false>(v);
    else if constexpr (KIND == P_LINUX_E23) return linux_l3<false, true>(v);
    else if constexpr (KIND == P_LINUX_E34) return linux_l3<true, true>(v);
    else if constexpr (KIND == P_LINUX_VLAN_SRCMAC) return linux_vlan_srcmac(v);
    else if constexpr (KIND == P_DPDK_L2) return dpdk_l2(v);
    else if constexpr (KIND == P_DPDK_L23) return dpdk_l23(v);
    else if constexpr (KIND == P_DPDK_L34) return dpdk_l34(v);
    else return team_hash(v, p.arg);
  }
}

// Call F::template run<KIND>() for the policy's kind (kinds checked by policy_decode).
template <class F>
static inline void policy_dispatch(u32 kind, F&& fn) {
  switch (kind) {
    case P_LINUX_L2: fn.template run<P_LINUX_L2>(); break;
    case P_LINUX_L23: fn.template run<P_LINUX_L23>(); break;
    case P_LINUX_L34: fn.template run<P_LINUX_L34>(); break;
    case P_LINUX_E23: fn.template run<P_LINUX_E23>(); break;
    case P_LINUX_E34: fn.template run<P_LINUX_E34>(); break;
    case P_LINUX_VLAN_SRCMAC: fn.template run<P_LINUX_VLAN_SRCMAC>(); break;
    case P_DPDK_L2: fn.template run<P_DPDK_L2>(); break;
    case P_DPDK_L23: fn.template run<P_DPDK_L23>(); break;
    case P_DPDK_L34: fn.template run<P_DPDK_L34>(); break;
    case P_TEAM: fn.template run<P_TEAM>(); break;
    case P_TOEPLITZ: fn.template run<P_TOEPLITZ>(); break;
    case P_FIELDS: fn.template run<P_FIELDS>(); break;
    default: break;
  }
}

}  // namespace laghash

#endif
