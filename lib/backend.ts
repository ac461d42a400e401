/**
 * The interface both backends implement with identical results: the native
 * addon (native/addon.cc) and the TypeScript twin (lib/js/). Arguments are
 * flat and already validated by the caller (lib/hash.ts, lib/dissect.ts);
 * per-frame bounds are the backends' own check.
 *
 * Frames: frame i is data[off(i) .. off(i) + lengths[i]) with
 * off(i) = offsets[i], or i * stride when offsets is null; its link type is
 * links[i], or `link` when links is null. Outputs are indexed like frames.
 * hash/select/bound calls return -1, or the index of the first frame of the
 * range that lies outside data (then nothing was written).
 */
export type BackendName = 'native' | 'js';

import type { FlowTableArrays } from './js/flows.js';

export interface Backend {
  readonly name: BackendName;
  hash(
    data: Uint8Array, offsets: Uint32Array | null, stride: number, lengths: Uint32Array, link: number, links: Uint16Array | null,
    start: number, count: number, spec: Uint32Array, tables: Uint32Array | null, out: Uint32Array,
  ): number;
  /** Select ports: selTable and stats (counters, or null) are the caller's and may be updated. */
  select(
    data: Uint8Array, offsets: Uint32Array | null, stride: number, lengths: Uint32Array, link: number, links: Uint16Array | null,
    start: number, count: number, spec: Uint32Array, tables: Uint32Array | null, selSpec: Uint32Array, selTable: Uint32Array,
    stats: Float64Array | null, out: Uint16Array,
  ): number;
  /** out[i] = the port of hashes[i] for i in [start, start + count); not for same-port; counts nothing. */
  selectHashes(hashes: Uint32Array, start: number, count: number, selSpec: Uint32Array, selTable: Uint32Array, out: Uint16Array): void;
  /**
   * What-if tallies (analysis): states = [spec, table, ...], the normal selector state then one
   * per failure (at most 32); ports[i], moved[i] (bit k: failure state k moves frame i) and
   * counters (frames and bytes per port, then frames and bytes moved per failure) are written.
   */
  tally(
    hashes: Uint32Array, wire: Uint32Array, start: number, count: number, states: Uint32Array[],
    ports: Uint16Array, moved: Uint32Array, counters: Float64Array,
  ): void;
  /**
   * Add frames to an exact flow table (analysis; native/flows.h): returns the first frame not
   * added (the table is full: grow it and call again), start + count, or -1 for a corrupt table.
   * queues collects the keys for the four counters of addresses (KEYS_HEAD + 8n words; see
   * native/flows.h): queue k holds queues[k] pairs (lo, hi) from KEYS_HEAD + 2kn.
   */
  accumulate(
    table: FlowTableArrays, configs: number, summary: Uint32Array, wire: Uint32Array, n: number, start: number, count: number,
    ports: Uint16Array, moved: Uint32Array, queues: Uint32Array, totals: Float64Array,
  ): number;
  /** out[i * SUM_WORDS ..]: frame i's summary for analysis (spec SUM_*); -1, or the first frame outside data. */
  summarize(
    data: Uint8Array, offsets: Uint32Array | null, stride: number, lengths: Uint32Array, link: number, links: Uint16Array | null,
    start: number, count: number, out: Uint32Array,
  ): number;
  /** Same-port receive: frame i arrived on port arrival[i]. */
  learn(
    data: Uint8Array, offsets: Uint32Array | null, stride: number, lengths: Uint32Array, link: number, links: Uint16Array | null,
    start: number, count: number, selSpec: Uint32Array, selTable: Uint32Array, stats: Float64Array | null, arrival: Uint16Array,
  ): number;
  /** Benchmark baseline: read the first `bytes` bytes of every frame; returns a checksum. */
  touch(
    data: Uint8Array, offsets: Uint32Array | null, stride: number, lengths: Uint32Array, link: number, links: Uint16Array | null,
    start: number, count: number, bytes: number,
  ): number;
  /**
   * Where in bytes a table of cache lines should start (native: the first
   * 64-byte boundary; large buffers are also offered transparent huge pages
   * on Linux). The TS twin answers 0.
   */
  placeTable(bytes: Uint8Array): number;
  /**
   * Classic pcap records from byte p of bytes (native/capture.h): slots [start, end) of the
   * arrays are filled while whole records remain; returns the next free slot, plus 2^32 when a
   * record taken has an incl_len above snap or above its orig_len. bytes.length < 2^32.
   */
  pcapRecords(
    bytes: Uint8Array, p: number, le: boolean, units: number, maxCaptured: number, snap: number,
    offsets: Uint32Array, lengths: Uint32Array, originals: Uint32Array, timestamps: Float64Array, start: number, end: number,
  ): number;
  /** The full walk record (W_SLOTS slots) of one frame. */
  dissect(data: Uint8Array, offset: number, length: number, link: number, out: Int32Array): void;
  /** MurmurHash3_x86_32 of a byte string. */
  murmur3(bytes: Uint8Array, seed: number): number;
  /** Register everything once; the returned function takes only (start, count). */
  bind(
    data: Uint8Array, offsets: Uint32Array | null, stride: number, lengths: Uint32Array, link: number, links: Uint16Array | null,
    spec: Uint32Array, tables: Uint32Array | null, selSpec: Uint32Array | null, selTable: Uint32Array | null,
    stats: Float64Array | null, out: Uint32Array | Uint16Array,
  ): (start: number, count: number) => number;
}
