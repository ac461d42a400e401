/** Twin of native/flows.h: the exact flow table of `laghash analyze`, the same arrays filled the same way. */
import * as S from '../spec.js';

export const FL_NEW_FLOW = 1;
export const FL_NEW_MAC = 2;
export const FL_TUNNEL = 4;

/** [slots, index, keys, frames, bytes, mac, pmask, mmask, meta]: see native/flows.h. */
export type FlowTableArrays = [Float64Array, Int32Array, Float64Array, Float64Array, Float64Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];

/**
 * Returns the first frame not added (a full table), start + count, or -1 for a corrupt table.
 * events: frames to look at again (events[0] of them after it): i | flags << 24.
 */
export function flow_accumulate(
  t: FlowTableArrays, configs: number, summary: Uint32Array, wire: Uint32Array, n: number, start: number, count: number,
  ports: Uint16Array, moved: Uint32Array, events: Uint32Array, totals: Float64Array,
): number {
  const [slots, index, keys, frames, bytes, mac, pmask, mmask, meta] = t;
  const mask = slots.length - 1, capacity = keys.length, end = start + count;
  for (let i = start; i < end; i++) {
    const o = i * S.SUM_WORDS, lo = summary[o], hi = summary[o + 1], len = wire[i], fl = summary[o + 5];
    const key = lo + (hi & 0x1fffff) * 4294967296;
    let slot = lo & mask, probes = 0;
    while (slots[slot] >= 0 && slots[slot] !== key) {
      if (++probes > mask) return -1;
      slot = (slot + 1) & mask;
    }
    let f: number, flag = 0;
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
      flag = FL_NEW_FLOW | FL_NEW_MAC;
    } else {
      f = index[slot];
      if (f >= meta[0] || f < 0) return -1;
      if (mac[f] !== summary[o + 3]) flag = FL_NEW_MAC;
    }
    mac[f] = summary[o + 3];
    frames[f] += 1;
    bytes[f] += len;
    for (let c = 0; c < configs; c++) {
      const p = ports[c * n + i];
      if (p < 32) pmask[f * configs + c] |= 1 << p;
      mmask[f * configs + c] |= moved[c * n + i];
    }
    if (fl & S.SUM_TUNNEL) flag |= FL_TUNNEL;
    if (flag) events[++events[0]] = (i | (flag << 24)) >>> 0;
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
