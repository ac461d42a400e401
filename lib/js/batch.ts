/**
 * Twin of native/batch.h: the batch loops. Frame i is
 * data[off(i) .. off(i) + lengths[i]) with off(i) = offsets[i] or i * stride.
 */
import * as S from '../spec.js';
import { policy_hash, type Policy } from './policy.js';
import { select_port, type Selector } from './select.js';

export interface Frames {
  data: Uint8Array;
  offsets: Uint32Array | null;
  stride: number;
  lengths: Uint32Array;
  links: Uint16Array | null;
  link: number;
}

/** The first frame of [start, start + count) outside the data buffer, or -1. */
export function first_bad_frame(b: Frames, start: number, count: number): number {
  const end = start + count, dlen = b.data.length, offs = b.offsets, lens = b.lengths;
  if (offs) {
    for (let i = start; i < end; i++) if (offs[i] + lens[i] > dlen) return i;
  } else {
    for (let i = start; i < end; i++) if (i * b.stride + lens[i] > dlen) return i;
  }
  return -1;
}

const W = new Int32Array(S.W_SLOTS);

export function hash_batch(p: Policy, b: Frames, start: number, count: number, out: Uint32Array): void {
  const data = b.data, offs = b.offsets, lens = b.lengths, links = b.links, link = b.link, stride = b.stride, w = W;
  const end = start + count;
  for (let i = start; i < end; i++) {
    out[i] = policy_hash(p, data, offs ? offs[i] : i * stride, lens[i], links ? links[i] : link, w);
  }
}

export function select_batch(p: Policy, s: Selector, b: Frames, start: number, count: number, out: Uint16Array): void {
  const data = b.data, offs = b.offsets, lens = b.lengths, links = b.links, link = b.link, stride = b.stride, w = W;
  const end = start + count;
  for (let i = start; i < end; i++) {
    out[i] = select_port(s, policy_hash(p, data, offs ? offs[i] : i * stride, lens[i], links ? links[i] : link, w));
  }
}

/** The memory baseline: read the first `bytes` bytes of every frame. */
export function touch_batch(b: Frames, start: number, count: number, bytes: number): number {
  let acc = 0;
  const data = b.data;
  for (let i = start; i < start + count; i++) {
    const f = b.offsets ? b.offsets[i] : i * b.stride;
    const n = Math.min(b.lengths[i], bytes);
    for (let k = 0; k < n; k++) acc = (acc + data[f + k]) | 0;
  }
  return acc >>> 0;
}
