/** Twin of native/policy.h: decode a spec and hash one frame under it. */
import * as S from '../spec.js';
import { dpdk_l2, dpdk_l23, dpdk_l34 } from './dpdk.js';
import { fields_hash } from './fields.js';
import { make_view, View, walk } from './frame.js';
import { linux_l3, linux_l34_fast, linux_layer2, linux_vlan_srcmac } from './linux.js';
import { team_hash } from './team.js';
import { toeplitz_hash } from './toeplitz.js';

export interface Policy {
  kind: number;
  flags: number;
  arg: number;
  seed: number;
  hashfn: number;
  tables: Uint32Array | null;
  /** linux:layer3+4 with the offloaded tag: Ethernet frames take linux_l34_fast first (frame_hash). */
  l34_fast: boolean;
}

/** Decode and check a spec; null when it is not one the TS compiler makes. */
export function policy_decode(spec: Uint32Array, tables: Uint32Array | null): Policy | null {
  if (spec.length < S.S_LEN) return null;
  const p: Policy = {
    kind: spec[S.S_KIND], flags: spec[S.S_FLAGS], arg: spec[S.S_ARG], seed: spec[S.S_SEED], hashfn: spec[S.S_HASHFN], tables: null,
    l34_fast: spec[S.S_KIND] === S.P_LINUX_L34 && !(spec[S.S_FLAGS] & S.F_VLAN_INBAND),
  };
  switch (p.kind) {
    case S.P_LINUX_L2: case S.P_LINUX_L23: case S.P_LINUX_L34: case S.P_LINUX_E23: case S.P_LINUX_E34:
    case S.P_LINUX_VLAN_SRCMAC: case S.P_DPDK_L2: case S.P_DPDK_L23: case S.P_DPDK_L34: case S.P_TEAM:
      return p;
    case S.P_TOEPLITZ:
      if (!tables || tables.length < S.TOEPLITZ_TABLE_LEN) return null;
      p.tables = tables;
      return p;
    case S.P_FIELDS:
      return p.hashfn === S.HASH_XOR || p.hashfn === S.HASH_MURMUR3 ? p : null;
    default:
      return null;
  }
}

const VIEW = new View();

/**
 * The hash of frame data[base .. base + len) under p (u32), as policy_hash
 * gives it, through the layer3+4 shortcut where it serves. dv views the same
 * bytes as data (batch.ts frames_view). Small, so that V8 inlines it and the
 * shortcut into the batch loops: about 0.9 of the time of the shortcut taken
 * inside policy_hash.
 */
export function frame_hash(p: Policy, data: Uint8Array, dv: DataView, base: number, len: number, link: number, w: Int32Array): number {
  if (p.l34_fast && link === S.LINK_ETHERNET) {
    const h = linux_l34_fast(dv, base, len);
    if (h >= 0) return h;
  }
  return policy_hash(p, data, base, len, link, w);
}

/** The hash of frame data[base .. base + len) under p (u32). w is scratch for the walk. */
function policy_hash(p: Policy, data: Uint8Array, base: number, len: number, link: number, w: Int32Array): number {
  const kind = p.kind;
  if (kind === S.P_TOEPLITZ || kind === S.P_FIELDS) {
    walk(data, base, len, link, w, false);
    if (kind === S.P_TOEPLITZ) {
      const ip = p.flags & S.F_INNER ? w[S.W_INNER_IP] : w[S.W_NIP] > 0 ? 0 : -1;
      return toeplitz_hash(data, base, w, ip, p.arg, p.tables!) >>> 0;
    }
    return fields_hash(data, base, w, p.flags, p.arg, p.hashfn, p.seed) >>> 0;
  }
  const v = VIEW;
  const linux_like = kind < S.P_DPDK_L2 || kind === S.P_TEAM;
  make_view(data, base, len, link, linux_like && !(p.flags & S.F_VLAN_INBAND), v);
  switch (kind) {
    case S.P_LINUX_L2: return linux_layer2(v) >>> 0;
    case S.P_LINUX_L23: return linux_l3(v, data, false, false) >>> 0;
    case S.P_LINUX_L34: return linux_l3(v, data, true, false) >>> 0;
    case S.P_LINUX_E23: return linux_l3(v, data, false, true) >>> 0;
    case S.P_LINUX_E34: return linux_l3(v, data, true, true) >>> 0;
    case S.P_LINUX_VLAN_SRCMAC: return linux_vlan_srcmac(v) >>> 0;
    case S.P_DPDK_L2: return dpdk_l2(v) >>> 0;
    case S.P_DPDK_L23: return dpdk_l23(v, data) >>> 0;
    case S.P_DPDK_L34: return dpdk_l34(v, data) >>> 0;
    default: return team_hash(v, data, p.arg) >>> 0;
  }
}
