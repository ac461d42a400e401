/** Twin of native/select.h: selectors and the same-port conversation table. */
import * as S from '../spec.js';
import { murmur3_fmix } from './murmur3.js';
import { be16, be32 } from './bytes.js';
import { fields_hash2 } from './fields.js';
import { walk } from './frame.js';

export interface Selector {
  kind: number;
  count: number;
  buckets: number;
  now: number;
  flags: number;
  ports: number;
  maxidle: number;
  first: number;
  table: Uint32Array;
  stats: Float64Array | null;
}

function selector_table_ok(s: Selector): boolean {
  let need: number;
  switch (s.kind) {
    case S.SK_MODULO: need = s.count; break;
    case S.SK_TEAM: need = s.count + (s.flags & S.SF_HTPM ? S.TEAM_HTPM_LEN : 0); break;
    case S.SK_TABLE: case S.SK_RESILIENT: need = 2 * s.buckets; break;
    case S.SK_RENDEZVOUS: need = s.count * S.RDV_WORDS + S.RDV_LOG2_LEN; break;
    case S.SK_SAME_PORT: need = conv_base(s.ports) + s.buckets * S.CONV_WORDS; break;
    default: return false;
  }
  return need <= s.table.length;
}

function selector_stats_len(s: Selector): number {
  const extra = s.kind === S.SK_TABLE || s.kind === S.SK_RESILIENT ? s.buckets
    : s.kind === S.SK_TEAM ? S.TEAM_HTPM_LEN : s.kind === S.SK_SAME_PORT ? S.CONV_STATS : 0;
  return 2 * s.ports + extra;
}

export function selector_decode(spec: Uint32Array, table: Uint32Array, stats: Float64Array | null): Selector | null {
  if (spec.length < S.SEL_LEN) return null;
  const s: Selector = {
    kind: spec[S.SEL_KIND], count: spec[S.SEL_COUNT], buckets: spec[S.SEL_BUCKETS], now: spec[S.SEL_NOW], flags: spec[S.SEL_FLAGS],
    ports: spec[S.SEL_PORTS], maxidle: spec[S.SEL_MAXIDLE], first: spec[S.SEL_FIRST], table, stats,
  };
  if (s.ports === 0 || s.ports > S.PORT_LIMIT || s.count > S.PORT_LIMIT) return null;
  if (s.kind === S.SK_TABLE && (s.buckets === 0 || s.buckets & (s.buckets - 1))) return null;
  if (s.kind === S.SK_RESILIENT && s.buckets === 0) return null;
  if (s.kind === S.SK_SAME_PORT && (s.buckets < S.CONV_WAYS || s.buckets & (s.buckets - 1) || s.first >= s.ports)) return null;
  if (!selector_table_ok(s)) return null;
  if (stats && stats.length < selector_stats_len(s)) return null;
  switch (s.kind) {
    case S.SK_MODULO: case S.SK_TEAM:
      for (let i = 0; i < s.count; i++) if (table[i] >= s.ports) return null;
      if (s.kind === S.SK_TEAM && s.flags & S.SF_HTPM)
        for (let i = 0; i < S.TEAM_HTPM_LEN; i++) if (table[s.count + i] !== S.PORT_NONE && table[s.count + i] >= s.ports) return null;
      return s;
    case S.SK_TABLE: case S.SK_RESILIENT:
      for (let i = 0; i < s.buckets; i++) if (table[i] !== S.PORT_NONE && table[i] >= s.ports) return null;
      return s;
    case S.SK_RENDEZVOUS:
      for (let i = 0; i < s.count; i++) if (table[i * S.RDV_WORDS] >= s.ports) return null;
      return s;
    default:
      return s;
  }
}

export function count_frame(s: Selector, port: number, len: number): void {
  const st = s.stats;
  if (!st || port === S.NO_PORT) return;
  st[port] += 1;
  st[s.ports + port] += len;
}

// ---- per kind -------------------------------------------------------------

function select_modulo(s: Selector, h: number): number {
  return s.count ? s.table[(h >>> 0) % s.count] : S.NO_PORT;
}

function select_team(s: Selector, h: number, len: number): number {
  const byte = (h ^ (h >>> 8) ^ (h >>> 16) ^ (h >>> 24)) & 0xff;
  if (s.stats) s.stats[2 * s.ports + byte] += len;
  if (s.flags & S.SF_HTPM) {
    const p = s.table[s.count + byte];
    if (p !== S.PORT_NONE) return p;
  }
  return s.count ? s.table[byte % s.count] : S.NO_PORT;
}

function select_bucket(s: Selector, h: number, len: number): number {
  const b = s.kind === S.SK_TABLE ? h & (s.buckets - 1) : (h >>> 0) % s.buckets;
  if (s.flags & S.SF_STAMP) s.table[s.buckets + b] = s.now;
  if (s.stats) s.stats[2 * s.ports + b] += len;
  const p = s.table[b];
  return p === S.PORT_NONE ? S.NO_PORT : p;
}

/** 32 - log2(u + 1) in 16.16 fixed point, at least 1 (exact integer arithmetic on doubles). */
function rdv_rarity(table: Uint32Array, log2at: number, u: number): number {
  const x = (u >>> 0) + 1;  // 1 .. 2^32
  const e = x === 0x100000000 ? 32 : 31 - Math.clz32(x);
  const idx = e >= 10 ? Math.floor(x / 2 ** (e - 10)) % 1024 : (x * 2 ** (10 - e)) % 1024;
  const l = e * 65536 + table[log2at + idx];
  const r = 32 * 65536 - l;
  return r ? r : 1;
}


function rdv_mix(h: number, seed: number): number {
  return murmur3_fmix(h ^ seed);
}

function select_rendezvous(s: Selector, h: number): number {
  const t = s.table, log2at = s.count * S.RDV_WORDS;
  let best = S.NO_PORT, best_w = 0, best_r = 1;
  for (let i = 0, e = 0; i < s.count; i++, e += S.RDV_WORDS) {
    const w = t[e + 1], r = rdv_rarity(t, log2at, rdv_mix(h, t[e + 2]));
    // w / r > best_w / best_r, without division (products stay below 2^53)
    if (w * best_r > best_w * r || best === S.NO_PORT) {
      best = t[e];
      best_w = w;
      best_r = r;
    }
  }
  return best;
}

export function select_hash(s: Selector, h: number, len: number): number {
  switch (s.kind) {
    case S.SK_MODULO: return select_modulo(s, h);
    case S.SK_TEAM: return select_team(s, h, len);
    case S.SK_TABLE: case S.SK_RESILIENT: return select_bucket(s, h, len);
    default: return select_rendezvous(s, h);
  }
}

// ---- same-port conversations -----------------------------------------------

/** A conversation key (two u32 words); one instance per caller, filled by conv_key. */
export class ConvKey {
  lo = 0;
  hi = 0;
}

const FLOW_MASK = S.FLD_SRC_IP | S.FLD_DST_IP | S.FLD_IP_PROTO | S.FLD_SRC_PORT | S.FLD_DST_PORT;
const FLOW_FLAGS = S.F_SYMMETRIC | S.F_L2_FALLBACK;
/** A flow key: MurmurHash3 of its fields under both (native/select.h CONV_SEED_*). */
const CONV_SEED_LO = 0x5a5a5a5a, CONV_SEED_HI = 0xa5a5a5a5;
const PAIR = new Uint32Array(2);

export function conv_key(data: Uint8Array, base: number, len: number, link: number, flow: boolean, peer_src: boolean, w: Int32Array, k: ConvKey): void {
  if (!flow && link === S.LINK_ETHERNET) {  // the walk would find the addresses at 0 and 6, or be truncated
    const mac = base + (peer_src ? 6 : 0);
    k.lo = len >= 14 ? be32(data, mac + 2) >>> 0 : 0;
    k.hi = len >= 14 ? be16(data, mac) | 0x10000 : 0;
    return;
  }
  walk(data, base, len, link, w, false);
  if (flow) {
    fields_hash2(data, base, w, FLOW_FLAGS, FLOW_MASK, CONV_SEED_LO, CONV_SEED_HI, PAIR);
    k.lo = PAIR[0];
    k.hi = PAIR[1];
    return;
  }
  let mac = -1;
  if (w[S.W_NETH] > 0) mac = base + w[S.W_ETH] + (peer_src ? 6 : 0);
  else if (peer_src && w[S.W_SLL_ADDR] >= 0) mac = base + w[S.W_SLL_ADDR];
  if (mac < 0) {
    k.lo = k.hi = 0;
    return;
  }
  k.lo = be32(data, mac + 2) >>> 0;
  k.hi = be16(data, mac) | 0x10000;
}

export function conv_set(s: Selector, k: ConvKey): number {
  return (murmur3_fmix(k.lo ^ Math.imul(k.hi, 0x9e3779b9)) >>> 0) & (s.buckets / S.CONV_WAYS - 1);
}

/** Same-port: the word where the conversation sets start (a 64-byte boundary of the table). */
export function conv_base(ports: number): number {
  return (ports + 15) & ~15;
}

/** The first word of a set's slots in the table. */
export function conv_slots(s: Selector, set: number): number {
  return conv_base(s.ports) + set * S.CONV_WAYS * S.CONV_WORDS;
}

function conv_live(s: Selector, e: number): boolean {
  const t = s.table;
  return t[e + 2] !== S.PORT_NONE && ((s.now - t[e + 3]) >>> 0) <= s.maxidle;
}

function conv_find(s: Selector, set: number, k: ConvKey): number {
  const t = s.table;
  for (let i = 0; i < S.CONV_WAYS; i++) {
    const e = set + i * S.CONV_WORDS;
    if (t[e] === k.lo && t[e + 1] === k.hi && conv_live(s, e)) return e;
  }
  return -1;
}

function conv_insert(s: Selector, set: number, k: ConvKey, port: number): number {
  const t = s.table;
  let empty = -1, expired = -1, own = -1, oldest = set;
  for (let i = 0; i < S.CONV_WAYS; i++) {
    const e = set + i * S.CONV_WORDS;
    if (t[e + 2] === S.PORT_NONE) {
      if (empty < 0) empty = e;
    } else if (!conv_live(s, e)) {
      if (expired < 0) expired = e;
      if (own < 0 && t[e] === k.lo && t[e + 1] === k.hi) own = e;
    } else if (((s.now - t[e + 3]) >>> 0) > ((s.now - t[oldest + 3]) >>> 0)) {
      oldest = e;
    }
  }
  const e = own >= 0 ? own : empty >= 0 ? empty : expired >= 0 ? expired : oldest;
  if (s.stats) {
    const c = 2 * s.ports;
    s.stats[c] += 1;
    if (own >= 0 || empty < 0) s.stats[c + (expired >= 0 ? 2 : 1)] += 1;
  }
  t[e] = k.lo;
  t[e + 1] = k.hi;
  t[e + 2] = port;
  t[e + 3] = s.now;
  return e;
}

function conv_moved(s: Selector): void {
  if (s.stats) s.stats[2 * s.ports + 3] += 1;
}

function port_usable(s: Selector, p: number): boolean {
  return p < s.ports && s.table[p] !== 0;
}

export function same_port_send(s: Selector, set: number, k: ConvKey): number {
  if (!s.count) return S.NO_PORT;
  const t = s.table;
  const e = conv_find(s, set, k);
  if (e < 0) return t[conv_insert(s, set, k, s.first) + 2];
  t[e + 3] = s.now;
  if (!port_usable(s, t[e + 2])) {
    t[e + 2] = s.first;
    conv_moved(s);
  }
  return t[e + 2];
}

export function same_port_learn(s: Selector, set: number, k: ConvKey, arrival: number): void {
  const t = s.table;
  const e = conv_find(s, set, k);
  if (e < 0) {
    conv_insert(s, set, k, arrival);
    return;
  }
  t[e + 3] = s.now;
  if (t[e + 2] !== arrival) {
    t[e + 2] = arrival;
    conv_moved(s);
  }
}
