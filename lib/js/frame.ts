/**
 * Twin of native/frame.h: the generic bounds-checked header walk (walk) and
 * the view of a frame as a reproduced system sees it (makeView). Same names,
 * same order, same results; see the C++ file for the protocol notes.
 *
 * A frame is (data, base, len): its bytes are data[base .. base + len).
 * Offsets recorded in the walk record are relative to the frame's start.
 */
import * as S from '../spec.js';
import { be16, be24, be32 } from './bytes.js';

export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_8021Q = 0x8100;
export const ETH_P_8021AD = 0x88a8;
export const ETH_P_QINQ_OLD = 0x9100;
export const ETH_P_IPV6 = 0x86dd;
export const ETH_P_MPLS_UC = 0x8847;
export const ETH_P_MPLS_MC = 0x8848;
export const ETH_P_PPP_SES = 0x8864;
export const ETH_P_TEB = 0x6558;
export const ETH_P_ERSPAN2 = 0x88be;
export const ETH_P_ERSPAN3 = 0x22eb;
export const ETH_P_PPP = 0x880b;
export const NEXT_ETHERNET = 0x10000;

export const IPPROTO_ICMP = 1;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_DCCP = 33;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_GRE = 47;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_SCTP = 132;
export const IPPROTO_UDPLITE = 136;
export const IPPROTO_MPLS = 137;

export const VXLAN_PORT = 4789;
export const VXLAN_GPE_PORT = 4790;
export const GENEVE_PORT = 6081;
export const GRE_UDP_PORT = 4754;
export const ERSPAN_FT_ETHERNET = 0;
export const ERSPAN_FT_IP = 2;

// ------------------------------------------------------------------ walk --

/** Walk state. `type` and `off` carry the next header between steps (C++ passes them by reference). */
class Walk {
  d: Uint8Array = new Uint8Array(0);
  b = 0;
  len = 0;
  w: Int32Array = new Int32Array(S.W_SLOTS);
  headers = 0;
  tunnelled = false;
  type = 0;
  off = 0;
  // transport results of walk_ipv4/walk_ipv6
  layer = 0;  // index of the IP layer's first slot in w
  proto = 0;
  l4 = 0;
}

const K = new Walk();

function need(k: Walk, off: number, n: number): boolean {
  return off + n <= k.len;
}

function fail(k: Walk, status: number, at: number): false {
  k.w[S.W_STATUS] = status;
  k.w[S.W_END] = at;
  return false;
}

function done(k: Walk, at: number): false {
  k.w[S.W_END] = at;
  return false;
}

function walk_init(w: Int32Array, link: number, full: boolean): void {
  if (full) {
    w.fill(0);
  } else {
    w[S.W_STATUS] = w[S.W_END] = w[S.W_FLAGS] = w[S.W_NETH] = w[S.W_NVLAN] = w[S.W_NMPLS] = w[S.W_NIP] = w[S.W_TUNNEL] = 0;
  }
  w[S.W_LINKTYPE] = link;
  w[S.W_ETHERTYPE] = -1;
  w[S.W_L3TYPE] = -1;
  w[S.W_SLL_ADDR] = -1;
  w[S.W_PPPOE] = -1;
  w[S.W_TUNNEL_ID] = -1;
  w[S.W_INNER_IP] = -1;
}

function tunnel(k: Walk, kind: number, id: number): void {
  k.w[S.W_TUNNEL] = kind;
  k.w[S.W_TUNNEL_ID] = id;
  k.tunnelled = true;
}

function note_l3(k: Walk, type: number): void {
  if (k.w[S.W_L3TYPE] < 0) k.w[S.W_L3TYPE] = type;
}

function walk_link(k: Walk, link: number): boolean {
  const w = k.w, d = k.d, b = k.b;
  k.off = 0;
  switch (link) {
    case S.LINK_ETHERNET:
      w[S.W_FLAGS] = S.WF_ETHERNET;
      k.type = NEXT_ETHERNET;
      return true;
    case S.LINK_SLL:
      w[S.W_FLAGS] = S.WF_SLL;
      if (!need(k, 0, 16)) return fail(k, S.ST_TRUNCATED, 0);
      if (be16(d, b + 4) === 6) w[S.W_SLL_ADDR] = 6;
      k.type = be16(d, b + 14);
      k.off = 16;
      break;
    case S.LINK_SLL2:
      w[S.W_FLAGS] = S.WF_SLL;
      if (!need(k, 0, 20)) return fail(k, S.ST_TRUNCATED, 0);
      if (d[b + 11] === 6) w[S.W_SLL_ADDR] = 12;
      k.type = be16(d, b);
      k.off = 20;
      break;
    case S.LINK_RAW:
    case S.LINK_IPV4:
    case S.LINK_IPV6: {
      w[S.W_FLAGS] = S.WF_RAW;
      if (!need(k, 0, 1)) return fail(k, S.ST_TRUNCATED, 0);
      const v = d[b] >> 4;
      k.type = v === 4 ? ETH_P_IP : v === 6 ? ETH_P_IPV6 : 0;
      if (k.type === 0 || (link === S.LINK_IPV4 && v !== 4) || (link === S.LINK_IPV6 && v !== 6))
        return fail(k, S.ST_MALFORMED, 0);
      break;
    }
    default:
      return fail(k, S.ST_BAD_LINK, 0);
  }
  w[S.W_ETHERTYPE] = k.type;
  return true;
}

function walk_eth(k: Walk): boolean {
  const off = k.off;
  if (!need(k, off, 14)) return fail(k, S.ST_TRUNCATED, off);
  const n = k.w[S.W_NETH];
  if (n === S.MAX_ETH) return fail(k, S.ST_TOO_DEEP, off);
  k.w[S.W_ETH + n] = off;
  k.w[S.W_NETH] = n + 1;
  const type = be16(k.d, k.b + off + 12);
  if (n === 0) k.w[S.W_ETHERTYPE] = type < 0x0600 ? -1 : type;
  k.type = type;
  k.off = off + 14;
  return true;
}

function walk_vlan(k: Walk): boolean {
  const off = k.off;
  if (!need(k, off, 4)) return fail(k, S.ST_TRUNCATED, off);
  const n = k.w[S.W_NVLAN];
  if (n === S.MAX_VLAN) return fail(k, S.ST_TOO_DEEP, off);
  k.w[S.W_VLAN + n] = (k.type << 16) | be16(k.d, k.b + off);
  k.w[S.W_NVLAN] = n + 1;
  k.type = be16(k.d, k.b + off + 2);
  k.off = off + 4;
  return true;
}

function walk_mpls(k: Walk): boolean {
  let off = k.off;
  for (;;) {
    if (!need(k, off, 4)) return fail(k, S.ST_TRUNCATED, off);
    const n = k.w[S.W_NMPLS];
    if (n === S.MAX_MPLS) return fail(k, S.ST_TOO_DEEP, off);
    const entry = be32(k.d, k.b + off);
    k.w[S.W_MPLS + n] = entry;
    k.w[S.W_NMPLS] = n + 1;
    off += 4;
    if (entry & 0x100) break;
  }
  k.off = off;
  if (!need(k, off, 1)) return fail(k, S.ST_TRUNCATED, off);
  const nibble = k.d[k.b + off] >> 4;
  if (nibble === 4) k.type = ETH_P_IP;
  else if (nibble === 6) k.type = ETH_P_IPV6;
  else return fail(k, S.ST_UNSUPPORTED, off);
  return true;
}

function walk_pppoe(k: Walk): boolean {
  const off = k.off, p = k.b + off;
  if (!need(k, off, 7)) return fail(k, S.ST_TRUNCATED, off);
  if (k.d[p] !== 0x11 || k.d[p + 1] !== 0) return fail(k, S.ST_MALFORMED, off);
  k.w[S.W_PPPOE] = be16(k.d, p + 2);
  let ppp: number;
  if (k.d[p + 6] & 1) {
    ppp = k.d[p + 6];
    k.off = off + 7;
  } else {
    if (!need(k, off, 8)) return fail(k, S.ST_TRUNCATED, off);
    ppp = be16(k.d, p + 6);
    k.off = off + 8;
  }
  switch (ppp) {
    case 0x0021: k.type = ETH_P_IP; return true;
    case 0x0057: k.type = ETH_P_IPV6; return true;
    case 0x0281: k.type = ETH_P_MPLS_UC; return true;
    case 0x0283: k.type = ETH_P_MPLS_MC; return true;
    default: return done(k, k.off);
  }
}

/** Start a new IP layer; returns the index of its first slot, or -1 at the cap. */
function ip_layer(k: Walk, kind: number, version: number, off: number): number {
  const n = k.w[S.W_NIP];
  if (n === S.MAX_IP) return -1;
  k.w[S.W_NIP] = n + 1;
  const L = S.W_IP + n * S.IP_SLOTS;
  k.w.fill(0, L, L + S.IP_SLOTS);
  k.w[L + S.I_KIND] = kind;
  k.w[L + S.I_VERSION] = version;
  k.w[L + S.I_OFF] = off;
  k.w[L + S.I_PROTO] = -1;
  k.w[L + S.I_L4OFF] = -1;
  if (kind !== S.IK_QUOTED) k.w[S.W_INNER_IP] = n;
  return L;
}

function walk_ipv4(k: Walk, kind: number, off: number): boolean {
  if (!need(k, off, 20)) return fail(k, S.ST_TRUNCATED, off);
  const d = k.d, p = k.b + off, w = k.w;
  if (d[p] >> 4 !== 4) return fail(k, S.ST_MALFORMED, off);
  const ihl = (d[p] & 15) * 4;
  if (ihl < 20) return fail(k, S.ST_MALFORMED, off);
  const L = ip_layer(k, kind, 4, off);
  if (L < 0) return fail(k, S.ST_TOO_DEEP, off);
  k.layer = L;
  const frag = be16(d, p + 6), frag_off = frag & 0x1fff;
  w[L + S.I_NEXT] = d[p + 9];
  w[L + S.I_FLOW] = be16(d, p + 4);
  w[L + S.I_FRAG] = (frag & 0x3fff ? S.IF_FRAGMENT : 0) | (frag & 0x2000 ? S.IF_MORE : 0) | (frag_off << 16);
  w[L + S.I_PROTO] = d[p + 9];
  if (!need(k, off, ihl)) return fail(k, S.ST_TRUNCATED, off + 20);
  if (frag_off) return done(k, off + ihl);
  k.proto = d[p + 9];
  k.l4 = off + ihl;
  return true;
}

function ip6_ext(nh: number): boolean {
  switch (nh) {
    case 0: case 43: case 44: case 51: case 60: case 135: case 139: case 140: return true;
    default: return false;
  }
}

function walk_ipv6(k: Walk, kind: number, off: number): boolean {
  if (!need(k, off, 40)) return fail(k, S.ST_TRUNCATED, off);
  const d = k.d, p = k.b + off, w = k.w;
  if (d[p] >> 4 !== 6) return fail(k, S.ST_MALFORMED, off);
  const L = ip_layer(k, kind, 6, off);
  if (L < 0) return fail(k, S.ST_TOO_DEEP, off);
  k.layer = L;
  w[L + S.I_NEXT] = d[p + 6];
  w[L + S.I_FLOW] = be32(d, p) & 0xfffff;
  let nh = d[p + 6], q = off + 40;
  for (let n = 0; ip6_ext(nh); n++) {
    if (n === S.MAX_IP6_EXT) return fail(k, S.ST_TOO_DEEP, q);
    if (!need(k, q, 8)) return fail(k, S.ST_TRUNCATED, q);
    const e = k.b + q;
    const next = d[e];
    let elen: number;
    if (nh === 44) {
      const fo = be16(d, e + 2), frag_off = fo >>> 3, fragment = frag_off || fo & 1 ? S.IF_FRAGMENT : 0;
      if (w[L + S.I_FRAG] & S.IF_FRAG_HEADER) w[L + S.I_FRAG] |= fragment;
      else w[L + S.I_FRAG] = S.IF_FRAG_HEADER | fragment | (fo & 1 ? S.IF_MORE : 0) | (frag_off << 16);
      elen = 8;
      if (frag_off) {
        w[L + S.I_PROTO] = next;
        return done(k, q + 8);
      }
    } else if (nh === 51) {
      elen = (d[e + 1] + 2) * 4;
      w[L + S.I_SPI] = be32(d, e + 4);
      w[L + S.I_L4FLAGS] |= S.L4_SPI;
    } else {
      elen = (d[e + 1] + 1) * 8;
    }
    if (!need(k, q, elen)) return fail(k, S.ST_TRUNCATED, q);
    q += elen;
    nh = next;
  }
  w[L + S.I_PROTO] = nh;
  k.proto = nh;
  k.l4 = q;
  return true;
}

export function icmp_has_identifier(proto: number, type: number): boolean {
  if (proto === IPPROTO_ICMP) return type === 0 || type === 8 || (type >= 13 && type <= 18);
  return type === 128 || type === 129;
}

export function icmp_is_error(proto: number, type: number): boolean {
  if (proto === IPPROTO_ICMP) return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
  return type >= 1 && type <= 4;
}

function walk_icmp(k: Walk, L: number, proto: number, l4: number): boolean {
  const d = k.d, w = k.w;
  if (!need(k, l4, 4)) return fail(k, S.ST_TRUNCATED, l4);
  const type = d[k.b + l4];
  let word = type | (d[k.b + l4 + 1] << 8);
  w[L + S.I_L4FLAGS] |= S.L4_ICMP;
  if (icmp_has_identifier(proto, type)) {
    if (!need(k, l4, 8)) {
      w[L + S.I_ICMP] = word;
      return fail(k, S.ST_TRUNCATED, l4 + 4);
    }
    word |= be16(d, k.b + l4 + 4) << 16;
    w[L + S.I_L4FLAGS] |= S.L4_ICMP_ID;
  }
  w[L + S.I_ICMP] = word;
  if (w[L + S.I_KIND] === S.IK_QUOTED || !icmp_is_error(proto, type)) return done(k, l4 + 4);
  if (!need(k, l4, 8)) return fail(k, S.ST_TRUNCATED, l4 + 4);
  return walk_quoted(k, proto === IPPROTO_ICMP ? 4 : 6, l4 + 8);
}

function walk_erspan(k: Walk, gre_flags: number, pt: number): boolean {
  let off = k.off, session = -1, ft = ERSPAN_FT_ETHERNET;
  if (pt === ETH_P_ERSPAN2) {
    if (gre_flags & 0x1000) {
      if (!need(k, off, 8)) return fail(k, S.ST_TRUNCATED, off);
      session = be16(k.d, k.b + off + 2) & 0x3ff;
      off += 8;
    }
  } else {
    if (!need(k, off, 12)) return fail(k, S.ST_TRUNCATED, off);
    session = be16(k.d, k.b + off + 2) & 0x3ff;
    ft = (k.d[k.b + off + 10] >> 2) & 0x1f;
    const optional = k.d[k.b + off + 11] & 1 ? 8 : 0;
    if (!need(k, off, 12 + optional)) return fail(k, S.ST_TRUNCATED, off);
    off += 12 + optional;
  }
  tunnel(k, S.TUN_ERSPAN, session);
  k.off = off;
  if (ft === ERSPAN_FT_ETHERNET) {
    k.type = NEXT_ETHERNET;
    return true;
  }
  if (ft !== ERSPAN_FT_IP) return fail(k, S.ST_UNSUPPORTED, off);
  if (!need(k, off, 1)) return fail(k, S.ST_TRUNCATED, off);
  const version = k.d[k.b + off] >> 4;
  if (version !== 4 && version !== 6) return fail(k, S.ST_MALFORMED, off);
  k.type = version === 4 ? ETH_P_IP : ETH_P_IPV6;
  return true;
}

function walk_pptp(k: Walk, g: number, flags: number, pt: number): boolean {
  const d = k.d, b = k.b;
  if (!(flags & 0x2000) || pt !== ETH_P_PPP) return fail(k, S.ST_UNSUPPORTED, g);
  const h = 8 + (flags & 0x1000 ? 4 : 0) + (flags & 0x0080 ? 4 : 0);
  if (!need(k, g, h)) return fail(k, S.ST_TRUNCATED, g);
  tunnel(k, S.TUN_PPTP, be16(d, b + g + 6));
  let p = g + h;
  if (p === k.len) return done(k, p);
  if (need(k, p, 2) && d[b + p] === 0xff && d[b + p + 1] === 0x03) p += 2;
  if (!need(k, p, 1)) return fail(k, S.ST_TRUNCATED, p);
  let proto: number;
  if (d[b + p] & 1) {
    proto = d[b + p];
    p += 1;
  } else {
    if (!need(k, p, 2)) return fail(k, S.ST_TRUNCATED, p);
    proto = be16(d, b + p);
    p += 2;
  }
  k.off = p;
  if (proto === 0x21) k.type = ETH_P_IP;
  else if (proto === 0x57) k.type = ETH_P_IPV6;
  else return done(k, p);
  return true;
}

function walk_gre(k: Walk, g: number): boolean {
  const d = k.d, b = k.b;
  if (!need(k, g, 4)) return fail(k, S.ST_TRUNCATED, g);
  const flags = be16(d, b + g), pt = be16(d, b + g + 2), version = flags & 7;
  if (flags & 0x4000) return fail(k, S.ST_UNSUPPORTED, g);
  if (version === 1) return walk_pptp(k, g, flags, pt);
  if (version !== 0) return fail(k, S.ST_UNSUPPORTED, g);
  let h = 4, key = -1;
  if (flags & 0x8000) h += 4;
  if (flags & 0x2000) {
    if (!need(k, g + h, 4)) return fail(k, S.ST_TRUNCATED, g);
    key = be32(d, b + g + h);
    h += 4;
  }
  if (flags & 0x1000) h += 4;
  if (!need(k, g, h)) return fail(k, S.ST_TRUNCATED, g);
  k.off = g + h;
  if (pt === ETH_P_ERSPAN2 || pt === ETH_P_ERSPAN3) return walk_erspan(k, flags, pt);
  tunnel(k, S.TUN_GRE, key);
  k.type = pt === ETH_P_TEB ? NEXT_ETHERNET : pt;
  return true;
}

function walk_vxlan_gpe(k: Walk, h: number): boolean {
  if (!need(k, h, 8)) return fail(k, S.ST_TRUNCATED, h);
  tunnel(k, S.TUN_VXLAN, be24(k.d, k.b + h + 4));
  k.off = h + 8;
  switch (k.d[k.b + h + 3]) {
    case 1: k.type = ETH_P_IP; return true;
    case 2: k.type = ETH_P_IPV6; return true;
    case 3: k.type = NEXT_ETHERNET; return true;
    case 5: k.type = ETH_P_MPLS_UC; return true;
    default: return fail(k, S.ST_UNSUPPORTED, k.off);
  }
}

function walk_udp_tunnel(k: Walk, l4: number, dport: number): boolean {
  const h = l4 + 8, d = k.d;
  if (dport === VXLAN_PORT) {
    if (!need(k, h, 8)) return fail(k, S.ST_TRUNCATED, h);
    tunnel(k, S.TUN_VXLAN, be24(d, k.b + h + 4));
    k.type = NEXT_ETHERNET;
    k.off = h + 8;
    return true;
  }
  if (dport === VXLAN_GPE_PORT) return walk_vxlan_gpe(k, h);
  if (dport === GENEVE_PORT) {
    if (!need(k, h, 8)) return fail(k, S.ST_TRUNCATED, h);
    const g = k.b + h;
    if (d[g] >> 6 !== 0) return fail(k, S.ST_UNSUPPORTED, h);
    const hlen = 8 + (d[g] & 0x3f) * 4;
    if (!need(k, h, hlen)) return fail(k, S.ST_TRUNCATED, h);
    tunnel(k, S.TUN_GENEVE, be24(d, g + 4));
    const pt = be16(d, g + 2);
    k.type = pt === ETH_P_TEB ? NEXT_ETHERNET : pt;
    k.off = h + hlen;
    return true;
  }
  if (dport === GRE_UDP_PORT) return walk_gre(k, h);
  return done(k, h);
}

function walk_transport(k: Walk, L: number, proto: number, l4: number): boolean {
  const d = k.d, b = k.b, w = k.w;
  const quoted = w[L + S.I_KIND] === S.IK_QUOTED;
  for (;;) {
    w[L + S.I_PROTO] = proto;
    w[L + S.I_L4OFF] = l4;
    switch (proto) {
      case IPPROTO_TCP: case IPPROTO_UDP: case IPPROTO_UDPLITE: case IPPROTO_SCTP: case IPPROTO_DCCP: {
        if (!need(k, l4, 4)) return fail(k, S.ST_TRUNCATED, l4);
        w[L + S.I_SPORT] = be16(d, b + l4);
        w[L + S.I_DPORT] = be16(d, b + l4 + 2);
        w[L + S.I_L4FLAGS] |= S.L4_PORTS;
        if (proto === IPPROTO_UDP && !quoted && need(k, l4, 8)) return walk_udp_tunnel(k, l4, w[L + S.I_DPORT]);
        return done(k, l4 + 4);
      }
      case IPPROTO_ICMP: case IPPROTO_ICMPV6:
        return walk_icmp(k, L, proto, l4);
      case IPPROTO_ESP:
        if (!need(k, l4, 4)) return fail(k, S.ST_TRUNCATED, l4);
        w[L + S.I_SPI] = be32(d, b + l4);
        w[L + S.I_L4FLAGS] |= S.L4_SPI;
        return done(k, l4 + 4);
      case IPPROTO_AH: {
        if (!need(k, l4, 8)) return fail(k, S.ST_TRUNCATED, l4);
        w[L + S.I_SPI] = be32(d, b + l4 + 4);
        w[L + S.I_L4FLAGS] |= S.L4_SPI;
        const next = d[b + l4], alen = (d[b + l4 + 1] + 2) * 4;
        if (!need(k, l4, alen)) return fail(k, S.ST_TRUNCATED, l4);
        if (++k.headers > S.MAX_HEADERS) return fail(k, S.ST_TOO_DEEP, l4);
        proto = next;
        l4 += alen;
        continue;
      }
      default:
        break;
    }
    if (quoted) return done(k, l4);
    switch (proto) {
      case IPPROTO_GRE: return walk_gre(k, l4);
      case IPPROTO_IPIP: tunnel(k, S.TUN_IPIP, -1); k.type = ETH_P_IP; k.off = l4; return true;
      case IPPROTO_IPV6: tunnel(k, S.TUN_IPIP, -1); k.type = ETH_P_IPV6; k.off = l4; return true;
      case IPPROTO_MPLS: tunnel(k, S.TUN_MPLS_IP, -1); k.type = ETH_P_MPLS_UC; k.off = l4; return true;
      default: return done(k, l4);
    }
  }
}

function walk_ip(k: Walk): boolean {
  const kind = k.tunnelled ? S.IK_TUNNELLED : S.IK_OUTER;
  const more = k.type === ETH_P_IP ? walk_ipv4(k, kind, k.off) : walk_ipv6(k, kind, k.off);
  if (!more) return false;
  return walk_transport(k, k.layer, k.proto, k.l4);
}

function walk_quoted(k: Walk, version: number, off: number): boolean {
  if (!need(k, off, 1)) return fail(k, S.ST_TRUNCATED, off);
  if (k.d[k.b + off] >> 4 !== version) return fail(k, S.ST_MALFORMED, off);
  const more = version === 4 ? walk_ipv4(k, S.IK_QUOTED, off) : walk_ipv6(k, S.IK_QUOTED, off);
  if (!more) return false;
  walk_transport(k, k.layer, k.proto, k.l4);
  return false;
}

/**
 * Parse the frame data[base .. base + len) captured with link type `link`
 * into the walk record w (W_SLOTS slots). With full, every slot is defined.
 */
export function walk(data: Uint8Array, base: number, len: number, link: number, w: Int32Array, full: boolean): void {
  walk_init(w, link, full);
  const k = K;
  k.d = data;
  k.b = base;
  k.len = len;
  k.w = w;
  k.headers = 0;
  k.tunnelled = false;
  if (!walk_link(k, link)) return;
  for (;;) {
    if (++k.headers > S.MAX_HEADERS) {
      fail(k, S.ST_TOO_DEEP, k.off);
      return;
    }
    let more: boolean;
    const type = k.type;
    switch (type) {
      case NEXT_ETHERNET: more = walk_eth(k); break;
      case ETH_P_8021Q: case ETH_P_8021AD: case ETH_P_QINQ_OLD: more = walk_vlan(k); break;
      case ETH_P_MPLS_UC: case ETH_P_MPLS_MC: note_l3(k, type); more = walk_mpls(k); break;
      case ETH_P_PPP_SES: note_l3(k, type); more = walk_pppoe(k); break;
      case ETH_P_IP: case ETH_P_IPV6: note_l3(k, type); more = walk_ip(k); break;
      default:
        if (type < 0x0600) w[S.W_FLAGS] |= S.WF_LLC;
        else note_l3(k, type);
        more = done(k, k.off);
        break;
    }
    if (!more) return;
  }
}

// ------------------------------------------------------------------ view --

/**
 * The frame as a reproduced system's transmit path sees it: a 14-byte
 * Ethernet header at hdrA[hdrO ..] and the network part at data[net .. net + nlen).
 * One instance is reused; nothing here allocates per frame.
 */
export class View {
  hdrA: Uint8Array = new Uint8Array(14);
  hdrO = 0;
  net = 0;
  nlen = 0;
  tci = 0;
  tagged = false;
  ok = false;
  readonly buf = new Uint8Array(14);
}

export function make_view(data: Uint8Array, base: number, len: number, link: number, offload: boolean, v: View): void {
  v.tagged = false;
  v.tci = 0;
  v.ok = false;
  let l2 = 14;
  const buf = v.buf;
  if (link === S.LINK_ETHERNET) {
    if (len < 14) return;
    v.hdrA = data;
    v.hdrO = base;
  } else {
    buf.fill(0);
    let l3type: number;
    if (link === S.LINK_SLL || link === S.LINK_SLL2) {
      l2 = link === S.LINK_SLL ? 16 : 20;
      if (len < l2) return;
      const alen = link === S.LINK_SLL ? be16(data, base + 4) : data[base + 11];
      const addr = base + (link === S.LINK_SLL ? 6 : 12);
      if (alen === 6) for (let i = 0; i < 6; i++) buf[6 + i] = data[addr + i];
      l3type = link === S.LINK_SLL ? be16(data, base + 14) : be16(data, base);
    } else if (link === S.LINK_RAW || link === S.LINK_IPV4 || link === S.LINK_IPV6) {
      l2 = 0;
      if (len < 1) return;
      const ver = data[base] >> 4;
      l3type = link === S.LINK_IPV4 ? ETH_P_IP : link === S.LINK_IPV6 ? ETH_P_IPV6 : ver === 4 ? ETH_P_IP : ver === 6 ? ETH_P_IPV6 : 0;
    } else {
      return;
    }
    buf[12] = l3type >> 8;
    buf[13] = l3type & 0xff;
    v.hdrA = buf;
    v.hdrO = 0;
  }
  v.net = base + l2;
  v.nlen = len - l2;
  const type = be16(v.hdrA, v.hdrO + 12);
  if (offload && (type === ETH_P_8021Q || type === ETH_P_8021AD)) {
    if (v.nlen < 4) return;
    if (v.hdrA !== buf) for (let i = 0; i < 12; i++) buf[i] = v.hdrA[v.hdrO + i];
    v.tci = be16(data, v.net);
    buf[12] = data[v.net + 2];
    buf[13] = data[v.net + 3];
    v.hdrA = buf;
    v.hdrO = 0;
    v.net += 4;
    v.nlen -= 4;
    v.tagged = true;
  }
  v.ok = true;
}

export function vneed(v: View, off: number, n: number): boolean {
  return off + n <= v.nlen;
}
