/**
 * Twin of native/batch.h: the batch loops. Frame i is
 * data[off(i) .. off(i) + lengths[i]) with off(i) = offsets[i] or i * stride.
 */
import * as S from '../spec.js';
import { flow_summary } from './fields.js';
import { frame_hash, type Policy } from './policy.js';
import { ConvKey, conv_key, conv_set, conv_slots, count_frame, same_port_learn, same_port_send, select_hash, type Selector } from './select.js';

export interface Frames {
  data: Uint8Array;
  offsets: Uint32Array | null;
  stride: number;
  lengths: Uint32Array;
  links: Uint16Array | null;
  link: number;
  /** A DataView over data, made on first use (frames_view). */
  view: DataView | null;
}

/** The first frame of [start, start + count) outside the data buffer, or -1. */
export function first_bad_frame(b: Pick<Frames, 'data' | 'offsets' | 'stride' | 'lengths'>, start: number, count: number): number {
  const end = start + count, dlen = b.data.length, offs = b.offsets, lens = b.lengths;
  if (offs) {
    for (let i = start; i < end; i++) if (offs[i] + lens[i] > dlen) return i;
  } else {
    for (let i = start; i < end; i++) if (i * b.stride + lens[i] > dlen) return i;
  }
  return -1;
}

const W = new Int32Array(S.W_SLOTS);

// A DataView per data array, kept while the array lives: made once, not on
// every call (one made per call doubled the time of a one-frame call).
const VIEWS = new WeakMap<Uint8Array, DataView>();

/** A DataView over the frames' data: the twin's shortcuts read words through it. */
export function frames_view(b: Frames): DataView {
  if (b.view !== null) return b.view;
  let v = VIEWS.get(b.data);
  if (v === undefined) VIEWS.set(b.data, (v = new DataView(b.data.buffer, b.data.byteOffset, b.data.byteLength)));
  return (b.view = v);
}

// JavaScript has no prefetch instruction. A chunk of CHUNK frames is first
// read (the first and last byte of each frame's first 64 bytes, in a tight
// loop whose cache misses overlap as in a plain read loop), then walked with
// its headers in cache: on a mix larger than the caches, 0.82 of the time of
// reading each group a few groups ahead while walking (CHUNK 64 to 256
// alike). The sum is kept so the reads are not optimised away.
// (native/batch.h uses __builtin_prefetch for the same purpose.)
const CHUNK = 128;
let touched = 0;

function touch_chunk(data: Uint8Array, offs: Uint32Array | null, stride: number, from: number, to: number): void {
  const last = data.length - 1;
  let acc = 0;
  for (let j = from; j < to; j++) {
    const o = offs ? offs[j] : j * stride;
    if (o <= last) acc ^= data[o] ^ data[o + 63 <= last ? o + 63 : last];
  }
  touched ^= acc;
}

export function hash_batch(p: Policy, b: Frames, start: number, count: number, out: Uint32Array): void {
  const data = b.data, dv = frames_view(b), offs = b.offsets, lens = b.lengths, links = b.links, link = b.link, stride = b.stride, w = W;
  const end = start + count;
  for (let g = start; g < end; g += CHUNK) {
    const ge = g + CHUNK < end ? g + CHUNK : end;
    touch_chunk(data, offs, stride, g, ge);
    for (let i = g; i < ge; i++) out[i] = frame_hash(p, data, dv, offs ? offs[i] : i * stride, lens[i], links ? links[i] : link, w);
  }
}

export function select_batch(p: Policy, s: Selector, b: Frames, start: number, count: number, out: Uint16Array): void {
  if (s.kind === S.SK_SAME_PORT) {
    conv_range(s, b, start, count, false, (i, k, set) => {
      const port = same_port_send(s, set, k);
      count_frame(s, port, b.lengths[i]);
      out[i] = port;
    });
    return;
  }
  const data = b.data, dv = frames_view(b), offs = b.offsets, lens = b.lengths, links = b.links, link = b.link, stride = b.stride, w = W;
  const end = start + count;
  for (let g = start; g < end; g += CHUNK) {
    const ge = g + CHUNK < end ? g + CHUNK : end;
    touch_chunk(data, offs, stride, g, ge);
    for (let i = g; i < ge; i++) {
      const port = select_hash(s, frame_hash(p, data, dv, offs ? offs[i] : i * stride, lens[i], links ? links[i] : link, w), lens[i]);
      count_frame(s, port, lens[i]);
      out[i] = port;
    }
  }
}

// Same-port: conversation keys of a group first, then the lookups (native
// prefetches the table sets in between; here the order is kept the same).
const CONV_GROUP = 16;
const KEYS = Array.from({ length: CONV_GROUP }, () => new ConvKey());
const SETS = new Int32Array(CONV_GROUP);

function conv_range(s: Selector, b: Frames, start: number, count: number, peer_src: boolean,
  step: (i: number, k: ConvKey, set: number) => void): void {
  const flow = (s.flags & S.SF_FLOW_KEY) !== 0, end = start + count, w = W;
  for (let g = start; g < end; g += CONV_GROUP) {
    const n = end - g < CONV_GROUP ? end - g : CONV_GROUP;
    for (let j = 0; j < n; j++) {
      const i = g + j;
      conv_key(b.data, b.offsets ? b.offsets[i] : i * b.stride, b.lengths[i], b.links ? b.links[i] : b.link, flow, peer_src, w, KEYS[j]);
      SETS[j] = conv_set(s, KEYS[j]);
    }
    for (let j = 0; j < n; j++) step(g + j, KEYS[j], conv_slots(s, SETS[j]));
  }
}

/** Same-port receive: frame i arrived on port arrival[i]; its conversation moves there. */
export function learn_batch(s: Selector, b: Frames, start: number, count: number, arrival: Uint16Array): void {
  conv_range(s, b, start, count, true, (i, k, set) => {
    if (arrival[i] < s.ports) same_port_learn(s, set, k, arrival[i]);
  });
}

/** Frame summaries for analysis (fields.ts flow_summary): SUM_WORDS per frame. */
export function summary_batch(b: Frames, start: number, count: number, out: Uint32Array): void {
  for (let i = start; i < start + count; i++)
    flow_summary(b.data, b.offsets ? b.offsets[i] : i * b.stride, b.lengths[i], b.links ? b.links[i] : b.link, W, out, i * S.SUM_WORDS);
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
