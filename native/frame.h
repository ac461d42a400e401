// frame.h - bounds-checked header walks over one frame.
//
// Two views of a frame live here:
//
// 1. walk(): the generic walk that dissect() exposes and laghash's own
//    policies (field hashes, RSS Toeplitz) read. One cursor `off` over `len`;
//    every header read is preceded by need(); the walk records what it parsed
//    into the i32 walk record (spec.h W_*) and stops with a status at the
//    first header it cannot read (truncated), does not walk (unsupported),
//    finds impossible (malformed) or that exceeds a named cap (too deep). The
//    record always holds what was parsed up to that point. The common frame
//    takes one straight pass (fast_frame(), walk_fast()) to the same record.
//    Covered: Ethernet II and 802.3 length frames, 802.1Q / 802.1ad / 0x9100
//    tag stacks, MPLS, PPPoE session (also with PPP protocol field
//    compression), IPv4 (IHL, options, fragments), IPv6 and its extension
//    headers (hop-by-hop, routing, fragment, destination options, AH,
//    mobility, HIP, shim6), TCP, UDP, UDP-Lite, SCTP, DCCP
//    ports, ICMP and ICMPv6 type/code/identifier (errors: the quoted packet),
//    ESP and AH SPI, and tunnels: GRE (checksum, key, sequence; TEB, ERSPAN
//    I/II/III, PPTP), IP-in-IP, 6in4, 4in6, MPLS-in-IP, and on their UDP
//    destination ports VXLAN (4789), VXLAN-GPE (4790), Geneve (6081) and
//    GRE-in-UDP (4754).
//
// 2. View / make_view(): the frame as a reproduced system sees it: a 14-byte
//    Ethernet header (synthesised for Linux cooked and raw-IP captures) and
//    the bytes after it. For Linux bonding and the team driver the outermost
//    802.1Q/802.1ad tag of a captured frame is the skb's offloaded VLAN tag
//    (hwaccel metadata): the view drops it from the data and keeps its TCI,
//    as the kernel does for a bond's VLAN traffic. DPDK sees tags in-band.
//
// Limits: MAX_VLAN, MAX_MPLS, MAX_ETH, MAX_IP, MAX_IP6_EXT, MAX_HEADERS (spec.h).
// Nothing here allocates, keeps a pointer, or reads outside [f, f + len).
#ifndef LAGHASH_FRAME_H
#define LAGHASH_FRAME_H

#include "spec.h"

namespace laghash {

constexpr u32 ETH_P_IP = 0x0800;
constexpr u32 ETH_P_ARP = 0x0806;
constexpr u32 ETH_P_8021Q = 0x8100;
constexpr u32 ETH_P_8021AD = 0x88A8;   // IEEE 802.1ad
constexpr u32 ETH_P_QINQ_OLD = 0x9100; // pre-standard QinQ TPID
constexpr u32 ETH_P_IPV6 = 0x86DD;
constexpr u32 ETH_P_MPLS_UC = 0x8847;
constexpr u32 ETH_P_MPLS_MC = 0x8848;
constexpr u32 ETH_P_PPP_SES = 0x8864;
constexpr u32 ETH_P_TEB = 0x6558;      // transparent Ethernet bridging (GRE, Geneve)
constexpr u32 ETH_P_ERSPAN2 = 0x88BE;
constexpr u32 ETH_P_ERSPAN3 = 0x22EB;
constexpr u32 ETH_P_PPP = 0x880B;      // GRE protocol of PPTP
constexpr u32 NEXT_ETHERNET = 0x10000; // walk-internal: an Ethernet header follows

constexpr u32 IPPROTO_ICMP_ = 1;
constexpr u32 IPPROTO_IPIP_ = 4;
constexpr u32 IPPROTO_TCP_ = 6;
constexpr u32 IPPROTO_UDP_ = 17;
constexpr u32 IPPROTO_DCCP_ = 33;
constexpr u32 IPPROTO_IPV6_ = 41;
constexpr u32 IPPROTO_GRE_ = 47;
constexpr u32 IPPROTO_ESP_ = 50;
constexpr u32 IPPROTO_AH_ = 51;
constexpr u32 IPPROTO_ICMPV6_ = 58;
constexpr u32 IPPROTO_SCTP_ = 132;
constexpr u32 IPPROTO_UDPLITE_ = 136;
constexpr u32 IPPROTO_MPLS_ = 137;

constexpr u32 VXLAN_PORT = 4789, VXLAN_GPE_PORT = 4790, GENEVE_PORT = 6081, GRE_UDP_PORT = 4754;
constexpr u32 ERSPAN_FT_ETHERNET = 0, ERSPAN_FT_IP = 2;  // ERSPAN type III frame types

// ------------------------------------------------------------------ walk --

struct Walk {
  const u8* f;
  u32 len;
  i32* w;
  u32 headers;      // headers stepped over, capped by MAX_HEADERS
  bool tunnelled;   // a tunnel was crossed: later IP layers are IK_TUNNELLED
};

static inline bool need(const Walk& k, u32 off, u32 n) { return (u64)off + n <= k.len; }

// Record a stop: the status and where the walk stopped. Always returns false
// so callers can `return fail(...)`.
static inline bool fail(Walk& k, u32 status, u32 at) {
  k.w[W_STATUS] = (i32)status;
  k.w[W_END] = (i32)at;
  return false;
}

// A clean end of the walk at `at`.
static inline bool done(Walk& k, u32 at) {
  k.w[W_END] = (i32)at;
  return false;
}

// full: zero every slot (dissect exports the whole record); otherwise only
// the slots that are read before they are written (the hash paths).
static inline void walk_init(i32* w, u32 link, bool full) {
  if (full) {
    for (u32 i = 0; i < W_SLOTS; i++) w[i] = 0;
  } else {
    w[W_STATUS] = w[W_END] = w[W_FLAGS] = w[W_NETH] = w[W_NVLAN] = w[W_NMPLS] = w[W_NIP] = w[W_TUNNEL] = 0;
  }
  w[W_LINKTYPE] = (i32)link;
  w[W_ETHERTYPE] = -1;
  w[W_L3TYPE] = -1;
  w[W_SLL_ADDR] = -1;
  w[W_PPPOE] = -1;
  w[W_TUNNEL_ID] = -1;
  w[W_INNER_IP] = -1;
}

static inline void tunnel(Walk& k, u32 kind, i32 id) {
  k.w[W_TUNNEL] = (i32)kind;
  k.w[W_TUNNEL_ID] = id;
  k.tunnelled = true;
}

static inline void note_l3(Walk& k, u32 type) {
  if (k.w[W_L3TYPE] < 0) k.w[W_L3TYPE] = (i32)type;
}

// The capture's link layer: where the walk starts and with which protocol.
static inline bool walk_link(Walk& k, u32 link, u32& type, u32& off) {
  i32* w = k.w;
  off = 0;
  switch (link) {
    case LINK_ETHERNET:
      w[W_FLAGS] = WF_ETHERNET;
      type = NEXT_ETHERNET;
      return true;
    case LINK_SLL:  // packet type, ARPHRD, address length, address[8], protocol
      w[W_FLAGS] = WF_SLL;
      if (!need(k, 0, 16)) return fail(k, ST_TRUNCATED, 0);
      if (be16(k.f + 4) == 6) w[W_SLL_ADDR] = 6;
      type = be16(k.f + 14);
      off = 16;
      break;
    case LINK_SLL2:  // protocol, reserved, ifindex, ARPHRD, packet type, address length, address[8]
      w[W_FLAGS] = WF_SLL;
      if (!need(k, 0, 20)) return fail(k, ST_TRUNCATED, 0);
      if (k.f[11] == 6) w[W_SLL_ADDR] = 12;
      type = be16(k.f);
      off = 20;
      break;
    case LINK_RAW:
    case LINK_IPV4:
    case LINK_IPV6: {
      w[W_FLAGS] = WF_RAW;
      if (!need(k, 0, 1)) return fail(k, ST_TRUNCATED, 0);
      u32 v = k.f[0] >> 4;
      type = v == 4 ? ETH_P_IP : v == 6 ? ETH_P_IPV6 : 0;
      if (type == 0 || (link == LINK_IPV4 && v != 4) || (link == LINK_IPV6 && v != 6))
        return fail(k, ST_MALFORMED, 0);
      break;
    }
    default:
      return fail(k, ST_BAD_LINK, 0);
  }
  w[W_ETHERTYPE] = (i32)type;
  return true;
}

static inline bool walk_eth(Walk& k, u32& type, u32& off) {
  if (!need(k, off, 14)) return fail(k, ST_TRUNCATED, off);
  i32 n = k.w[W_NETH];
  if (n == (i32)MAX_ETH) return fail(k, ST_TOO_DEEP, off);
  k.w[W_ETH + n] = (i32)off;
  k.w[W_NETH] = n + 1;
  type = be16(k.f + off + 12);
  if (n == 0) k.w[W_ETHERTYPE] = type < 0x0600 ? -1 : (i32)type;
  off += 14;
  return true;
}

// 802.1Q, 802.1ad and 0x9100 tags: TCI, then the next ethertype.
static inline bool walk_vlan(Walk& k, u32& type, u32& off) {
  if (!need(k, off, 4)) return fail(k, ST_TRUNCATED, off);
  i32 n = k.w[W_NVLAN];
  if (n == (i32)MAX_VLAN) return fail(k, ST_TOO_DEEP, off);
  k.w[W_VLAN + n] = (i32)((type << 16) | be16(k.f + off));
  k.w[W_NVLAN] = n + 1;
  type = be16(k.f + off + 2);
  off += 4;
  return true;
}

// MPLS label stack (RFC 3032) down to bottom of stack; the payload type is
// guessed from its first nibble as routers do (4: IPv4, 6: IPv6).
static inline bool walk_mpls(Walk& k, u32& type, u32& off) {
  for (;;) {
    if (!need(k, off, 4)) return fail(k, ST_TRUNCATED, off);
    i32 n = k.w[W_NMPLS];
    if (n == (i32)MAX_MPLS) return fail(k, ST_TOO_DEEP, off);
    u32 entry = be32(k.f + off);
    k.w[W_MPLS + n] = (i32)entry;
    k.w[W_NMPLS] = n + 1;
    off += 4;
    if (entry & 0x100) break;  // S bit: bottom of stack
  }
  if (!need(k, off, 1)) return fail(k, ST_TRUNCATED, off);
  u32 nibble = k.f[off] >> 4;
  if (nibble == 4) type = ETH_P_IP;
  else if (nibble == 6) type = ETH_P_IPV6;
  else return fail(k, ST_UNSUPPORTED, off);  // pseudowire or unknown payload
  return true;
}

// PPPoE session stage (RFC 2516): version/type 0x11, code 0, session, length,
// PPP protocol: two bytes, or one when the peers negotiated protocol field
// compression (RFC 1661 6.5: an odd first byte is a whole protocol number).
static inline bool walk_pppoe(Walk& k, u32& type, u32& off) {
  if (!need(k, off, 7)) return fail(k, ST_TRUNCATED, off);
  const u8* p = k.f + off;
  if (p[0] != 0x11 || p[1] != 0) return fail(k, ST_MALFORMED, off);
  k.w[W_PPPOE] = (i32)be16(p + 2);
  u32 ppp;
  if (p[6] & 1) {
    ppp = p[6];
    off += 7;
  } else {
    if (!need(k, off, 8)) return fail(k, ST_TRUNCATED, off);
    ppp = be16(p + 6);
    off += 8;
  }
  switch (ppp) {
    case 0x0021: type = ETH_P_IP; return true;
    case 0x0057: type = ETH_P_IPV6; return true;
    case 0x0281: type = ETH_P_MPLS_UC; return true;
    case 0x0283: type = ETH_P_MPLS_MC; return true;
    default: return done(k, off);  // LCP, IPCP, ...: PPP control traffic
  }
}

static inline i32* ip_layer(Walk& k, u32 kind, u32 version, u32 off) {
  i32 n = k.w[W_NIP];
  if (n == (i32)MAX_IP) return nullptr;
  k.w[W_NIP] = n + 1;
  i32* L = k.w + W_IP + n * IP_SLOTS;
  for (u32 i = 0; i < IP_SLOTS; i++) L[i] = 0;
  L[I_KIND] = (i32)kind;
  L[I_VERSION] = (i32)version;
  L[I_OFF] = (i32)off;
  L[I_PROTO] = -1;
  L[I_L4OFF] = -1;
  if (kind != IK_QUOTED) k.w[W_INNER_IP] = n;
  return L;
}

// IPv4 header (RFC 791). Returns true with the transport protocol and offset
// when a transport header follows; later fragments end the walk.
static inline bool walk_ipv4(Walk& k, u32 kind, u32 off, i32*& L, u32& proto, u32& l4) {
  if (!need(k, off, 20)) return fail(k, ST_TRUNCATED, off);
  const u8* p = k.f + off;
  if ((p[0] >> 4) != 4) return fail(k, ST_MALFORMED, off);
  u32 ihl = (p[0] & 15) * 4;
  if (ihl < 20) return fail(k, ST_MALFORMED, off);
  L = ip_layer(k, kind, 4, off);
  if (!L) return fail(k, ST_TOO_DEEP, off);
  u32 frag = be16(p + 6), frag_off = frag & 0x1fff;
  L[I_NEXT] = p[9];
  L[I_FLOW] = (i32)be16(p + 4);
  L[I_FRAG] = (i32)(((frag & 0x3fff) ? (u32)IF_FRAGMENT : 0u) | ((frag & 0x2000) ? (u32)IF_MORE : 0u) | (frag_off << 16));
  L[I_PROTO] = p[9];
  if (!need(k, off, ihl)) return fail(k, ST_TRUNCATED, off + 20);  // options cut short
  if (frag_off) return done(k, off + ihl);  // a later fragment carries no transport header
  proto = p[9];
  l4 = off + ihl;
  return true;
}

static inline bool ip6_ext(u32 nh) {
  switch (nh) {
    case 0: case 43: case 44: case 51: case 60: case 135: case 139: case 140: return true;
    default: return false;
  }
}

// IPv6 header (RFC 8200) and its extension header chain.
static inline bool walk_ipv6(Walk& k, u32 kind, u32 off, i32*& L, u32& proto, u32& l4) {
  if (!need(k, off, 40)) return fail(k, ST_TRUNCATED, off);
  const u8* p = k.f + off;
  if ((p[0] >> 4) != 6) return fail(k, ST_MALFORMED, off);
  L = ip_layer(k, kind, 6, off);
  if (!L) return fail(k, ST_TOO_DEEP, off);
  L[I_NEXT] = p[6];
  L[I_FLOW] = (i32)(be32(p) & 0xFFFFF);
  u32 nh = p[6], q = off + 40;
  for (u32 n = 0; ip6_ext(nh); n++) {
    if (n == MAX_IP6_EXT) return fail(k, ST_TOO_DEEP, q);
    if (!need(k, q, 8)) return fail(k, ST_TRUNCATED, q);  // every extension header is 8 bytes or more
    const u8* e = k.f + q;
    u32 next = e[0], elen;
    if (nh == 44) {  // fragment header: offset in 8-byte units, M flag
      u32 fo = be16(e + 2), frag_off = fo >> 3, fragment = (frag_off || (fo & 1)) ? (u32)IF_FRAGMENT : 0u;
      if (L[I_FRAG] & IF_FRAG_HEADER)  // a repeated header: the first one's offset and M stand
        L[I_FRAG] |= (i32)fragment;
      else
        L[I_FRAG] = (i32)(IF_FRAG_HEADER | fragment | ((fo & 1) ? (u32)IF_MORE : 0u) | (frag_off << 16));
      elen = 8;
      if (frag_off) {
        L[I_PROTO] = (i32)next;
        return done(k, q + 8);
      }
    } else if (nh == 51) {  // AH (RFC 4302): length in 32-bit words minus 2
      elen = (e[1] + 2u) * 4;
      L[I_SPI] = (i32)be32(e + 4);
      L[I_L4FLAGS] |= L4_SPI;
    } else {
      elen = (e[1] + 1u) * 8;
    }
    if (!need(k, q, elen)) return fail(k, ST_TRUNCATED, q);
    q += elen;
    nh = next;
  }
  L[I_PROTO] = (i32)nh;
  proto = nh;
  l4 = q;
  return true;
}

// ICMP (RFC 792) and ICMPv6 (RFC 4443): type, code, the identifier of the
// query messages, and for error messages the quoted packet's IP header and
// ports. Always ends the walk.
static bool walk_quoted(Walk& k, u32 version, u32 off);

static inline bool icmp_has_identifier(u32 proto, u32 type) {
  if (proto == IPPROTO_ICMP_) return type == 0 || type == 8 || (type >= 13 && type <= 18);
  return type == 128 || type == 129;
}

static inline bool icmp_is_error(u32 proto, u32 type) {
  if (proto == IPPROTO_ICMP_) return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
  return type >= 1 && type <= 4;
}

static inline bool walk_icmp(Walk& k, i32* L, u32 proto, u32 l4) {
  if (!need(k, l4, 4)) return fail(k, ST_TRUNCATED, l4);
  u32 type = k.f[l4], word = type | ((u32)k.f[l4 + 1] << 8);
  L[I_L4FLAGS] |= L4_ICMP;
  if (icmp_has_identifier(proto, type)) {
    if (!need(k, l4, 8)) {
      L[I_ICMP] = (i32)word;
      return fail(k, ST_TRUNCATED, l4 + 4);
    }
    word |= be16(k.f + l4 + 4) << 16;
    L[I_L4FLAGS] |= L4_ICMP_ID;
  }
  L[I_ICMP] = (i32)word;
  if (L[I_KIND] == (i32)IK_QUOTED || !icmp_is_error(proto, type)) return done(k, l4 + 4);
  if (!need(k, l4, 8)) return fail(k, ST_TRUNCATED, l4 + 4);  // the error's second word (unused, MTU, pointer)
  return walk_quoted(k, proto == IPPROTO_ICMP_ ? 4 : 6, l4 + 8);
}

// ERSPAN (draft-foschiano-erspan): type I has no header, type II an 8-byte
// header (GRE sequence bit set), type III 12 bytes plus an optional 8-byte
// platform sub-header (O bit). Types I and II carry Ethernet frames; type III
// says what in its frame type (FT: 0 Ethernet, 2 IP, the rest unassigned).
static inline bool walk_erspan(Walk& k, u32 gre_flags, u32 pt, u32& type, u32& off) {
  i32 session = -1;
  u32 ft = ERSPAN_FT_ETHERNET;
  if (pt == ETH_P_ERSPAN2) {
    if (gre_flags & 0x1000) {
      if (!need(k, off, 8)) return fail(k, ST_TRUNCATED, off);
      session = (i32)(be16(k.f + off + 2) & 0x3ff);
      off += 8;
    }
  } else {
    if (!need(k, off, 12)) return fail(k, ST_TRUNCATED, off);
    session = (i32)(be16(k.f + off + 2) & 0x3ff);
    ft = (k.f[off + 10] >> 2) & 0x1f;
    u32 optional = (k.f[off + 11] & 1) ? 8 : 0;
    if (!need(k, off, 12 + optional)) return fail(k, ST_TRUNCATED, off);
    off += 12 + optional;
  }
  tunnel(k, TUN_ERSPAN, session);
  if (ft == ERSPAN_FT_ETHERNET) {
    type = NEXT_ETHERNET;
    return true;
  }
  if (ft != ERSPAN_FT_IP) return fail(k, ST_UNSUPPORTED, off);
  if (!need(k, off, 1)) return fail(k, ST_TRUNCATED, off);
  u32 version = k.f[off] >> 4;
  if (version != 4 && version != 6) return fail(k, ST_MALFORMED, off);
  type = version == 4 ? ETH_P_IP : ETH_P_IPV6;
  return true;
}

// PPTP's enhanced GRE (RFC 2637): key present (payload length, call id),
// optional sequence and acknowledgment numbers, then a PPP frame.
static inline bool walk_pptp(Walk& k, u32 g, u32 flags, u32 pt, u32& type, u32& off) {
  if (!(flags & 0x2000) || pt != ETH_P_PPP) return fail(k, ST_UNSUPPORTED, g);
  u32 h = 8 + ((flags & 0x1000) ? 4 : 0) + ((flags & 0x0080) ? 4 : 0);
  if (!need(k, g, h)) return fail(k, ST_TRUNCATED, g);
  tunnel(k, TUN_PPTP, (i32)be16(k.f + g + 6));
  u32 p = g + h;
  if (p == k.len) return done(k, p);  // acknowledgment only
  if (need(k, p, 2) && k.f[p] == 0xFF && k.f[p + 1] == 0x03) p += 2;  // address, control
  if (!need(k, p, 1)) return fail(k, ST_TRUNCATED, p);
  u32 proto;
  if (k.f[p] & 1) {  // protocol field compression (RFC 1661)
    proto = k.f[p];
    p += 1;
  } else {
    if (!need(k, p, 2)) return fail(k, ST_TRUNCATED, p);
    proto = be16(k.f + p);
    p += 2;
  }
  off = p;
  if (proto == 0x21) type = ETH_P_IP;
  else if (proto == 0x57) type = ETH_P_IPV6;
  else return done(k, p);
  return true;
}

// GRE (RFC 2784, 2890; version 1: RFC 2637).
static inline bool walk_gre(Walk& k, u32 g, u32& type, u32& off) {
  if (!need(k, g, 4)) return fail(k, ST_TRUNCATED, g);
  u32 flags = be16(k.f + g), pt = be16(k.f + g + 2), version = flags & 7;
  if (flags & 0x4000) return fail(k, ST_UNSUPPORTED, g);  // RFC 1701 source routing
  if (version == 1) return walk_pptp(k, g, flags, pt, type, off);
  if (version != 0) return fail(k, ST_UNSUPPORTED, g);
  u32 h = 4;
  i32 key = -1;
  if (flags & 0x8000) h += 4;  // checksum and reserved1
  if (flags & 0x2000) {
    if (!need(k, g + h, 4)) return fail(k, ST_TRUNCATED, g);
    key = (i32)be32(k.f + g + h);
    h += 4;
  }
  if (flags & 0x1000) h += 4;  // sequence number
  if (!need(k, g, h)) return fail(k, ST_TRUNCATED, g);
  off = g + h;
  if (pt == ETH_P_ERSPAN2 || pt == ETH_P_ERSPAN3) return walk_erspan(k, flags, pt, type, off);
  tunnel(k, TUN_GRE, key);
  type = pt == ETH_P_TEB ? (u32)NEXT_ETHERNET : pt;
  return true;
}

// VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe): the VXLAN header with a next
// protocol byte (1 IPv4, 2 IPv6, 3 Ethernet, 4 NSH, 5 MPLS).
static inline bool walk_vxlan_gpe(Walk& k, u32 h, u32& type, u32& off) {
  if (!need(k, h, 8)) return fail(k, ST_TRUNCATED, h);
  tunnel(k, TUN_VXLAN, (i32)be24(k.f + h + 4));
  off = h + 8;
  switch (k.f[h + 3]) {
    case 1: type = ETH_P_IP; return true;
    case 2: type = ETH_P_IPV6; return true;
    case 3: type = NEXT_ETHERNET; return true;
    case 5: type = ETH_P_MPLS_UC; return true;
    default: return fail(k, ST_UNSUPPORTED, off);  // NSH or unassigned
  }
}

// UDP tunnels on their IANA destination ports: VXLAN (RFC 7348), VXLAN-GPE,
// Geneve (RFC 8926) and GRE-in-UDP (RFC 8086).
static inline bool walk_udp_tunnel(Walk& k, u32 l4, u32 dport, u32& type, u32& off) {
  u32 h = l4 + 8;
  if (dport == VXLAN_PORT) {
    if (!need(k, h, 8)) return fail(k, ST_TRUNCATED, h);
    tunnel(k, TUN_VXLAN, (i32)be24(k.f + h + 4));
    type = NEXT_ETHERNET;
    off = h + 8;
    return true;
  }
  if (dport == VXLAN_GPE_PORT) return walk_vxlan_gpe(k, h, type, off);
  if (dport == GENEVE_PORT) {
    if (!need(k, h, 8)) return fail(k, ST_TRUNCATED, h);
    const u8* g = k.f + h;
    if ((g[0] >> 6) != 0) return fail(k, ST_UNSUPPORTED, h);  // unknown Geneve version
    u32 hlen = 8 + (g[0] & 0x3fu) * 4;  // options length in 4-byte words
    if (!need(k, h, hlen)) return fail(k, ST_TRUNCATED, h);
    tunnel(k, TUN_GENEVE, (i32)be24(g + 4));
    u32 pt = be16(g + 2);
    type = pt == ETH_P_TEB ? (u32)NEXT_ETHERNET : pt;
    off = h + hlen;
    return true;
  }
  if (dport == GRE_UDP_PORT) return walk_gre(k, h, type, off);
  return done(k, h);
}

// The transport header of IP layer L; returns true with (type, off) when a
// tunnel leads on to another header.
static inline bool walk_transport(Walk& k, i32* L, u32 proto, u32 l4, u32& type, u32& off) {
  const bool quoted = L[I_KIND] == (i32)IK_QUOTED;
  for (;;) {
    L[I_PROTO] = (i32)proto;
    L[I_L4OFF] = (i32)l4;
    switch (proto) {
      case IPPROTO_TCP_: case IPPROTO_UDP_: case IPPROTO_UDPLITE_: case IPPROTO_SCTP_: case IPPROTO_DCCP_: {
        if (!need(k, l4, 4)) return fail(k, ST_TRUNCATED, l4);
        L[I_SPORT] = (i32)be16(k.f + l4);
        L[I_DPORT] = (i32)be16(k.f + l4 + 2);
        L[I_L4FLAGS] |= L4_PORTS;
        if (proto == IPPROTO_UDP_ && !quoted && need(k, l4, 8))
          return walk_udp_tunnel(k, l4, (u32)L[I_DPORT], type, off);
        return done(k, l4 + 4);
      }
      case IPPROTO_ICMP_: case IPPROTO_ICMPV6_:
        return walk_icmp(k, L, proto, l4);
      case IPPROTO_ESP_:
        if (!need(k, l4, 4)) return fail(k, ST_TRUNCATED, l4);
        L[I_SPI] = (i32)be32(k.f + l4);
        L[I_L4FLAGS] |= L4_SPI;
        return done(k, l4 + 4);
      case IPPROTO_AH_: {  // AH in IPv4: skip it and walk what it authenticates
        if (!need(k, l4, 8)) return fail(k, ST_TRUNCATED, l4);
        L[I_SPI] = (i32)be32(k.f + l4 + 4);
        L[I_L4FLAGS] |= L4_SPI;
        u32 next = k.f[l4], alen = (k.f[l4 + 1] + 2u) * 4;
        if (!need(k, l4, alen)) return fail(k, ST_TRUNCATED, l4);
        if (++k.headers > MAX_HEADERS) return fail(k, ST_TOO_DEEP, l4);
        proto = next;
        l4 += alen;
        continue;
      }
      default:
        break;
    }
    if (quoted) return done(k, l4);
    switch (proto) {
      case IPPROTO_GRE_: return walk_gre(k, l4, type, off);
      case IPPROTO_IPIP_: tunnel(k, TUN_IPIP, -1); type = ETH_P_IP; off = l4; return true;
      case IPPROTO_IPV6_: tunnel(k, TUN_IPIP, -1); type = ETH_P_IPV6; off = l4; return true;
      case IPPROTO_MPLS_: tunnel(k, TUN_MPLS_IP, -1); type = ETH_P_MPLS_UC; off = l4; return true;
      default: return done(k, l4);  // a transport laghash does not look into
    }
  }
}

static inline bool walk_ip(Walk& k, u32& type, u32& off) {
  const u32 kind = k.tunnelled ? IK_TUNNELLED : IK_OUTER;
  i32* L = nullptr;
  u32 proto = 0, l4 = 0;
  bool more = type == ETH_P_IP ? walk_ipv4(k, kind, off, L, proto, l4) : walk_ipv6(k, kind, off, L, proto, l4);
  if (!more) return false;
  return walk_transport(k, L, proto, l4, type, off);
}

// The packet an ICMP error quotes: its IP header and, when present, ports.
static bool walk_quoted(Walk& k, u32 version, u32 off) {
  if (!need(k, off, 1)) return fail(k, ST_TRUNCATED, off);
  if ((u32)(k.f[off] >> 4) != version) return fail(k, ST_MALFORMED, off);
  i32* L = nullptr;
  u32 proto = 0, l4 = 0, type = 0, next = 0;
  bool more = version == 4 ? walk_ipv4(k, IK_QUOTED, off, L, proto, l4) : walk_ipv6(k, IK_QUOTED, off, L, proto, l4);
  if (!more) return false;
  walk_transport(k, L, proto, l4, type, next);
  return false;
}

// The common frame: Ethernet, at most two 802.1Q / 802.1ad / 0x9100 tags,
// IPv4 (not a later fragment) or IPv6 without extension headers, then TCP,
// UDP (not to a tunnel port), UDP-Lite, SCTP or DCCP with its ports. Parsed
// in one straight pass by fast_frame(), which says false, having read only,
// for any other frame. walk() writes its record with walk_fast(); the paths
// that need no record read it directly: toeplitz_fast() (toeplitz.h),
// summary_fast() (fields.h) and the same-port flow key (select.h).
struct FastFrame {
  u32 type;     // the ethertype after the tags
  u32 off;      // the IP header
  u32 version;  // 4 or 6
  u32 proto, l4, sport, dport;
  u32 flow;     // IPv4 identification, IPv6 flow label (the record's I_FLOW)
  u32 frag;     // IF_* (a first fragment: IF_FRAGMENT | IF_MORE)
  u32 end;      // where the generic walk stops
  u32 tags;
  i32 tag[2];   // tpid << 16 | tci
};

static LAGHASH_INLINE bool fast_frame(const u8* f, u32 len, FastFrame& x) {
  if (len < 14) return false;
  u32 type = be16(f + 12), off = 14, tags = 0;
  while (type == ETH_P_8021Q || type == ETH_P_8021AD || type == ETH_P_QINQ_OLD) {
    if (tags == 2 || len < off + 4) return false;
    x.tag[tags++] = (i32)((type << 16) | be16(f + off));
    type = be16(f + off + 2);
    off += 4;
  }
  const u8* p = f + off;
  if (type == ETH_P_IP) {
    if (len < off + 20 || (p[0] >> 4) != 4) return false;
    const u32 ihl = (p[0] & 15u) * 4, fo = be16(p + 6);
    if (ihl < 20 || len < off + ihl || (fo & 0x1fff)) return false;
    x.frag = (fo & 0x2000) ? (u32)(IF_FRAGMENT | IF_MORE) : 0u;
    x.version = 4;
    x.proto = p[9];
    x.flow = be16(p + 4);
    x.l4 = off + ihl;
  } else if (type == ETH_P_IPV6) {
    if (len < off + 40 || (p[0] >> 4) != 6 || ip6_ext(p[6])) return false;
    x.frag = 0;
    x.version = 6;
    x.proto = p[6];
    x.flow = be32(p) & 0xFFFFF;
    x.l4 = off + 40;
  } else {
    return false;
  }
  const u32 proto = x.proto, l4 = x.l4;
  if (proto != IPPROTO_TCP_ && proto != IPPROTO_UDP_ && proto != IPPROTO_UDPLITE_ && proto != IPPROTO_SCTP_ && proto != IPPROTO_DCCP_)
    return false;
  if (len < l4 + 4) return false;
  x.sport = be16(f + l4);
  x.dport = be16(f + l4 + 2);
  x.end = l4 + 4;
  if (proto == IPPROTO_UDP_ && len >= l4 + 8) {
    const u32 d = x.dport;
    if (d == VXLAN_PORT || d == VXLAN_GPE_PORT || d == GENEVE_PORT || d == GRE_UDP_PORT) return false;
    x.end = l4 + 8;
  }
  x.type = type;
  x.off = off;
  x.tags = tags;
  return true;
}

// The common frame's record, over walk_init's: exactly what the generic walk
// below writes for it (test/dissect-oracle.test.ts compares the records with
// the TS twin's generic walk on every shared capture); false for any other.
static LAGHASH_INLINE bool walk_fast(const u8* f, u32 len, i32* w) {
  FastFrame x;
  if (!fast_frame(f, len, x)) return false;
  w[W_END] = (i32)x.end;
  w[W_FLAGS] = WF_ETHERNET;
  w[W_ETHERTYPE] = (i32)be16(f + 12);
  w[W_L3TYPE] = (i32)x.type;
  w[W_NETH] = 1;
  w[W_ETH] = 0;
  w[W_NVLAN] = (i32)x.tags;
  for (u32 i = 0; i < x.tags; i++) w[W_VLAN + i] = x.tag[i];
  w[W_NIP] = 1;
  w[W_INNER_IP] = 0;
  i32* L = w + W_IP;
  L[I_KIND] = (i32)IK_OUTER;
  L[I_VERSION] = (i32)x.version;
  L[I_OFF] = (i32)x.off;
  L[I_NEXT] = L[I_PROTO] = (i32)x.proto;
  L[I_L4OFF] = (i32)x.l4;
  L[I_FRAG] = (i32)x.frag;
  L[I_FLOW] = (i32)x.flow;
  L[I_L4FLAGS] = (i32)L4_PORTS;
  L[I_SPORT] = (i32)x.sport;
  L[I_DPORT] = (i32)x.dport;
  L[I_ICMP] = L[I_SPI] = 0;
  return true;
}

// walk(): parse frame f of len bytes captured with link type `link` into the
// walk record w (W_SLOTS i32 slots, owned by the caller). With full, every
// slot is defined afterwards (unused ones 0); otherwise entries past the
// counts (W_NETH, W_NVLAN, W_NMPLS, W_NIP) are left as they were.
static inline void walk(const u8* f, u32 len, u32 link, i32* w, bool full) {
  walk_init(w, link, full);
  if (link == LINK_ETHERNET && walk_fast(f, len, w)) return;
  Walk k{f, len, w, 0, false};
  u32 type = 0, off = 0;
  if (!walk_link(k, link, type, off)) return;
  for (;;) {
    if (++k.headers > MAX_HEADERS) {
      fail(k, ST_TOO_DEEP, off);
      return;
    }
    bool more;
    switch (type) {
      case NEXT_ETHERNET: more = walk_eth(k, type, off); break;
      case ETH_P_8021Q: case ETH_P_8021AD: case ETH_P_QINQ_OLD: more = walk_vlan(k, type, off); break;
      case ETH_P_MPLS_UC: case ETH_P_MPLS_MC: note_l3(k, type); more = walk_mpls(k, type, off); break;
      case ETH_P_PPP_SES: note_l3(k, type); more = walk_pppoe(k, type, off); break;
      case ETH_P_IP: case ETH_P_IPV6: note_l3(k, type); more = walk_ip(k, type, off); break;
      default:
        if (type < 0x0600) w[W_FLAGS] |= WF_LLC;  // 802.3 length field (or an SLL pseudo-protocol)
        else note_l3(k, type);
        more = done(k, off);
        break;
    }
    if (!more) return;
  }
}

// ------------------------------------------------------------------ view --

// The frame as a reproduced system's transmit path sees it.
struct View {
  const u8* hdr;  // 14-byte Ethernet header: dst, src, ethertype
  const u8* net;  // the bytes after it
  u32 nlen;       // how many
  u32 tci;        // the offloaded tag's TCI (valid when tagged)
  bool tagged;    // an outermost tag was taken as offloaded metadata
  bool ok;        // the system would see at least a whole Ethernet header
  u8 buf[14];     // storage when hdr has to be synthesised
};

// offload: take an outermost 802.1Q/802.1ad tag as hwaccel metadata (Linux).
// Cooked (SLL/SLL2) captures get a header with a zero destination, the SLL
// sender address as source when it is 6 bytes long, and the SLL protocol;
// raw-IP captures a zero header with the IP version's ethertype.
static LAGHASH_INLINE void make_view(const u8* f, u32 len, u32 link, bool offload, View& v) {
  v.tagged = false;
  v.tci = 0;
  v.ok = false;
  u32 l2 = 14;
  if (link == LINK_ETHERNET) {
    if (len < 14) return;
    v.hdr = f;
  } else {
    for (u32 i = 0; i < 14; i++) v.buf[i] = 0;
    u32 l3type;
    if (link == LINK_SLL || link == LINK_SLL2) {
      l2 = link == LINK_SLL ? 16 : 20;
      if (len < l2) return;
      u32 alen = link == LINK_SLL ? be16(f + 4) : f[11];
      const u8* addr = f + (link == LINK_SLL ? 6 : 12);
      if (alen == 6)
        for (u32 i = 0; i < 6; i++) v.buf[6 + i] = addr[i];
      l3type = link == LINK_SLL ? be16(f + 14) : be16(f);
    } else if (link == LINK_RAW || link == LINK_IPV4 || link == LINK_IPV6) {
      l2 = 0;
      if (len < 1) return;
      u32 ver = f[0] >> 4;
      l3type = link == LINK_IPV4 ? ETH_P_IP : link == LINK_IPV6 ? ETH_P_IPV6
               : ver == 4 ? ETH_P_IP : ver == 6 ? ETH_P_IPV6 : 0;
    } else {
      return;
    }
    v.buf[12] = (u8)(l3type >> 8);
    v.buf[13] = (u8)l3type;
    v.hdr = v.buf;
  }
  v.net = f + l2;
  v.nlen = len - l2;
  u32 type = be16(v.hdr + 12);
  if (offload && (type == ETH_P_8021Q || type == ETH_P_8021AD)) {
    if (v.nlen < 4) return;  // the kernel's frame would be shorter than an Ethernet header
    if (v.hdr != v.buf)
      for (u32 i = 0; i < 12; i++) v.buf[i] = v.hdr[i];
    v.tci = be16(v.net);
    v.buf[12] = v.net[2];
    v.buf[13] = v.net[3];
    v.hdr = v.buf;
    v.net += 4;
    v.nlen -= 4;
    v.tagged = true;
  }
  v.ok = true;
}

// Bounds check inside a view: n bytes at offset off of the network part.
static LAGHASH_INLINE bool vneed(const View& v, u32 off, u32 n) { return (u64)off + n <= v.nlen; }

}  // namespace laghash

#endif
