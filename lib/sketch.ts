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

const TWO32 = 4294967296;

/** The 53-bit key of two 32-bit hash words. */
export function key53(lo: number, hi: number): number {
  return (lo >>> 0) + (hi & 0x1fffff) * TWO32;
}

/** Exact map from keys (integers 0 .. 2^53 - 1) to dense indices 0, 1, 2, ... */
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

  /** The index of key, inserting it when new. */
  add(key: number): number {
    let s = key % TWO32 & this.mask;
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
      let s = key % TWO32 & this.mask;
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

/** Distinct keys, approximately (0.81% standard error) in 16 KiB. */
export class HyperLogLog {
  static readonly relativeError = 1.04 / Math.sqrt(HLL_M);
  private readonly reg = new Uint8Array(HLL_M);

  add(key: number): void {
    const lo = key % TWO32;
    const hi = (key - lo) / TWO32;
    // register from the high key bits, rank from the low word (the two hashes are independent)
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

  readonly bytes = HLL_M;
}

/** Distinct keys: exact up to `limit`, then a HyperLogLog. */
export class DistinctCounter {
  private exact: KeyIndex | null = new KeyIndex(64);
  private hll: HyperLogLog | null = null;
  constructor(private readonly limit: number) {}

  add(key: number): void {
    if (this.exact) {
      this.exact.add(key);
      if (this.exact.size > this.limit) {
        this.hll = new HyperLogLog();
        for (let i = 0; i < this.exact.size; i++) this.hll.add(this.exact.keys[i]);
        this.exact = null;
      }
    } else {
      this.hll!.add(key);
    }
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

/** Per-key totals, over-estimated by at most e/4096 of the grand total (98% of the time). */
export class CountMin {
  static readonly epsilon = Math.E / CM_WIDTH;
  private readonly rows = new Float64Array(CM_DEPTH * CM_WIDTH);
  total = 0;

  /** Add v to key's total; returns its estimate afterwards. */
  add(key: number, v: number): number {
    const lo = key % TWO32 | 0;
    const hi = ((key - (key % TWO32)) / TWO32) | 0;
    let est = Infinity;
    for (let d = 0; d < CM_DEPTH; d++) {
      const c = d * CM_WIDTH + (mix(lo ^ Math.imul(hi + d, 0x9e3779b1)) & (CM_WIDTH - 1));
      const x = (this.rows[c] += v);
      if (x < est) est = x;
    }
    this.total += v;
    return est;
  }

  readonly bytes = CM_DEPTH * CM_WIDTH * 8;
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
