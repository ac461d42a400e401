/** Twin of native/flows.h: the exact flow table of `laghash analyze`, the same arrays filled the same way. */
import * as S from '../spec.js';
import { murmur3_fmix } from './murmur3.js';

/** The queues of keys for the four counters of addresses (native/flows.h KEY_*): their pair counts first, then queue k from KEYS_HEAD + 2kn. */
export const KEY_INNER = 0;
export const KEY_OUTER = 1;
export const KEY_MAC = 2;
export const KEY_IP = 3;
export const KEYS_HEAD = 4;
/** Slots of the memory of recent keys that KEY_INNER and KEY_MAC skip (native/flows.h FLOWS_RECENT). */
const FLOWS_RECENT = 64;

/** The second word of a counter's key made from one 32-bit word (native/flows.h key_mix). */
export function key_mix(h: number): number {
  return murmur3_fmix(h ^ 0x5bd1e995) >>> 0;
}

/** Whether each of the queues has room for count more pairs. */
export function queues_room(queues: Uint32Array, n: number, count: number): boolean {
  for (let k = 0; k < KEYS_HEAD; k++) if (queues[k] + count > n) return false;
  return true;
}

/** [slots, index, keys, frames, bytes, mac, pmask, mmask, meta]: see native/flows.h. */
export type FlowTableArrays = [Float64Array, Int32Array, Float64Array, Float64Array, Float64Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];

/**
 * Returns the first frame not added (a full table), start + count, or -1 for a corrupt table.
 * queues: the keys of the four counters of addresses (see native/flows.h).
 */
export function flow_accumulate(
  t: FlowTableArrays, configs: number, summary: Uint32Array, wire: Uint32Array, n: number, start: number, count: number,
  ports: Uint16Array, moved: Uint32Array, queues: Uint32Array, totals: Float64Array,
): number {
  const [slots, index, keys, frames, bytes, mac, pmask, mmask, meta] = t;
  const mask = slots.length - 1, capacity = keys.length, end = start + count;
  const recentInner = new Uint32Array(FLOWS_RECENT), recentMac = new Uint32Array(FLOWS_RECENT);
  for (let j = 0; j < FLOWS_RECENT; j++) recentInner[j] = recentMac[j] = j ^ 1;  // slot j holds no key of slot j
  const push = (k: number, lo: number, hi: number) => {
    const at = KEYS_HEAD + 2 * k * n + 2 * queues[k]++;
    queues[at] = lo;
    queues[at + 1] = hi;
  };
  for (let i = start; i < end; i++) {
    const o = i * S.SUM_WORDS, lo = summary[o], hi = summary[o + 1], len = wire[i], fl = summary[o + 5];
    const key = lo + (hi & 0x1fffff) * 4294967296;
    let slot = lo & mask, probes = 0;
    while (slots[slot] >= 0 && slots[slot] !== key) {
      if (++probes > mask) return -1;
      slot = (slot + 1) & mask;
    }
    let f: number, fresh = false, newMac = false;
    if (!(slots[slot] >= 0)) {
      f = meta[0];
      if (f >= capacity) return i;
      meta[0] = f + 1;
      slots[slot] = key;
      index[slot] = f;
      keys[f] = key;
      frames[f] = 0;
      bytes[f] = 0;
      for (let c = 0; c < configs; c++) pmask[f * configs + c] = mmask[f * configs + c] = 0;
      fresh = newMac = true;
    } else {
      f = index[slot];
      if (f >= meta[0] || f < 0) return -1;
      newMac = mac[f] !== summary[o + 3];
    }
    mac[f] = summary[o + 3];
    frames[f] += 1;
    bytes[f] += len;
    for (let c = 0; c < configs; c++) {
      const p = ports[c * n + i];
      if (p < 32) pmask[f * configs + c] |= 1 << p;
      mmask[f * configs + c] |= moved[c * n + i];
    }
    if (fl & S.SUM_TUNNEL) {
      const k = summary[o + 2];
      if (recentInner[k % FLOWS_RECENT] !== k) {
        recentInner[k % FLOWS_RECENT] = k;
        push(KEY_INNER, k, key_mix(k));
      }
      if (fresh) push(KEY_OUTER, lo, hi);
    }
    const m = summary[o + 3];
    if (newMac && recentMac[m % FLOWS_RECENT] !== m) {
      recentMac[m % FLOWS_RECENT] = m;
      push(KEY_MAC, m, key_mix(m));
    }
    if (fresh && fl & S.SUM_IP) push(KEY_IP, summary[o + 4], key_mix(summary[o + 4]));
    totals[0] += 1;
    totals[1] += len;
    if (fl & S.SUM_IP) totals[2] += 1;
    if (fl & S.SUM_PORTS) {
      totals[3] += 1;
      if (!(fl & 1)) totals[4] += 1;
    }
    if (fl & S.SUM_TUNNEL) totals[5] += 1;
  }
  return end;
}
