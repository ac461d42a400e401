/** Twin of native/fields.h: laghash's field policies (XOR or seeded MurmurHash3). */
import * as S from '../spec.js';
import { be32, le16, le32 } from './bytes.js';
import { ETH_P_IP, ETH_P_IPV6, walk } from './frame.js';
import { murmur3_fmix, murmur3_words } from './murmur3.js';

/** Field values of one frame; positions are absolute offsets into data, -1 when absent. */
class FieldValues {
  smac = -1;
  dmac = -1;
  sip = -1;
  dip = -1;
  alen = 0;
  ether_type = 0;
  vlan = 0;
  mpls = 0;
  tunnel_id = 0;
  proto = 0;
  flow = 0;
  sport = 0;
  dport = 0;
}

const V = new FieldValues();
const KEY = new Uint32Array(20);
const ZERO_MAC = new Uint8Array(6);

function field_values(base: number, w: Int32Array, inner: boolean, v: FieldValues): void {
  v.smac = v.dmac = v.sip = v.dip = -1;
  v.alen = 0;
  v.proto = v.flow = v.sport = v.dport = 0;
  const neth = w[S.W_NETH];
  if (neth > 0) {
    const e = base + w[S.W_ETH + (inner ? neth - 1 : 0)];
    v.dmac = e;
    v.smac = e + 6;
  } else if (w[S.W_SLL_ADDR] >= 0) {
    v.smac = base + w[S.W_SLL_ADDR];
  }
  v.vlan = w[S.W_NVLAN] > 0 ? w[S.W_VLAN] & 0x0fff : 0;
  v.mpls = w[S.W_NMPLS] > 0 ? (w[S.W_MPLS] >>> 12) & 0xfffff : 0;
  v.tunnel_id = w[S.W_TUNNEL] !== S.TUN_NONE && w[S.W_TUNNEL_ID] !== -1 ? w[S.W_TUNNEL_ID] >>> 0 : 0;
  v.ether_type = w[S.W_L3TYPE] >= 0 ? w[S.W_L3TYPE] : 0;
  const ip = inner ? w[S.W_INNER_IP] : w[S.W_NIP] > 0 && w[S.W_IP + S.I_KIND] !== S.IK_QUOTED ? 0 : -1;
  if (ip < 0) return;
  const L = S.W_IP + ip * S.IP_SLOTS;
  const off = base + w[L + S.I_OFF];
  const v4 = w[L + S.I_VERSION] === 4;
  v.alen = v4 ? 4 : 16;
  v.sip = off + (v4 ? 12 : 8);
  v.dip = v.sip + v.alen;
  v.ether_type = v4 ? ETH_P_IP : ETH_P_IPV6;
  v.proto = w[L + S.I_PROTO] >= 0 ? w[L + S.I_PROTO] : w[L + S.I_NEXT];
  v.flow = v4 ? 0 : w[L + S.I_FLOW];
  if (w[L + S.I_FRAG] & S.IF_FRAGMENT) return;
  if (w[L + S.I_L4FLAGS] & S.L4_PORTS) {
    v.sport = w[L + S.I_SPORT];
    v.dport = w[L + S.I_DPORT];
  } else if (w[L + S.I_L4FLAGS] & S.L4_ICMP_ID) {
    v.sport = v.dport = w[L + S.I_ICMP] >>> 16;
  }
}

/** Lexicographic order of two byte strings, compared a big-endian word at a time. */
function bytes_cmp(a: Uint8Array, ao: number, b: Uint8Array, bo: number, n: number): number {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const x = be32(a, ao + i) >>> 0, y = be32(b, bo + i) >>> 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  for (; i < n; i++) if (a[ao + i] !== b[bo + i]) return a[ao + i] < b[bo + i] ? -1 : 1;
  return 0;
}

/** F_SYMMETRIC: put the smaller endpoint first (the MACs only when hashed). */
function field_order(data: Uint8Array, v: FieldValues, mask: number): void {
  const sa = v.smac >= 0 ? data : ZERO_MAC, so = v.smac >= 0 ? v.smac : 0;
  const da = v.dmac >= 0 ? data : ZERO_MAC, dof = v.dmac >= 0 ? v.dmac : 0;
  if (mask & (S.FLD_SRC_MAC | S.FLD_DST_MAC) && bytes_cmp(sa, so, da, dof, 6) > 0) {
    const t = v.smac;
    v.smac = v.dmac;
    v.dmac = t;
  }
  if (v.sip < 0) return;
  const c = bytes_cmp(data, v.sip, data, v.dip, v.alen);
  if (c > 0 || (c === 0 && v.sport > v.dport)) {
    const t = v.sip;
    v.sip = v.dip;
    v.dip = t;
    const p = v.sport;
    v.sport = v.dport;
    v.dport = p;
  }
}

function mac_low32(data: Uint8Array, m: number): number {
  return m >= 0 ? be32(data, m + 2) : 0;
}

function fields_xor(data: Uint8Array, v: FieldValues, mask: number): number {
  let h = 0;
  if (mask & S.FLD_SRC_MAC) h ^= mac_low32(data, v.smac);
  if (mask & S.FLD_DST_MAC) h ^= mac_low32(data, v.dmac);
  if (mask & S.FLD_ETHER_TYPE) h ^= v.ether_type;
  if (mask & S.FLD_VLAN) h ^= v.vlan;
  if (mask & S.FLD_MPLS_LABEL) h ^= v.mpls;
  if (mask & S.FLD_TUNNEL_ID) h ^= v.tunnel_id;
  if (v.sip >= 0) {
    if (mask & S.FLD_SRC_IP) h ^= be32(data, v.sip + v.alen - 4);
    if (mask & S.FLD_DST_IP) h ^= be32(data, v.dip + v.alen - 4);
  }
  if (mask & S.FLD_IP_PROTO) h ^= v.proto;
  if (mask & S.FLD_FLOW_LABEL) h ^= v.flow;
  if (mask & S.FLD_SRC_PORT) h ^= v.sport;
  if (mask & S.FLD_DST_PORT) h ^= v.dport;
  return h;
}

function push_mac(k: Uint32Array, n: number, data: Uint8Array, m: number): number {
  k[n] = m >= 0 ? le32(data, m) : 0;
  k[n + 1] = m >= 0 ? le16(data, m + 4) : 0;
  return n + 2;
}

function push_addr(k: Uint32Array, n: number, data: Uint8Array, a: number, alen: number): number {
  for (let i = 0; i < alen; i += 4) k[n++] = le32(data, a + i);
  return n;
}

/** The murmur key's words (in KEY) for the fields in mask; returns their count. */
function field_words(data: Uint8Array, v: FieldValues, mask: number): number {
  const k = KEY;
  let n = 0;
  if (mask & S.FLD_SRC_MAC) n = push_mac(k, n, data, v.smac);
  if (mask & S.FLD_DST_MAC) n = push_mac(k, n, data, v.dmac);
  if (mask & S.FLD_ETHER_TYPE) k[n++] = v.ether_type;
  if (mask & S.FLD_VLAN) k[n++] = v.vlan;
  if (mask & S.FLD_MPLS_LABEL) k[n++] = v.mpls;
  if (mask & S.FLD_TUNNEL_ID) k[n++] = v.tunnel_id;
  if (v.sip >= 0) {
    if (mask & S.FLD_SRC_IP) n = push_addr(k, n, data, v.sip, v.alen);
    if (mask & S.FLD_DST_IP) n = push_addr(k, n, data, v.dip, v.alen);
  }
  if (mask & S.FLD_IP_PROTO) k[n++] = v.proto;
  if (mask & S.FLD_FLOW_LABEL) k[n++] = v.flow;
  if (mask & S.FLD_SRC_PORT) k[n++] = v.sport;
  if (mask & S.FLD_DST_PORT) k[n++] = v.dport;
  return n;
}

const FLD_L3L4 = S.FLD_SRC_IP | S.FLD_DST_IP | S.FLD_IP_PROTO | S.FLD_FLOW_LABEL | S.FLD_SRC_PORT | S.FLD_DST_PORT;

/** The field values a policy hashes (in V), with the L2 fallback and the symmetric order applied; returns the mask to hash. */
function field_prepare(data: Uint8Array, base: number, w: Int32Array, flags: number, mask: number): number {
  field_values(base, w, (flags & S.F_INNER) !== 0, V);
  if (V.sip < 0 && flags & S.F_L2_FALLBACK && mask & FLD_L3L4) mask = (mask & ~FLD_L3L4) | S.FLD_SRC_MAC | S.FLD_DST_MAC | S.FLD_ETHER_TYPE;
  if (flags & S.F_SYMMETRIC) field_order(data, V, mask);
  return mask;
}

export function fields_hash(data: Uint8Array, base: number, w: Int32Array, flags: number, mask: number, hashfn: number, seed: number): number {
  mask = field_prepare(data, base, w, flags, mask);
  return hashfn === S.HASH_XOR ? fields_xor(data, V, mask) : murmur3_words(KEY, field_words(data, V, mask), seed);
}

/** Two murmur hashes of the same fields under two seeds (a 64-bit key), gathered once: out[0], out[1]. */
export function fields_hash2(data: Uint8Array, base: number, w: Int32Array, flags: number, mask: number, seedLo: number, seedHi: number, out: Uint32Array): void {
  const n = field_words(data, V, field_prepare(data, base, w, flags, mask));
  out[0] = murmur3_words(KEY, n, seedLo);
  out[1] = murmur3_words(KEY, n, seedHi);
}

const FLOW5 = S.FLD_SRC_IP | S.FLD_DST_IP | S.FLD_IP_PROTO | S.FLD_SRC_PORT | S.FLD_DST_PORT;

const FP = new Uint32Array(8);

/** Twin of fields.h fingerprint(): a 32-bit fingerprint of FP[0 .. n). */
function fingerprint(n: number): number {
  let h = S.SUM_SEED_A;
  for (let i = 0; i < n; i++) {
    const x = h ^ FP[i];
    h = Math.imul((x << 5) | (x >>> 27), 0x9e3779b1);
  }
  return murmur3_fmix(h ^ n) >>> 0;
}

function mac_fingerprint(data: Uint8Array, v: FieldValues): number {
  const d = v.dmac >= 0 ? data : ZERO_MAC, dof = v.dmac >= 0 ? v.dmac : 0;
  const s = v.smac >= 0 ? data : ZERO_MAC, so = v.smac >= 0 ? v.smac : 0;
  FP[0] = le32(d, dof);
  FP[1] = le16(d, dof + 4) | (le16(s, so) << 16);
  FP[2] = le32(s, so + 2);
  return fingerprint(3);
}

function ip_fingerprint(data: Uint8Array, v: FieldValues): number {
  const n = v.alen / 4;
  for (let i = 0; i < n; i++) {
    FP[i] = le32(data, v.sip + 4 * i);
    FP[n + i] = le32(data, v.dip + 4 * i);
  }
  return fingerprint(2 * n);
}

/** What `laghash analyze` needs of a frame, from one walk (spec SUM_*), into o[at .. at + SUM_WORDS). */
export function flow_summary(data: Uint8Array, base: number, len: number, link: number, w: Int32Array, o: Uint32Array, at: number): void {
  walk(data, base, len, link, w, false);
  const n = field_words(data, V, field_prepare(data, base, w, S.F_L2_FALLBACK, FLOW5));
  o[at] = murmur3_words(KEY, n, S.SUM_SEED_A);
  o[at + 1] = murmur3_words(KEY, n, S.SUM_SEED_B);
  const tunnel = w[S.W_TUNNEL] !== S.TUN_NONE;
  o[at + 3] = mac_fingerprint(data, V);
  o[at + 4] = V.sip >= 0 ? ip_fingerprint(data, V) : 0;
  o[at + 5] = V.sport | (V.sport || V.dport ? S.SUM_PORTS : 0) | (V.sip >= 0 ? S.SUM_IP : 0) | (tunnel ? S.SUM_TUNNEL : 0);
  o[at + 2] = tunnel ? murmur3_words(KEY, field_words(data, V, field_prepare(data, base, w, S.F_INNER | S.F_L2_FALLBACK, FLOW5)), S.SUM_SEED_A) : o[at];
}
