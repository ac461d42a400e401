// spec.h - the flat layouts shared by TypeScript and C++.
//
// A policy and a selector are compiled once, in TypeScript (lib/spec.ts holds
// the same numbers), into a few u32 words plus optional tables; both backends
// read exactly that. The walk record (W_*) is the generic header walk's
// output, an array of i32 slots: native fills a C array, the TS twin an
// Int32Array, and dissect() exposes it. test/spec.test.ts checks that every
// number here equals its TypeScript twin (the addon exports them).
#ifndef LAGHASH_SPEC_H
#define LAGHASH_SPEC_H

#include "bytes.h"

namespace laghash {

// ---- capture link types (LINKTYPE_* of pcap / pcapng) ----
enum : u32 {
  LINK_ETHERNET = 1,
  LINK_RAW = 101,     // raw IPv4 or IPv6, version from the first nibble
  LINK_SLL = 113,     // Linux cooked capture v1, 16-byte header
  LINK_IPV4 = 228,
  LINK_IPV6 = 229,
  LINK_SLL2 = 276,    // Linux cooked capture v2, 20-byte header
};

// ---- policy spec: u32 words ----
enum : u32 {
  S_KIND = 0,    // P_* below
  S_FLAGS = 1,   // F_* below
  S_ARG = 2,     // team: T_* mask; toeplitz: R_* mask; fields: FLD_* mask
  S_SEED = 3,    // fields: murmur3 seed
  S_HASHFN = 4,  // fields: HASH_XOR or HASH_MURMUR3
  S_LEN = 8,
};

enum : u32 {
  P_LINUX_L2 = 1,
  P_LINUX_L23 = 2,
  P_LINUX_L34 = 3,
  P_LINUX_E23 = 4,
  P_LINUX_E34 = 5,
  P_LINUX_VLAN_SRCMAC = 6,
  P_DPDK_L2 = 10,
  P_DPDK_L23 = 11,
  P_DPDK_L34 = 12,
  P_TEAM = 20,
  P_TOEPLITZ = 30,
  P_FIELDS = 40,
};

enum : u32 {
  F_VLAN_INBAND = 1u << 0,  // linux/team: the outermost tag is data, not offloaded metadata
  F_SYMMETRIC = 1u << 1,    // fields: both directions of a conversation hash alike
  F_INNER = 1u << 2,        // fields/toeplitz: hash the innermost headers of tunnels
  F_L2_FALLBACK = 1u << 3,  // fields: frames without IP hash on src/dst MAC and ethertype
};

// teamd runner.tx_hash fragments (teamd_hash_func.c / teamd_bpf_chef.c)
enum : u32 {
  T_ETH = 1u << 0,
  T_VLAN = 1u << 1,
  T_IPV4 = 1u << 2,
  T_IPV6 = 1u << 3,
  T_TCP = 1u << 4,
  T_UDP = 1u << 5,
  T_SCTP = 1u << 6,
};

// rss:toeplitz input set: which transports add their ports (4-tuple)
enum : u32 {
  R_TCP = 1u << 0,
  R_UDP = 1u << 1,
  R_SCTP = 1u << 2,
};
enum : u32 { TOEPLITZ_INPUT_MAX = 36, TOEPLITZ_TABLE_LEN = TOEPLITZ_INPUT_MAX * 256 };

// laghash field policies
enum : u32 {
  FLD_SRC_MAC = 1u << 0,
  FLD_DST_MAC = 1u << 1,
  FLD_ETHER_TYPE = 1u << 2,
  FLD_VLAN = 1u << 3,
  FLD_SRC_IP = 1u << 4,
  FLD_DST_IP = 1u << 5,
  FLD_IP_PROTO = 1u << 6,
  FLD_FLOW_LABEL = 1u << 7,
  FLD_SRC_PORT = 1u << 8,
  FLD_DST_PORT = 1u << 9,
  FLD_TUNNEL_ID = 1u << 10,
  FLD_MPLS_LABEL = 1u << 11,
  FLD_ALL = (1u << 12) - 1,
};
enum : u32 { HASH_XOR = 0, HASH_MURMUR3 = 1 };

// ---- selector spec ----
// A selector maps a policy's hash (or, for same-port, the frame's
// conversation) to a port id. Its spec words say which kind and where its
// parts sit in the selector table (u32 words, which native may update: bucket
// stamps, conversations) and in the stats array (doubles: counters).
enum : u32 {
  SEL_KIND = 0,     // SK_* below
  SEL_COUNT = 1,    // entries of the port list: usable ports, enabled ports, rendezvous ports
  SEL_BUCKETS = 2,  // table/resilient: buckets; same-port: conversation slots (a power of two)
  SEL_NOW = 3,      // the caller's clock, in its own units (bucket and conversation stamps)
  SEL_FLAGS = 4,    // SF_* below
  SEL_PORTS = 5,    // ports of the team (counter arrays are this long)
  SEL_MAXIDLE = 6,  // same-port: a conversation idle longer than this (clock units) is expired
  SEL_FIRST = 7,    // same-port: the port new conversations start on
  SEL_LEN = 8,
};
enum : u32 {
  SK_MODULO = 1,      // table[hash % count]: Linux bonding, DPDK
  SK_TEAM = 2,        // team driver: one-byte fold, hash-to-port table, else table[byte % count]
  SK_TABLE = 3,       // buckets[hash & (buckets - 1)]
  SK_RESILIENT = 4,   // buckets[hash % buckets]
  SK_RENDEZVOUS = 5,  // highest (weighted) random weight over count ports
  SK_SAME_PORT = 6,   // the port the conversation's peer was last heard on
};
enum : u32 {
  SF_COUNT = 1u << 0,     // add each frame to the stats (frames and bytes per port, bytes per bucket)
  SF_FLOW_KEY = 1u << 1,  // same-port: conversations are flows, not peer MACs
  SF_HTPM = 1u << 2,      // team: the hash-to-port mapping table is in use
  SF_STAMP = 1u << 3,     // table/resilient: stamp each bucket's last use with SEL_NOW
};
enum : u32 {
  PORT_LIMIT = 4096,
  NO_PORT = 0xFFFF,        // output when no port is usable
  PORT_NONE = 0xFFFFFFFF,  // an empty table entry
  TEAM_HTPM_LEN = 256,     // the team driver's hash-to-port table (one per hash byte)
  RDV_WORDS = 3,           // rendezvous entry: port id, weight, seed
  RDV_LOG2_LEN = 1024,     // rendezvous: log2 table after the entries
  CONV_WORDS = 4,          // conversation entry: key low, key high, port, stamp
  CONV_WAYS = 4,           // conversation slots per set: 4 x 16 bytes, one cache line
  CONV_STATS = 4,          // inserted, evicted (set full), expired (reused idle slot), moved
};

// ---- frame summaries (laghash analyze): SUM_WORDS u32 per frame ----
enum : u32 {
  SUM_WORDS = 6,
  // [0], [1]: the directional flow (outer IP 5-tuple, MACs and ethertype without
  //           IP), MurmurHash3 under SUM_SEED_A and SUM_SEED_B: a 64-bit key
  // [2]: the innermost flow under SUM_SEED_A when the frame crossed a tunnel, else [0]
  // [3]: a fingerprint of the (dst, src) MAC pair (fields.h mac_fingerprint)
  // [4]: a fingerprint of the (src, dst) outer IP pair, 0 without IP
  // [5]: the outer source port (or ICMP identifier) | SUM_* flags
  SUM_SEED_A = 0x1a6c0001,
  SUM_SEED_B = 0x1a6c0002,
  SUM_PORTS = 1u << 16,   // the frame has ports (or an ICMP identifier)
  SUM_IP = 1u << 17,      // the frame has an IP layer
  SUM_TUNNEL = 1u << 18,  // the frame crossed a tunnel
};

// ---- walk record ----
enum : u32 {
  ST_OK = 0,
  ST_TRUNCATED = 1,    // a header the walk needed ends past the frame
  ST_UNSUPPORTED = 2,  // a header laghash recognises but does not walk through
  ST_TOO_DEEP = 3,     // a named cap (tags, labels, IP layers, headers) was reached
  ST_MALFORMED = 4,    // a header field is impossible (IPv4 IHL < 5, wrong IP version, ...)
  ST_BAD_LINK = 5,     // the capture link type is not one laghash walks
};

enum : u32 {
  MAX_ETH = 3,        // Ethernet headers: outer plus inner ones behind TEB/VXLAN/Geneve/ERSPAN
  MAX_VLAN = 8,       // 802.1Q / 802.1ad / 0x9100 tags over the whole frame
  MAX_MPLS = 8,       // MPLS label stack entries
  MAX_IP = 4,         // IP headers: outer, tunnelled, ICMP-quoted
  MAX_IP6_EXT = 8,    // IPv6 extension headers per IPv6 header
  MAX_HEADERS = 24,   // every header the walk steps over
};

enum : u32 {
  W_STATUS = 0,
  W_LINKTYPE = 1,
  W_END = 2,          // offset just past the last header walked
  W_FLAGS = 3,        // WF_* below
  W_ETHERTYPE = 4,    // outermost ethertype (SLL protocol; synthesised for raw IP); -1 for 802.3 frames
  W_L3TYPE = 5,       // first ethertype after the outer VLAN tags (0x0800, 0x86DD, 0x8847, 0x0806, ...); -1 if none
  W_NETH = 6,
  W_ETH = 7,          // MAX_ETH offsets of Ethernet headers, outermost first
  W_SLL_ADDR = W_ETH + MAX_ETH,  // 10: offset of a 6-byte SLL/SLL2 sender address, -1 if none
  W_NVLAN = 11,
  W_VLAN = 12,        // MAX_VLAN entries: tpid << 16 | tci
  W_NMPLS = W_VLAN + MAX_VLAN,   // 20
  W_MPLS = 21,        // MAX_MPLS raw label stack entries
  W_PPPOE = W_MPLS + MAX_MPLS,   // 29: PPPoE session id, -1 if none
  W_NIP = 30,
  W_IP = 31,          // MAX_IP layers of IP_SLOTS each
  IP_SLOTS = 13,
  W_TUNNEL = W_IP + MAX_IP * IP_SLOTS,  // 83: TUN_* of the innermost tunnel crossed
  W_TUNNEL_ID = 84,   // GRE key or VXLAN/Geneve VNI of that tunnel, -1 if none
  W_INNER_IP = 85,    // index of the innermost IP layer that is not ICMP-quoted, -1 if none
  W_SLOTS = 88,
};

enum : u32 {
  WF_ETHERNET = 1u << 0,  // the frame starts with an Ethernet header
  WF_LLC = 1u << 1,       // 802.3 length field instead of an ethertype
  WF_SLL = 1u << 2,
  WF_RAW = 1u << 3,
};

// per IP layer slots, at W_IP + i * IP_SLOTS
enum : u32 {
  I_KIND = 0,      // IK_* below
  I_VERSION = 1,   // 4 or 6
  I_OFF = 2,       // offset of the IP header
  I_NEXT = 3,      // IPv4 protocol field / IPv6 fixed header next header
  I_PROTO = 4,     // transport protocol after IPv6 extension headers and AH, -1 if not reached
  I_L4OFF = 5,     // offset of that transport header, -1 if not reached (later fragments, cut chains)
  I_FRAG = 6,      // IF_* bits, fragment offset (8-byte units) << 16
  I_FLOW = 7,      // IPv6 flow label, IPv4 identification
  I_L4FLAGS = 8,   // L4_* bits: which of the next slots hold values
  I_SPORT = 9,
  I_DPORT = 10,
  I_ICMP = 11,     // type | code << 8 | identifier << 16
  I_SPI = 12,      // ESP or AH security parameters index
};
enum : u32 { IK_OUTER = 1, IK_TUNNELLED = 2, IK_QUOTED = 3 };
enum : u32 { IF_FRAGMENT = 1u << 0, IF_MORE = 1u << 1, IF_FRAG_HEADER = 1u << 2 };
enum : u32 { L4_PORTS = 1u << 0, L4_ICMP = 1u << 1, L4_ICMP_ID = 1u << 2, L4_SPI = 1u << 3 };
enum : u32 {
  TUN_NONE = 0,
  TUN_GRE = 1,
  TUN_IPIP = 2,     // any IP-in-IP: 4in4, 6in4, 4in6, 6in6
  TUN_VXLAN = 3,
  TUN_GENEVE = 4,
  TUN_MPLS_IP = 5,  // MPLS in IP (protocol 137)
  TUN_ERSPAN = 6,
  TUN_PPTP = 7,     // GRE version 1
};

}  // namespace laghash

#endif
