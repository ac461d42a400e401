/**
 * The flat layouts shared with native/spec.h: policy and selector specs, the
 * walk record. Every number here equals its C++ twin; test/spec.test.ts
 * compares them with the constants the addon exports.
 */

// capture link types (LINKTYPE_*)
export const LINK_ETHERNET = 1;
export const LINK_RAW = 101;
export const LINK_SLL = 113;
export const LINK_IPV4 = 228;
export const LINK_IPV6 = 229;
export const LINK_SLL2 = 276;

// policy spec words
export const S_KIND = 0;
export const S_FLAGS = 1;
export const S_ARG = 2;
export const S_SEED = 3;
export const S_HASHFN = 4;
export const S_LEN = 8;

export const P_LINUX_L2 = 1;
export const P_LINUX_L23 = 2;
export const P_LINUX_L34 = 3;
export const P_LINUX_E23 = 4;
export const P_LINUX_E34 = 5;
export const P_LINUX_VLAN_SRCMAC = 6;
export const P_DPDK_L2 = 10;
export const P_DPDK_L23 = 11;
export const P_DPDK_L34 = 12;
export const P_TEAM = 20;
export const P_TOEPLITZ = 30;
export const P_FIELDS = 40;

export const F_VLAN_INBAND = 1 << 0;
export const F_SYMMETRIC = 1 << 1;
export const F_INNER = 1 << 2;
export const F_L2_FALLBACK = 1 << 3;

export const T_ETH = 1 << 0;
export const T_VLAN = 1 << 1;
export const T_IPV4 = 1 << 2;
export const T_IPV6 = 1 << 3;
export const T_TCP = 1 << 4;
export const T_UDP = 1 << 5;
export const T_SCTP = 1 << 6;

export const R_TCP = 1 << 0;
export const R_UDP = 1 << 1;
export const R_SCTP = 1 << 2;
export const TOEPLITZ_INPUT_MAX = 36;
export const TOEPLITZ_TABLE_LEN = TOEPLITZ_INPUT_MAX * 256;

export const FLD_SRC_MAC = 1 << 0;
export const FLD_DST_MAC = 1 << 1;
export const FLD_ETHER_TYPE = 1 << 2;
export const FLD_VLAN = 1 << 3;
export const FLD_SRC_IP = 1 << 4;
export const FLD_DST_IP = 1 << 5;
export const FLD_IP_PROTO = 1 << 6;
export const FLD_FLOW_LABEL = 1 << 7;
export const FLD_SRC_PORT = 1 << 8;
export const FLD_DST_PORT = 1 << 9;
export const FLD_TUNNEL_ID = 1 << 10;
export const FLD_MPLS_LABEL = 1 << 11;
export const HASH_XOR = 0;
export const HASH_MURMUR3 = 1;

// selector spec words
export const SEL_KIND = 0;
export const SEL_COUNT = 1;
export const SEL_BUCKETS = 2;
export const SEL_NOW = 3;
export const SEL_FLAGS = 4;
export const SEL_PORTS = 5;
export const SEL_MAXIDLE = 6;
export const SEL_FIRST = 7;
export const SEL_LEN = 8;
export const SK_MODULO = 1;
export const SK_TEAM = 2;
export const SK_TABLE = 3;
export const SK_RESILIENT = 4;
export const SK_RENDEZVOUS = 5;
export const SK_SAME_PORT = 6;
export const SF_COUNT = 1 << 0;
export const SF_FLOW_KEY = 1 << 1;
export const SF_HTPM = 1 << 2;
export const SF_STAMP = 1 << 3;
export const PORT_LIMIT = 4096;
export const NO_PORT = 0xffff;
export const PORT_NONE = 0xffffffff;
export const TEAM_HTPM_LEN = 256;
export const RDV_WORDS = 3;
export const RDV_LOG2_LEN = 1024;
export const CONV_WORDS = 4;
export const CONV_WAYS = 4;
export const CONV_STATS = 4;

// frame summaries (laghash analyze): SUM_WORDS u32 per frame; see native/spec.h
export const SUM_WORDS = 6;
export const SUM_SEED_A = 0x1a6c0001;
export const SUM_SEED_B = 0x1a6c0002;
export const SUM_PORTS = 1 << 16;
export const SUM_IP = 1 << 17;
export const SUM_TUNNEL = 1 << 18;

// walk record
export const ST_OK = 0;
export const ST_TRUNCATED = 1;
export const ST_UNSUPPORTED = 2;
export const ST_TOO_DEEP = 3;
export const ST_MALFORMED = 4;
export const ST_BAD_LINK = 5;

export const MAX_ETH = 3;
export const MAX_VLAN = 8;
export const MAX_MPLS = 8;
export const MAX_IP = 4;
export const MAX_IP6_EXT = 8;
export const MAX_HEADERS = 24;

export const W_STATUS = 0;
export const W_LINKTYPE = 1;
export const W_END = 2;
export const W_FLAGS = 3;
export const W_ETHERTYPE = 4;
export const W_L3TYPE = 5;
export const W_NETH = 6;
export const W_ETH = 7;
export const W_SLL_ADDR = W_ETH + MAX_ETH;
export const W_NVLAN = 11;
export const W_VLAN = 12;
export const W_NMPLS = W_VLAN + MAX_VLAN;
export const W_MPLS = 21;
export const W_PPPOE = W_MPLS + MAX_MPLS;
export const W_NIP = 30;
export const W_IP = 31;
export const IP_SLOTS = 13;
export const W_TUNNEL = W_IP + MAX_IP * IP_SLOTS;
export const W_TUNNEL_ID = 84;
export const W_INNER_IP = 85;
export const W_SLOTS = 88;

export const WF_ETHERNET = 1 << 0;
export const WF_LLC = 1 << 1;
export const WF_SLL = 1 << 2;
export const WF_RAW = 1 << 3;

export const I_KIND = 0;
export const I_VERSION = 1;
export const I_OFF = 2;
export const I_NEXT = 3;
export const I_PROTO = 4;
export const I_L4OFF = 5;
export const I_FRAG = 6;
export const I_FLOW = 7;
export const I_L4FLAGS = 8;
export const I_SPORT = 9;
export const I_DPORT = 10;
export const I_ICMP = 11;
export const I_SPI = 12;

export const IK_OUTER = 1;
export const IK_TUNNELLED = 2;
export const IK_QUOTED = 3;
export const IF_FRAGMENT = 1 << 0;
export const IF_MORE = 1 << 1;
export const IF_FRAG_HEADER = 1 << 2;
export const L4_PORTS = 1 << 0;
export const L4_ICMP = 1 << 1;
export const L4_ICMP_ID = 1 << 2;
export const L4_SPI = 1 << 3;

export const TUN_NONE = 0;
export const TUN_GRE = 1;
export const TUN_IPIP = 2;
export const TUN_VXLAN = 3;
export const TUN_GENEVE = 4;
export const TUN_MPLS_IP = 5;
export const TUN_ERSPAN = 6;
export const TUN_PPTP = 7;
