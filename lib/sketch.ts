/**
 * Counting structures for analysis, over 53-bit keys that are already hashes
 * (a flow's two MurmurHash3 words: lo + (hi & 0x1fffff) * 2^32):
 *
 *   KeyIndex      exact: key -> dense index, open addressing, linear probing.
 *   HyperLogLog   distinct counts in 16 KiB (2^14 registers): standard error
 *                 1.04 / sqrt(2^14) = 0.81% (Flajolet et al., 2007, with
 *                 linear counting for small cardinalities).
 *   CountMin      per-key totals in 4 x 4096 counters: an estimate exceeds the
 *                 true total by at most e/4096 (0.066%) of the grand total,
 *                 with probability 1 - e^-4 (98%) (Cormode and Muthukrishnan).
 */

import { murmur3_fmix } from './js/murmur3.js';

const TWO32 = 4294967296;

/** The 53-bit key of two 32-bit hash words. */
export function key53(lo: number, hi: number): number {
  return (lo >>> 0) + (hi & 0x1fffff) * TWO32;
}

/**
 * Exact map from keys (integers 0 .. 2^53 - 1) to dense indices 0, 1, 2, ...
 * Callers pass the key's low word too: it places the key (no float modulo).
 */
export class KeyIndex {
  private slots: Float64Array;
  private index: Int32Array;
  private mask: number;
  /** Keys in insertion order: keys[i] has index i. */
  keys: Float64Array;
  size = 0;

  constructor(capacity = 1024) {
    let n = 16;
    while (n < 2 * capacity) n *= 2;
    this.slots = new Float64Array(n).fill(-1);
    this.index = new Int32Array(n);
    this.mask = n - 1;
    this.keys = new Float64Array(Math.max(8, capacity));
  }

  /** The index of key (lo: its low 32 bits), inserting it when new. */
  add(key: number, lo: number): number {
    let s = lo & this.mask;
    for (;;) {
      const k = this.slots[s];
      if (k === key) return this.index[s];
      if (k < 0) break;
      s = (s + 1) & this.mask;
    }
    const i = this.size++;
    this.slots[s] = key;
    this.index[s] = i;
    if (i >= this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    this.keys[i] = key;
    if (2 * this.size > this.slots.length) this.rehash();
    return i;
  }

  private rehash(): void {
    const n = this.slots.length * 2;
    this.slots = new Float64Array(n).fill(-1);
    this.index = new Int32Array(n);
    this.mask = n - 1;
    for (let i = 0; i < this.size; i++) {
      const key = this.keys[i];
      let s = (key % TWO32) & this.mask;
      while (this.slots[s] >= 0) s = (s + 1) & this.mask;
      this.slots[s] = key;
      this.index[s] = i;
    }
  }

  /** Bytes held. */
  get bytes(): number {
    return this.slots.byteLength + this.index.byteLength + this.keys.byteLength;
  }
}

const HLL_P = 14;
const HLL_M = 1 << HLL_P;
/** Registers of a HyperLogLog (its exported state's length). */
export const HLL_REGISTERS = HLL_M;

/** Distinct keys, approximately (0.81% standard error) in 16 KiB. */
export class HyperLogLog {
  static readonly relativeError = 1.04 / Math.sqrt(HLL_M);
  /** The registers (2^14 bytes): the whole state. */
  readonly reg: Uint8Array;

  constructor(registers?: Uint8Array) {
    this.reg = registers ? Uint8Array.from(registers) : new Uint8Array(HLL_M);
  }

  /** Count the keys of another counter too (the union: registers' maximum). */
  merge(registers: Uint8Array): void {
    for (let j = 0; j < HLL_M; j++) if (registers[j] > this.reg[j]) this.reg[j] = registers[j];
  }

  /** Add a key given as two independent 32-bit hash words. */
  add(lo: number, hi: number): void {
    // register from the high word, rank from the low one
    const j = hi & (HLL_M - 1);
    const rank = Math.clz32(lo | 1) + 1;
    if (rank > this.reg[j]) this.reg[j] = rank;
  }

  get estimate(): number {
    let sum = 0, zeros = 0;
    for (let j = 0; j < HLL_M; j++) {
      sum += 2 ** -this.reg[j];
      if (this.reg[j] === 0) zeros++;
    }
    const alpha = 0.7213 / (1 + 1.079 / HLL_M);
    const e = (alpha * HLL_M * HLL_M) / sum;
    return e <= 2.5 * HLL_M && zeros > 0 ? HLL_M * Math.log(HLL_M / zeros) : e;
  }

  get bytes(): number {
    return HLL_M;
  }
}

export type DistinctState = { keys: Float64Array } | { registers: Uint8Array };

/** Distinct keys (two independent 32-bit hash words): exact up to `limit`, then a HyperLogLog. */
export class DistinctCounter {
  private exact: KeyIndex | null = new KeyIndex(64);
  private hll: HyperLogLog | null = null;
  constructor(private readonly limit: number) {}

  add(lo: number, hi: number): void {
    if (this.exact) {
      this.exact.add(key53(lo, hi), lo);
      if (this.exact.size > this.limit) {
        this.hll = new HyperLogLog();
        for (let i = 0; i < this.exact.size; i++) {
          const k = this.exact.keys[i], l = k % TWO32;
          this.hll.add(l, (k - l) / TWO32);
        }
        this.exact = null;
      }
    } else {
      this.hll!.add(lo, hi);
    }
  }

  /** add() of n keys given as word pairs: keys[at + 2i] (lo), keys[at + 2i + 1] (hi). */
  addPairs(keys: Uint32Array, at: number, n: number): void {
    for (let i = 0; i < n; i++) this.add(keys[at + 2 * i], keys[at + 2 * i + 1]);
  }

  /** The keys (while exact) or the registers: enough to merge elsewhere. */
  exportState(): DistinctState {
    return this.exact ? { keys: this.exact.keys.slice(0, this.exact.size) } : { registers: Uint8Array.from(this.hll!.reg) };
  }

  /** Add the keys another counter saw. */
  merge(s: DistinctState): void {
    if ('keys' in s) {
      for (const k of s.keys) {
        const lo = k % TWO32;
        this.add(lo, (k - lo) / TWO32);
      }
      return;
    }
    if (this.exact) {
      const keys = this.exact.keys.subarray(0, this.exact.size);
      this.exact = null;
      this.hll = new HyperLogLog();
      for (const k of keys) {
        const lo = k % TWO32;
        this.hll.add(lo, (k - lo) / TWO32);
      }
    }
    this.hll!.merge(s.registers);
  }

  get count(): number {
    return this.exact ? this.exact.size : Math.round(this.hll!.estimate);
  }

  /** Relative standard error of count: 0 while exact. */
  get error(): number {
    return this.exact ? 0 : HyperLogLog.relativeError;
  }

  get bytes(): number {
    return this.exact ? this.exact.bytes : this.hll!.bytes;
  }
}

const CM_DEPTH = 4;
const CM_WIDTH = 4096;
/** Counters of a CountMin sketch (its exported rows' length). */
export const COUNT_MIN_CELLS = CM_DEPTH * CM_WIDTH;

/** Per-key totals, over-estimated by at most e/4096 of the grand total (98% of the time). */
export class CountMin {
  static readonly epsilon = Math.E / CM_WIDTH;
  /** The counters: the whole state with total. */
  readonly rows = new Float64Array(CM_DEPTH * CM_WIDTH);
  total = 0;

  /** Add v to the total of the key given as two 32-bit hash words; returns its estimate afterwards. */
  add(lo: number, hi: number, v: number): number {
    let est = Infinity;
    for (let d = 0; d < CM_DEPTH; d++) {
      const x = (this.rows[column(d, lo, hi)] += v);
      if (x < est) est = x;
    }
    this.total += v;
    return est;
  }

  /** The key's estimated total. */
  estimate(lo: number, hi: number): number {
    let est = Infinity;
    for (let d = 0; d < CM_DEPTH; d++) est = Math.min(est, this.rows[column(d, lo, hi)]);
    return est;
  }

  /** Add another sketch's counts (same dimensions). */
  merge(rows: Float64Array, total: number): void {
    for (let i = 0; i < this.rows.length; i++) this.rows[i] += rows[i];
    this.total += total;
  }

  get bytes(): number {
    return this.rows.byteLength;
  }
}

/** The counter of row d for a key. */
function column(d: number, lo: number, hi: number): number {
  return d * CM_WIDTH + ((murmur3_fmix(lo ^ Math.imul(hi + d, 0x9e3779b1)) >>> 0) & (CM_WIDTH - 1));
}
