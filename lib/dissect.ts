/**
 * dissect(): the fields laghash's generic walk parsed from one frame, as a
 * plain object. The walk itself runs in the active backend (native/frame.h or
 * lib/js/frame.ts) and fills the walk record (lib/spec.ts W_*); this file only
 * reads the record.
 */
import type { Backend } from './backend.js';
import { checkLinkType } from './batch.js';
import { activeBackend } from './native.js';
import * as S from './spec.js';
import { checkTyped } from './validate.js';

export type WalkStatus = 'ok' | 'truncated' | 'unsupported' | 'too-deep' | 'malformed' | 'bad-link';
const STATUS: readonly WalkStatus[] = ['ok', 'truncated', 'unsupported', 'too-deep', 'malformed', 'bad-link'];

export type TunnelType = 'gre' | 'ip-in-ip' | 'vxlan' | 'geneve' | 'mpls-in-ip' | 'erspan' | 'pptp';
const TUNNELS: readonly (TunnelType | null)[] = [null, 'gre', 'ip-in-ip', 'vxlan', 'geneve', 'mpls-in-ip', 'erspan', 'pptp'];

export interface EthernetHeader {
  offset: number;
  dst: string;
  src: string;
  /** Ethertype, or null for an 802.3 length field. */
  type: number | null;
}

export interface VlanTag {
  tpid: number;
  pcp: number;
  dei: number;
  vid: number;
}

export interface MplsEntry {
  label: number;
  tc: number;
  bottom: boolean;
  ttl: number;
}

export interface IpLayer {
  /** outer: the frame's IP header; tunnelled: behind a tunnel; quoted: inside an ICMP error. */
  kind: 'outer' | 'tunnelled' | 'quoted';
  version: 4 | 6;
  offset: number;
  src: string;
  dst: string;
  /** IPv4 protocol field / IPv6 fixed header's next header. */
  next: number;
  /** The transport protocol after extension headers and AH, null if not reached. */
  protocol: number | null;
  /** Offset of the transport header, null when not reached (later fragments, cut chains). */
  l4Offset: number | null;
  /** Present when the packet is a fragment or carries an IPv6 fragment header. */
  fragment: { offset: number; more: boolean; header: boolean } | null;
  /** IPv4 identification. */
  id?: number;
  /** IPv6 flow label. */
  flowLabel?: number;
  srcPort?: number;
  dstPort?: number;
  icmp?: { type: number; code: number; id?: number };
  spi?: number;
}

export interface Dissection {
  status: WalkStatus;
  linkType: number;
  /** Bytes walked: the offset just past the last header parsed. */
  end: number;
  /** Ethernet headers, outermost first (inner ones behind TEB, VXLAN, Geneve, ERSPAN). */
  eth: EthernetHeader[];
  /** The sender address of a Linux cooked capture, when 6 bytes long. */
  sllAddress: string | null;
  /** The outermost ethertype (the SLL protocol, the IP version's for raw IP), null for 802.3 frames. */
  etherType: number | null;
  /** The first ethertype after the outer VLAN tags, null if none. */
  l3Type: number | null;
  llc: boolean;
  vlans: VlanTag[];
  mpls: MplsEntry[];
  pppoeSession: number | null;
  ip: IpLayer[];
  /** The innermost tunnel crossed, with its GRE key, VNI or ERSPAN session. */
  tunnel: { type: TunnelType; id: number | null } | null;
}

/** The raw walk record of one frame (W_SLOTS slots) through a given backend. */
export function walkRecord(backend: Backend, frame: Uint8Array, linkType: number, out = new Int32Array(S.W_SLOTS)): Int32Array {
  backend.dissect(frame, 0, frame.length, linkType, out);
  return out;
}

/** Parse one frame (an Ethernet frame unless linkType says otherwise). */
export function dissect(frame: Uint8Array, linkType: number = S.LINK_ETHERNET): Dissection {
  checkTyped(frame, Uint8Array, 'frame');
  checkLinkType(linkType);
  return fromRecord(frame, walkRecord(activeBackend, frame, linkType));
}

export function formatMac(f: Uint8Array, o: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + f[o + i].toString(16).padStart(2, '0');
  return s;
}

export function formatIpv4(f: Uint8Array, o: number): string {
  return `${f[o]}.${f[o + 1]}.${f[o + 2]}.${f[o + 3]}`;
}

/** RFC 5952 text: lowercase, longest run (2+) of zero groups as "::", first run on ties. */
export function formatIpv6(f: Uint8Array, o: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((f[o + 2 * i] << 8) | f[o + 2 * i + 1]);
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

function ipLayer(f: Uint8Array, w: Int32Array, i: number): IpLayer {
  const L = S.W_IP + i * S.IP_SLOTS;
  const v4 = w[L + S.I_VERSION] === 4;
  const off = w[L + S.I_OFF];
  const kind = w[L + S.I_KIND] === S.IK_QUOTED ? 'quoted' : w[L + S.I_KIND] === S.IK_TUNNELLED ? 'tunnelled' : 'outer';
  const frag = w[L + S.I_FRAG];
  const layer: IpLayer = {
    kind,
    version: v4 ? 4 : 6,
    offset: off,
    src: v4 ? formatIpv4(f, off + 12) : formatIpv6(f, off + 8),
    dst: v4 ? formatIpv4(f, off + 16) : formatIpv6(f, off + 24),
    next: w[L + S.I_NEXT],
    protocol: w[L + S.I_PROTO] < 0 ? null : w[L + S.I_PROTO],
    l4Offset: w[L + S.I_L4OFF] < 0 ? null : w[L + S.I_L4OFF],
    fragment: frag & (S.IF_FRAGMENT | S.IF_FRAG_HEADER)
      ? { offset: frag >>> 16, more: (frag & S.IF_MORE) !== 0, header: (frag & S.IF_FRAG_HEADER) !== 0 }
      : null,
  };
  if (v4) layer.id = w[L + S.I_FLOW];
  else layer.flowLabel = w[L + S.I_FLOW];
  const l4 = w[L + S.I_L4FLAGS];
  if (l4 & S.L4_PORTS) {
    layer.srcPort = w[L + S.I_SPORT];
    layer.dstPort = w[L + S.I_DPORT];
  }
  if (l4 & S.L4_ICMP) {
    const icmp = w[L + S.I_ICMP];
    layer.icmp = { type: icmp & 0xff, code: (icmp >>> 8) & 0xff };
    if (l4 & S.L4_ICMP_ID) layer.icmp.id = icmp >>> 16;
  }
  if (l4 & S.L4_SPI) layer.spi = w[L + S.I_SPI] >>> 0;
  return layer;
}

/** The Dissection object of a walk record of frame f. */
export function fromRecord(f: Uint8Array, w: Int32Array): Dissection {
  const eth: EthernetHeader[] = [];
  for (let i = 0; i < w[S.W_NETH]; i++) {
    const o = w[S.W_ETH + i];
    const type = (f[o + 12] << 8) | f[o + 13];
    eth.push({ offset: o, dst: formatMac(f, o), src: formatMac(f, o + 6), type: type < 0x0600 ? null : type });
  }
  const vlans: VlanTag[] = [];
  for (let i = 0; i < w[S.W_NVLAN]; i++) {
    const e = w[S.W_VLAN + i];
    vlans.push({ tpid: e >>> 16, pcp: (e >>> 13) & 7, dei: (e >>> 12) & 1, vid: e & 0xfff });
  }
  const mpls: MplsEntry[] = [];
  for (let i = 0; i < w[S.W_NMPLS]; i++) {
    const e = w[S.W_MPLS + i] >>> 0;
    mpls.push({ label: e >>> 12, tc: (e >>> 9) & 7, bottom: (e & 0x100) !== 0, ttl: e & 0xff });
  }
  const ip: IpLayer[] = [];
  for (let i = 0; i < w[S.W_NIP]; i++) ip.push(ipLayer(f, w, i));
  const tun = TUNNELS[w[S.W_TUNNEL]] ?? null;
  return {
    status: STATUS[w[S.W_STATUS]] ?? 'malformed',
    linkType: w[S.W_LINKTYPE],
    end: w[S.W_END],
    eth,
    sllAddress: w[S.W_SLL_ADDR] >= 0 ? formatMac(f, w[S.W_SLL_ADDR]) : null,
    etherType: w[S.W_ETHERTYPE] < 0 ? null : w[S.W_ETHERTYPE],
    l3Type: w[S.W_L3TYPE] < 0 ? null : w[S.W_L3TYPE],
    llc: (w[S.W_FLAGS] & S.WF_LLC) !== 0,
    vlans,
    mpls,
    pppoeSession: w[S.W_PPPOE] < 0 ? null : w[S.W_PPPOE],
    ip,
    tunnel: tun ? { type: tun, id: w[S.W_TUNNEL_ID] === -1 ? null : w[S.W_TUNNEL_ID] >>> 0 } : null,
  };
}
