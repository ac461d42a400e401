/**
 * laghash analyze: for traffic (captures), every policy and selector side by
 * side over N ports: per-port frames, bytes and flows, imbalance, Jain's
 * fairness, idle ports, the largest flow, and what moves when each port fails,
 * against the ideal (only the failed port's flows). A verdict and warnings
 * where the traffic itself limits balance.
 *
 * Streaming: Analyzer.add() takes one batch at a time; analyzeFiles() reads
 * captures in chunks, so memory is bounded by the chunk size plus the flow
 * table, which is exact up to maxFlows flows and approximate past it
 * (HyperLogLog counts, Count-Min largest flow; lib/sketch.ts states errors).
 *
 * A flow is the directional outer 5-tuple (addresses, protocol, ports; ICMP
 * queries by identifier; fragments without ports), or for frames without IP
 * the MAC pair and ethertype, as a 64-bit hash (lib/spec.ts SUM_*).
 */
import { closeSync, existsSync, fstatSync, openSync, read, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ChunkMessage, WorkerReply } from './analyze-worker.js';
import type { Backend } from './backend.js';
import { FrameBatch, SUPPORTED_LINK_TYPES, boundsError, checkBatch, checkLinkType } from './batch.js';
import { CaptureScanner, parseCapture, type Capture } from './capture.js';
import { BackendUnavailableError, CaptureFormatError, InvalidArgumentError, LaghashError, OutOfRangeError, describe, errorOf } from './errors.js';
import { hashBatchWith, type PolicyLike } from './hash.js';
import { activeBackend } from './native.js';
import { policy as compilePolicy, policyNames, type Policy } from './policy.js';
import { KEYS_HEAD, KEY_INNER, KEY_IP, KEY_MAC, KEY_OUTER, key_mix, type FlowTableArrays } from './js/flows.js';
import { COUNT_MIN_CELLS, CountMin, DistinctCounter, HLL_REGISTERS, HyperLogLog, type DistinctState } from './sketch.js';
import { SelectorState, checkWeight, selectorOptions, type SelPort, type SelectorKind, type SelectorOptions } from './selectors.js';
import * as S from './spec.js';
import {
  checkArray, checkBackend, checkBoolean, checkFunction, checkInt, checkNumber, checkObject, checkOneOf, checkOptions, checkString, checkTyped,
} from './validate.js';

export type LoadMeasure = 'frames' | 'bytes';

export interface AnalyzeOptions {
  /** Ports of the aggregate, 1..32. Default 4, or the number of weights. */
  ports?: number;
  /** Per-port weights (link speeds); their count sets the ports. Default all 1. */
  weights?: readonly number[];
  /** Policies to compare, or 'all'. Default: DEFAULT_POLICIES. */
  policies?: readonly PolicyLike[] | 'all';
  /** Selectors to compare. Default modulo (table when the weights differ: modulo cannot honour them). */
  selectors?: readonly (SelectorKind | SelectorOptions)[];
  /** What load is: bytes on the wire (default) or frames. */
  by?: LoadMeasure;
  /** Ports to fail one at a time: 'each' (default), 'none', or port numbers. */
  fail?: 'each' | 'none' | readonly number[];
  /** Flows counted exactly up to this many (default 1,000,000); past it, estimates. */
  maxFlows?: number;
  backend?: Backend;
}

/** The policies analyze compares by default: one of each system's usual choices. */
export const DEFAULT_POLICIES = [
  'linux:layer2', 'linux:layer2+3', 'linux:layer3+4', 'linux:encap3+4', 'dpdk:l34', 'team', 'rss:toeplitz', 'src-dst-ip-port',
] as const;

export interface PortFigures {
  port: number;
  weight: number;
  frames: number;
  bytes: number;
  /** Share of the load (by the measure), 0..1. */
  share: number;
  /** Flows with at least one frame on this port. */
  flows: number;
}

export interface FailureFigures {
  /** The failed port. */
  port: number;
  /** Share of all flows that change port, 0..1 (a flow moves when any of its frames does). */
  flowsMoved: number;
  /** Share of the load that changes port. */
  loadMoved: number;
  /** The ideal: only the failed port's flows and load move. */
  idealFlows: number;
  idealLoad: number;
}

export interface ConfigResult {
  policy: string;
  selector: string;
  /** False for modulo and team with unequal weights: they spread as if the weights were equal. */
  honoursWeights: boolean;
  ports: PortFigures[];
  /** Busiest port's load over its weighted fair share (1 is perfect; max over mean for equal weights). */
  imbalance: number;
  /** Jain's fairness index of the load per unit of weight: 1/n (one port) .. 1 (even). */
  jain: number;
  /** Ports that carried nothing. */
  idle: number[];
  failures: FailureFigures[];
}

export interface TrafficFigures {
  frames: number;
  /** Bytes on the wire (original lengths). */
  bytes: number;
  flows: number;
  /** Relative standard error of flow counts (0: exact). */
  flowsError: number;
  largestFlow: { share: number; exact: boolean; error: number };
  macPairs: number;
  ipPairs: number;
  framesWithIp: number;
  framesWithPorts: number;
  /** Of the frames with ports, those with an even source port. */
  evenSourcePorts: number;
  tunnelledFrames: number;
  /** Distinct outer and inner flows of the tunnelled frames. */
  tunnelOuterFlows: number;
  tunnelInnerFlows: number;
}

export interface AnalysisReport {
  inputs: { file: string; frames: number; bytes: number; truncated: boolean; warnings: string[] }[];
  ports: number;
  weights: number[];
  by: LoadMeasure;
  traffic: TrafficFigures;
  results: ConfigResult[];
  /** Index into results of the best configuration, or -1 without traffic. */
  best: number;
  verdict: string;
  warnings: string[];
  /** Bytes held by the flow structures at their largest, and the exact-counting bound. */
  memory: { flowTableBytes: number; maxFlows: number };
}

const MAX_PORTS = 32;
const TWO32 = 4294967296;

/** Exact flows: keys and, per flow, frames, bytes and per configuration its port and moved masks. */
export interface FlowTableState {
  keys: Float64Array;
  frames: Float64Array;
  bytes: Float64Array;
  mac: Uint32Array;
  portMask: Uint32Array;
  movedMask: Uint32Array;
}

/** An Analyzer's counts, to merge into another with the same options (Analyzer.exportState). */
export interface AnalyzerState {
  /** frames, bytes, frames with IP, with ports, with an even source port, tunnelled */
  totals: Float64Array;
  peakBytes: number;
  macPairs: DistinctState;
  ipPairs: DistinctState;
  tunnelOuter: DistinctState;
  tunnelInner: DistinctState;
  counters: Float64Array[];
  flows: FlowTableState | null;
  approx: {
    flowHll: Uint8Array;
    cm: Float64Array;
    cmTotal: number;
    largestKey: [number, number] | null;
    portHll: Uint8Array[][];
    movedHll: Uint8Array[][];
  } | null;
}
const FLOW_DIAG_LIMIT = 1 << 16;
/**
 * Bytes read at a time: small enough that a chunk is still in the processor's
 * caches when it is scanned, summarised, hashed and tallied right after the
 * read (8 MiB chunks ran at three quarters of the speed of 1 MiB ones on a
 * 2-vCPU EPYC host), large enough that the per-chunk calls do not count.
 */
const DEFAULT_CHUNK = 1 << 20;
const TEAM_FIELD_NAMES = new Set(['eth', 'vlan', 'ipv4', 'ipv6', 'ip', 'l3', 'tcp', 'udp', 'sctp', 'l4']);

/** Split a --policies list: ';' separates when present; else ',' except inside team:<fields>. */
export function splitPolicyList(list: string): string[] {
  if (list.includes(';')) return list.split(';').map((s) => s.trim()).filter(Boolean);
  const out: string[] = [];
  for (const tok of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const prev = out[out.length - 1];
    if (prev !== undefined && prev.startsWith('team:') && !prev.includes('?') && TEAM_FIELD_NAMES.has(tok)) out[out.length - 1] = `${prev},${tok}`;
    else out.push(tok);
  }
  return out;
}

/** Every policy name that needs no options ('fields' needs a field list). */
export const ALL_POLICIES: readonly string[] = policyNames.filter((n) => n !== 'fields');

interface Config {
  policy: Policy;
  selector: Required<SelectorOptions>;
  label: string;
  honoursWeights: boolean;
  /** [spec, table] of the selector with every port up, then of each failure state. */
  states: Uint32Array[];
  /** Failure states. */
  fails: number;
  /** Frames and bytes per port, then frames and bytes moved per failure (backend tally()). */
  counters: Float64Array;
  /** Approximate mode: flows per port, moved flows per failure. */
  portHll: HyperLogLog[] | null;
  movedHll: HyperLogLog[] | null;
}

function selectorLabel(s: Required<SelectorOptions>): string {
  switch (s.kind) {
    case 'table': return `table/${s.buckets}`;
    case 'resilient': return `resilient/${s.buckets}`;
    case 'rendezvous': return s.buckets ? `rendezvous/${s.buckets}` : 'rendezvous/hash';
    default: return s.kind;
  }
}


const [T_SLOTS, T_INDEX, T_KEYS, T_FRAMES, T_BYTES, T_MAC, T_PMASK, T_MMASK, T_META] = [0, 1, 2, 3, 4, 5, 6, 7, 8] as const;

/** An empty flow table for `capacity` flows and C configurations (native/flows.h). */
export function newFlowTable(capacity: number, C: number): FlowTableArrays {
  return [
    new Float64Array(2 * capacity).fill(-1), new Int32Array(2 * capacity), new Float64Array(capacity), new Float64Array(capacity),
    new Float64Array(capacity), new Uint32Array(capacity), new Uint32Array(capacity * C), new Uint32Array(capacity * C), new Uint32Array(1),
  ];
}

/** The flows again in a table twice the size (the same probing as flows.h). Exported for the tests. */
export function growFlowTable(t: FlowTableArrays, C: number): FlowTableArrays {
  const size = t[T_META][0], g = newFlowTable(2 * t[T_KEYS].length, C);
  for (const k of [T_KEYS, T_FRAMES, T_BYTES, T_MAC, T_PMASK, T_MMASK] as const) (g[k] as Float64Array).set(t[k] as Float64Array);
  g[T_META][0] = size;
  const mask = g[T_SLOTS].length - 1;
  for (let f = 0; f < size; f++) {
    const key = g[T_KEYS][f];
    let s = (key % TWO32) & mask;
    while (g[T_SLOTS][s] >= 0) s = (s + 1) & mask;
    g[T_SLOTS][s] = key;
    g[T_INDEX][s] = f;
  }
  return g;
}

/** The flows of a table as plain per-flow arrays (copies when asked, else views). */
function flowTableState(t: FlowTableArrays, C: number, copy: boolean): FlowTableState {
  const n = t[T_META][0];
  const cut = <A extends Float64Array | Uint32Array>(a: A, len: number): A => (copy ? a.slice(0, len) : a.subarray(0, len)) as A;
  return {
    keys: cut(t[T_KEYS], n), frames: cut(t[T_FRAMES], n), bytes: cut(t[T_BYTES], n), mac: cut(t[T_MAC], n),
    portMask: cut(t[T_PMASK], n * C), movedMask: cut(t[T_MMASK], n * C),
  };
}

/** Table a with the flows of s added: frames and bytes summed, masks joined. */
function mergeFlowTables(a: FlowTableArrays, s: FlowTableState, C: number): FlowTableArrays {
  for (let f = 0; f < s.keys.length; f++) {
    const key = s.keys[f], lo = key % TWO32;
    let mask = a[T_SLOTS].length - 1, slot = lo & mask;
    while (a[T_SLOTS][slot] >= 0 && a[T_SLOTS][slot] !== key) slot = (slot + 1) & mask;
    let g: number;
    if (a[T_SLOTS][slot] === key) {
      g = a[T_INDEX][slot];
    } else {
      if (a[T_META][0] >= a[T_KEYS].length) {
        a = growFlowTable(a, C);
        mask = a[T_SLOTS].length - 1;
        slot = lo & mask;
        while (a[T_SLOTS][slot] >= 0) slot = (slot + 1) & mask;
      }
      g = a[T_META][0]++;
      a[T_SLOTS][slot] = key;
      a[T_INDEX][slot] = g;
      a[T_KEYS][g] = key;
    }
    a[T_FRAMES][g] += s.frames[f];
    a[T_BYTES][g] += s.bytes[f];
    a[T_MAC][g] = s.mac[f];
    for (let c = 0; c < C; c++) {
      a[T_PMASK][g * C + c] |= s.portMask[f * C + c];
      a[T_MMASK][g * C + c] |= s.movedMask[f * C + c];
    }
  }
  return a;
}

/** Rows of length `stride` holding n values each, packed to rows of length n. */
function compact<A extends Uint16Array | Uint32Array>(a: A, stride: number, n: number, rows: number): A {
  for (let r = 1; r < rows; r++) a.copyWithin(r * n, r * stride, r * stride + n);
  return a;
}

/** Streaming analysis: add() batches, then report(). */
export class Analyzer {
  readonly ports: number;
  readonly weights: number[];
  readonly by: LoadMeasure;
  readonly failPorts: number[];
  readonly maxFlows: number;
  private readonly backend: Backend;
  private readonly policies: Policy[];
  private readonly configs: Config[];
  /** The exact flow table (native/flows.h), or null past maxFlows. */
  private table: FlowTableArrays | null;
  // approximate mode
  private flowHll: HyperLogLog | null = null;
  private largest: CountMin | null = null;
  private largestEstimate = 0;
  private largestKey: [number, number] | null = null;
  private peakBytes = 0;
  // traffic: frames, bytes, frames with IP, with ports, with an even source port, tunnelled
  private readonly totals = new Float64Array(6);
  private macPairs = new DistinctCounter(FLOW_DIAG_LIMIT);
  private ipPairs = new DistinctCounter(FLOW_DIAG_LIMIT);
  private tunnelOuter = new DistinctCounter(FLOW_DIAG_LIMIT);
  private tunnelInner = new DistinctCounter(FLOW_DIAG_LIMIT);
  // scratch: per configuration c, ports and moved masks at [c * cap, (c + 1) * cap)
  private cap = 0;
  private summary = new Uint32Array(0);
  private hashes = new Uint32Array(0);
  private portOut = new Uint16Array(0);
  private movedOut = new Uint32Array(0);
  /** accumulate()'s keys for the four counters of addresses (see native/flows.h). */
  private queues = new Uint32Array(KEYS_HEAD);

  constructor(options: AnalyzeOptions = {}) {
    const o = checkOptions(options, ANALYZE_OPTIONS, 'analyze options') as AnalyzeOptions;
    this.backend = o.backend === undefined ? activeBackend : checkBackend(o.backend);
    const ports = o.ports === undefined ? undefined : checkInt(o.ports, 1, MAX_PORTS, 'ports');
    if (o.weights !== undefined) {
      if (!Array.isArray(o.weights) || o.weights.length < 1 || o.weights.length > MAX_PORTS)
        throw new InvalidArgumentError(`Expected weights to be a list of 1..${MAX_PORTS} integers, got ${describe(o.weights)}`);
      this.weights = o.weights.map((w) => checkWeight(w));
      if (ports !== undefined && ports !== this.weights.length)
        throw new InvalidArgumentError(`Expected as many weights as ports (${ports}), got ${this.weights.length}`);
    } else {
      this.weights = Array(ports ?? 4).fill(1);
    }
    this.ports = this.weights.length;
    this.by = o.by === undefined ? 'bytes' : checkOneOf(o.by, ['bytes', 'frames'] as const, 'by');
    const fail = o.fail === undefined ? 'each' : o.fail;
    if (fail === 'each') this.failPorts = this.weights.map((_, i) => i);
    else if (fail === 'none') this.failPorts = [];
    else if (Array.isArray(fail)) this.failPorts = [...new Set(fail.map((p) => checkInt(p, 0, this.ports - 1, 'failed port')))];
    else throw new InvalidArgumentError(`Expected fail to be each, none or port numbers, got ${describe(fail)}`);
    this.maxFlows = o.maxFlows === undefined ? 1_000_000 : checkInt(o.maxFlows, 1, 2 ** 31 - 1, 'maxFlows');
    const pols = o.policies === undefined ? DEFAULT_POLICIES : o.policies === 'all' ? ALL_POLICIES : o.policies;
    if (!Array.isArray(pols) || pols.length === 0) throw new InvalidArgumentError(`Expected policies to be 'all' or a list of policies, got ${describe(o.policies)}`);
    this.policies = pols.map((p) => compilePolicy(p));
    const unequal = this.weights.some((w) => w !== this.weights[0]);
    const sels = o.selectors === undefined ? [unequal ? 'table' : 'modulo'] : o.selectors;
    if (!Array.isArray(sels) || sels.length === 0) throw new InvalidArgumentError(`Expected selectors to be a list of selectors, got ${describe(o.selectors)}`);
    const selOpts = sels.map((s) => selectorOptions(s));
    this.configs = [];
    for (const policy of this.policies)
      for (const sel of selOpts) {
        const honours = !unequal || (sel.kind !== 'modulo' && sel.kind !== 'team');
        const states = [-1, ...this.failPorts].flatMap((p) => {
          const st = this.state(sel, p);
          return [st.spec, st.table];
        });
        this.configs.push({
          policy, selector: sel, label: `${policy.name} ${selectorLabel(sel)}`, honoursWeights: honours,
          states, fails: this.failPorts.length, counters: new Float64Array(2 * this.ports + 2 * this.failPorts.length),
          portHll: null, movedHll: null,
        });
      }
    if (this.configs.length * (this.failPorts.length + 1) > 4096)
      throw new OutOfRangeError(`Expected at most 4096 policy x selector x failure combinations, got ${this.configs.length * (this.failPorts.length + 1)}`);
    this.table = newFlowTable(4096, this.configs.length);
  }

  /** The canonical names of the policies compared (policy(name) compiles each again). */
  get policyNames(): string[] {
    return this.policies.map((p) => p.name);
  }

  /** The selector over the ports, all up, then (failed >= 0) with that port down. */
  private state(sel: Required<SelectorOptions>, failed: number) {
    const st = new SelectorState(sel, this.ports);
    const ports: SelPort[] = this.weights.map((weight, id) => ({ id, name: `port${id}`, weight, usable: true, enabledSeq: id }));
    st.update(ports, 0, null);
    if (failed >= 0) st.update(ports.map((p) => (p.id === failed ? { ...p, usable: false } : p)), 0, null);
    return st.frozen();
  }

  private scratch(n: number): void {
    if (this.cap >= n) return;
    const cap = (this.cap = Math.max(n, 2 * this.cap)), C = this.configs.length;
    this.summary = new Uint32Array(cap * S.SUM_WORDS);
    this.hashes = new Uint32Array(cap);
    this.portOut = new Uint16Array(cap * C);
    this.movedOut = new Uint32Array(cap * C);
    this.queues = new Uint32Array(KEYS_HEAD + 8 * cap);
  }

  /** Add a batch; wire: each frame's length on the wire (default: its captured length). */
  add(batch: FrameBatch, wire?: Uint32Array): void {
    checkBatch(batch);
    if (wire === undefined) wire = batch.lengths;
    checkTyped(wire, Uint32Array, 'wire');
    if (wire.length < batch.count) throw new InvalidArgumentError(`Expected wire to hold the wire lengths of the ${batch.count} frames, got ${describe(wire)}`);
    const n = batch.count;
    if (n === 0) return;
    this.scratch(n);
    const be = this.backend, cap = this.cap;
    const bad = be.summarize(batch.data, batch.offsets, batch.stride, batch.lengths, batch.linkType, batch.linkTypes, 0, n, this.summary);
    if (bad >= 0) throw boundsError(batch, bad);
    for (const p of this.policies) {
      hashBatchWith(be, batch, p, this.hashes);
      this.configs.forEach((c, ci) => {
        if (c.policy === p)
          be.tally(this.hashes, wire, 0, n, c.states, this.portOut.subarray(ci * cap, ci * cap + n), this.movedOut.subarray(ci * cap, ci * cap + n), c.counters);
      });
    }
    if (this.table) this.exactFlows(n, wire);
    else this.estimatedFlows(n, wire);
    this.peakBytes = Math.max(this.peakBytes, this.flowTableBytes());
    if (this.table && this.table[T_META][0] > this.maxFlows) this.approximate();
  }

  /**
   * Frames into the exact flow table (the backend's accumulate), which also
   * queues the keys for the counters of addresses: IP pairs and outer tunnel
   * flows (parts of the flow key) at each flow's first frame, MAC pairs
   * whenever a flow's differs from its last frame's, inner tunnel flows at
   * every tunnelled frame.
   */
  private exactFlows(n: number, wire: Uint32Array): void {
    const C = this.configs.length, q = this.queues;
    // ports and moved masks of frame i under configuration c: [c * cap + i]; accumulate wants [c * n + i]
    const ports = compact(this.portOut, this.cap, n, C), moved = compact(this.movedOut, this.cap, n, C);
    q.fill(0, 0, KEYS_HEAD);
    this.accumulate(n, wire, ports, moved);
    this.tunnelInner.addPairs(q, KEYS_HEAD + 2 * KEY_INNER * n, q[KEY_INNER]);
    this.tunnelOuter.addPairs(q, KEYS_HEAD + 2 * KEY_OUTER * n, q[KEY_OUTER]);
    this.macPairs.addPairs(q, KEYS_HEAD + 2 * KEY_MAC * n, q[KEY_MAC]);
    this.ipPairs.addPairs(q, KEYS_HEAD + 2 * KEY_IP * n, q[KEY_IP]);
  }

  /** The batch's frames into the flow table, grown as it fills (a method of its own: see exactFlows()). */
  private accumulate(n: number, wire: Uint32Array, ports: Uint16Array, moved: Uint32Array): void {
    const C = this.configs.length;
    for (let at = 0; at < n; ) {
      at = this.backend.accumulate(this.table!, C, this.summary, wire, n, at, n - at, ports, moved, this.queues, this.totals);
      if (at < 0) throw new Error('laghash internal error: the flow table is corrupt');
      if (at < n) this.table = growFlowTable(this.table!, C);
    }
  }

  /** Past maxFlows: every frame into the estimators. */
  private estimatedFlows(n: number, wire: Uint32Array): void {
    const sum = this.summary, tot = this.totals, cap = this.cap, measureBytes = this.by === 'bytes';
    for (let i = 0; i < n; i++) {
      const o = i * S.SUM_WORDS, lo = sum[o], hi = sum[o + 1], len = wire[i], sf = sum[o + 5];
      tot[0]++;
      tot[1] += len;
      this.flowHll!.add(lo, hi);
      this.noteLargest(lo, hi, this.largest!.add(lo, hi, measureBytes ? len : 1));
      this.macPairs.add(sum[o + 3], key_mix(sum[o + 3]));
      if (sf & S.SUM_IP) {
        tot[2]++;
        this.ipPairs.add(sum[o + 4], key_mix(sum[o + 4]));
      }
      if (sf & S.SUM_PORTS) {
        tot[3]++;
        if ((sf & 1) === 0) tot[4]++;
      }
      if (sf & S.SUM_TUNNEL) {
        tot[5]++;
        this.tunnelOuter.add(lo, hi);
        this.tunnelInner.add(sum[o + 2], key_mix(sum[o + 2]));
      }
      this.configs.forEach((c, ci) => {
        const m = this.movedOut[ci * cap + i];
        c.portHll![this.portOut[ci * cap + i]].add(lo, hi);
        if (m) for (let k = 0; k < c.fails; k++) if (m & (1 << k)) c.movedHll![k].add(lo, hi);
      });
    }
  }

  /** Past maxFlows: fold the exact table into estimators and drop it. */
  private approximate(): void {
    const t = this.table!;
    this.flowHll = new HyperLogLog();
    this.largest = new CountMin();
    for (const c of this.configs) {
      c.portHll = Array.from({ length: this.ports }, () => new HyperLogLog());
      c.movedHll = Array.from({ length: c.fails }, () => new HyperLogLog());
    }
    this.peakBytes = Math.max(this.peakBytes, this.flowTableBytes());
    this.table = null;
    this.fold(flowTableState(t, this.configs.length, false));
  }

  /** Add exact flows to the estimators (approximate mode). */
  private fold(t: FlowTableState): void {
    const C = this.configs.length, measureBytes = this.by === 'bytes';
    for (let f = 0; f < t.keys.length; f++) {
      const key = t.keys[f], lo = key % TWO32, hi = (key - lo) / TWO32;
      this.flowHll!.add(lo, hi);
      this.noteLargest(lo, hi, this.largest!.add(lo, hi, measureBytes ? t.bytes[f] : t.frames[f]));
      this.configs.forEach((c, ci) => {
        const pm = t.portMask[f * C + ci], mm = t.movedMask[f * C + ci];
        for (let p = 0; p < this.ports; p++) if (pm & (1 << p)) c.portHll![p].add(lo, hi);
        for (let k = 0; k < c.fails; k++) if (mm & (1 << k)) c.movedHll![k].add(lo, hi);
      });
    }
  }

  private noteLargest(lo: number, hi: number, estimate: number): void {
    if (estimate > this.largestEstimate) {
      this.largestEstimate = estimate;
      this.largestKey = [lo, hi];
    }
  }

  /** Everything this analyzer counted, to merge into another with the same options (other threads). */
  exportState(): AnalyzerState {
    const t = this.table;
    return {
      totals: this.totals.slice(), peakBytes: this.peakBytes,
      macPairs: this.macPairs.exportState(), ipPairs: this.ipPairs.exportState(),
      tunnelOuter: this.tunnelOuter.exportState(), tunnelInner: this.tunnelInner.exportState(),
      counters: this.configs.map((c) => c.counters.slice()),
      flows: t && flowTableState(t, this.configs.length, true),
      approx: t ? null : {
        flowHll: Uint8Array.from(this.flowHll!.reg), cm: this.largest!.rows.slice(), cmTotal: this.largest!.total, largestKey: this.largestKey,
        portHll: this.configs.map((c) => c.portHll!.map((h) => Uint8Array.from(h.reg))),
        movedHll: this.configs.map((c) => c.movedHll!.map((h) => Uint8Array.from(h.reg))),
      },
    };
  }

  /** Add what another analyzer with the same options counted (exportState()). */
  mergeState(state: AnalyzerState): void {
    const s = this.checkState(state);
    const C = this.configs.length;
    s.totals.forEach((v, k) => (this.totals[k] += v));
    this.peakBytes += s.peakBytes;
    this.macPairs.merge(s.macPairs);
    this.ipPairs.merge(s.ipPairs);
    this.tunnelOuter.merge(s.tunnelOuter);
    this.tunnelInner.merge(s.tunnelInner);
    this.configs.forEach((c, ci) => s.counters[ci].forEach((v, k) => (c.counters[k] += v)));
    if (s.approx && this.table) this.approximate();
    if (s.flows && this.table) {
      this.table = mergeFlowTables(this.table, s.flows, C);
      this.peakBytes = Math.max(this.peakBytes, this.flowTableBytes());
      if (this.table[T_META][0] > this.maxFlows) this.approximate();
    } else if (s.flows) {
      this.fold(s.flows);
    }
    if (s.approx) {
      const a = s.approx;
      this.flowHll!.merge(a.flowHll);
      this.largest!.merge(a.cm, a.cmTotal);
      this.configs.forEach((c, ci) => {
        a.portHll[ci].forEach((r, p) => c.portHll![p].merge(r));
        a.movedHll[ci].forEach((r, k) => c.movedHll![k].merge(r));
      });
      // the largest flow: the candidates of both sides, estimated on the merged counts
      const mine = this.largestKey;
      this.largestEstimate = 0;
      for (const k of [mine, a.largestKey]) if (k) this.noteLargest(k[0], k[1], this.largest!.estimate(k[0], k[1]));
    }
  }

  /** A state exportState() of an analyzer with the same options could have made: checked whole before anything is merged. */
  private checkState(state: unknown): AnalyzerState {
    const s = checkObject(state, 'state') as unknown as AnalyzerState;
    const C = this.configs.length, F = this.failPorts.length, P = this.ports;
    const typedOf = <T extends Float64Array | Uint32Array | Uint8Array>(v: unknown, ctor: Float64ArrayConstructor | Uint32ArrayConstructor | Uint8ArrayConstructor, what: string, length?: number): T => {
      const a = checkTyped<T>(v, ctor, what);
      if (length !== undefined && a.length !== length) throw new InvalidArgumentError(`Expected ${what} to hold ${length} values, got ${a.length}`);
      return a;
    };
    typedOf(s.totals, Float64Array, 'state.totals', 6);
    checkNumber(s.peakBytes, 0, Number.MAX_VALUE, 'state.peakBytes');
    for (const k of ['macPairs', 'ipPairs', 'tunnelOuter', 'tunnelInner'] as const) {
      const d = checkObject(s[k], `state.${k}`);
      if ('keys' in d) checkKeys(typedOf<Float64Array>(d.keys, Float64Array, `state.${k}.keys`), `state.${k}.keys`);
      else typedOf(d.registers, Uint8Array, `state.${k}.registers`, HLL_REGISTERS);
    }
    const counters = checkArray(s.counters, 'state.counters');
    if (counters.length !== C) throw new InvalidArgumentError(`Expected the state of an analyzer with ${C} configurations, got ${counters.length}`);
    counters.forEach((c, ci) => typedOf(c, Float64Array, `state.counters[${ci}]`, this.configs[ci].counters.length));
    if (s.flows !== null) {
      const f = checkObject(s.flows, 'state.flows');
      const n = checkKeys(typedOf<Float64Array>(f.keys, Float64Array, 'state.flows.keys'), 'state.flows.keys').length;
      typedOf(f.frames, Float64Array, 'state.flows.frames', n);
      typedOf(f.bytes, Float64Array, 'state.flows.bytes', n);
      typedOf(f.mac, Uint32Array, 'state.flows.mac', n);
      typedOf(f.portMask, Uint32Array, 'state.flows.portMask', n * C);
      typedOf(f.movedMask, Uint32Array, 'state.flows.movedMask', n * C);
    }
    if (s.approx !== null) {
      const a = checkObject(s.approx, 'state.approx');
      typedOf(a.flowHll, Uint8Array, 'state.approx.flowHll', HLL_REGISTERS);
      typedOf(a.cm, Float64Array, 'state.approx.cm', COUNT_MIN_CELLS);
      checkNumber(a.cmTotal, 0, Number.MAX_VALUE, 'state.approx.cmTotal');
      if (a.largestKey !== null) {
        const k = checkArray(a.largestKey, 'state.approx.largestKey');
        if (k.length !== 2) throw new InvalidArgumentError(`Expected state.approx.largestKey to be null or two hash words, got ${describe(k)}`);
        k.forEach((w, i) => checkInt(w, 0, 0xffffffff, `state.approx.largestKey[${i}]`));
      }
      for (const [name, per] of [['portHll', P], ['movedHll', F]] as const) {
        const list = checkArray(a[name], `state.approx.${name}`);
        if (list.length !== C) throw new InvalidArgumentError(`Expected state.approx.${name} to hold ${C} configurations, got ${list.length}`);
        list.forEach((regs, ci) => {
          const r = checkArray(regs, `state.approx.${name}[${ci}]`);
          if (r.length !== per) throw new InvalidArgumentError(`Expected state.approx.${name}[${ci}] to hold ${per} sketches, got ${r.length}`);
          r.forEach((x, j) => typedOf(x, Uint8Array, `state.approx.${name}[${ci}][${j}]`, HLL_REGISTERS));
        });
      }
    }
    return s;
  }

  private flowTableBytes(): number {
    if (this.table) return this.table.reduce((b, a) => b + a.byteLength, 0);
    let b = this.flowHll!.bytes + this.largest!.bytes;
    for (const c of this.configs) b += (c.portHll!.length + c.movedHll!.length) * this.flowHll!.bytes;
    return b;
  }

  /** The figures so far. inputs: what was read, for the report. */
  report(inputs: AnalysisReport['inputs'] = []): AnalysisReport {
    checkArray(inputs, 'inputs').forEach((x, i) => {
      const r = checkObject(x, `inputs[${i}]`);
      checkString(r.file, `inputs[${i}].file`);
      checkNumber(r.frames, 0, Number.MAX_VALUE, `inputs[${i}].frames`);
      checkNumber(r.bytes, 0, Number.MAX_VALUE, `inputs[${i}].bytes`);
      checkBoolean(r.truncated, `inputs[${i}].truncated`);
      checkArray(r.warnings, `inputs[${i}].warnings`).forEach((w, j) => checkString(w, `inputs[${i}].warnings[${j}]`));
    });
    const t = this.table, exact = t !== null, C = this.configs.length, measureBytes = this.by === 'bytes';
    const size = t ? t[T_META][0] : 0;
    const flowCount = exact ? size : Math.round(this.flowHll!.estimate);
    const total = measureBytes ? this.totals[1] : this.totals[0];
    let largest = 0;
    if (t) for (let f = 0; f < size; f++) largest = Math.max(largest, measureBytes ? t[T_BYTES][f] : t[T_FRAMES][f]);
    else largest = this.largestEstimate;
    const W = this.weights.reduce((a, b) => a + b, 0);
    const P = this.ports;
    const results: ConfigResult[] = this.configs.map((c, ci) => {
      const k0 = measureBytes ? P : 0, load = c.counters.subarray(k0, k0 + P);
      const movedLoad = c.counters.subarray(2 * P + (measureBytes ? c.fails : 0));
      let flowsOn: number[];
      const moved: number[] = Array(c.fails).fill(0);
      if (t) {
        flowsOn = Array(this.ports).fill(0);
        for (let f = 0; f < size; f++) {
          const pm = t[T_PMASK][f * C + ci], mm = t[T_MMASK][f * C + ci];
          for (let p = 0; p < this.ports; p++) if (pm & (1 << p)) flowsOn[p]++;
          for (let k = 0; k < c.fails; k++) if (mm & (1 << k)) moved[k]++;
        }
      } else {
        flowsOn = c.portHll!.map((h) => Math.round(h.estimate));
        c.movedHll!.forEach((h, k) => (moved[k] = Math.round(h.estimate)));
      }
      const ports: PortFigures[] = this.weights.map((weight, p) => ({
        port: p, weight, frames: c.counters[p], bytes: c.counters[P + p], share: total ? load[p] / total : 0, flows: flowsOn[p],
      }));
      const perWeight = ports.map((p) => (measureBytes ? p.bytes : p.frames) / p.weight);
      const sumX = perWeight.reduce((a, b) => a + b, 0), sumX2 = perWeight.reduce((a, b) => a + b * b, 0);
      return {
        policy: c.policy.name,
        selector: selectorLabel(c.selector),
        honoursWeights: c.honoursWeights,
        ports,
        imbalance: total ? Math.max(...ports.map((p) => p.share / (p.weight / W))) : 0,
        jain: sumX2 ? (sumX * sumX) / (this.ports * sumX2) : 0,
        idle: ports.filter((p) => p.frames === 0).map((p) => p.port),
        failures: this.failPorts.map((port, k) => ({
          port,
          flowsMoved: flowCount ? Math.min(1, moved[k] / flowCount) : 0,
          loadMoved: total ? movedLoad[k] / total : 0,
          idealFlows: flowCount ? Math.min(1, flowsOn[port] / flowCount) : 0,
          idealLoad: total ? load[port] / total : 0,
        })),
      };
    });
    const traffic: TrafficFigures = {
      frames: this.totals[0],
      bytes: this.totals[1],
      flows: flowCount,
      flowsError: exact ? 0 : HyperLogLog.relativeError,
      largestFlow: { share: total ? Math.min(1, largest / total) : 0, exact, error: exact ? 0 : CountMin.epsilon },
      macPairs: this.macPairs.count,
      ipPairs: this.ipPairs.count,
      framesWithIp: this.totals[2],
      framesWithPorts: this.totals[3],
      evenSourcePorts: this.totals[4],
      tunnelledFrames: this.totals[5],
      tunnelOuterFlows: this.tunnelOuter.count,
      tunnelInnerFlows: this.tunnelInner.count,
    };
    const { best, verdict, warnings } = judge(results, traffic, this.ports, this.weights, this.by);
    return {
      inputs, ports: this.ports, weights: [...this.weights], by: this.by, traffic, results, best, verdict, warnings,
      memory: { flowTableBytes: this.peakBytes, maxFlows: this.maxFlows },
    };
  }
}

/** Flow keys are 53-bit integers (two hash words): anything else would corrupt the table they are merged into. */
function checkKeys(keys: Float64Array, what: string): Float64Array {
  for (let i = 0; i < keys.length; i++)
    if (!(Number.isInteger(keys[i]) && keys[i] >= 0 && keys[i] <= Number.MAX_SAFE_INTEGER))
      throw new InvalidArgumentError(`Expected ${what} to be 53-bit flow keys, got ${keys[i]} at ${i}`);
  return keys;
}

const ANALYZE_OPTIONS = ['ports', 'weights', 'policies', 'selectors', 'by', 'fail', 'maxFlows', 'backend'];

/** Stream options (threads: analyzeFilesParallel's). */
function checkStream(stream: unknown, threads: boolean): StreamOptions & ParallelOptions {
  const s = checkOptions(stream, threads ? ['chunkBytes', 'onProgress', 'threads'] : ['chunkBytes', 'onProgress'], 'stream options') as ParallelOptions;
  if (s.chunkBytes !== undefined) checkInt(s.chunkBytes, 1, 2 ** 30, 'chunkBytes');
  if (s.onProgress !== undefined) checkFunction(s.onProgress, 'onProgress');
  if (s.threads !== undefined) checkInt(s.threads, 1, 64, 'threads');
  return s;
}

/** A list of file names. */
function checkFiles(files: unknown): string[] {
  return checkArray(files, 'files').map((f, i) => checkString(f, `files[${i}]`));
}

const pct = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)}%`;

/** The best configuration, a verdict line and the warnings the traffic calls for. */
export function judge(results: ConfigResult[], t: TrafficFigures, ports: number, weights: number[], by: LoadMeasure) {
  const warnings: string[] = [];
  if (t.frames === 0) return { best: -1, verdict: 'no frames: nothing to analyse', warnings };
  const excess = (r: ConfigResult) => (r.failures.length ? r.failures.reduce((s, f) => s + f.flowsMoved - f.idealFlows, 0) / r.failures.length : 0);
  const order = results.map((_, i) => i).sort((a, b) => {
    const x = results[a], y = results[b];
    return x.imbalance - y.imbalance || y.jain - x.jain || excess(x) - excess(y) || a - b;
  });
  const best = order[0], r = results[best];
  const what = by === 'bytes' ? 'bytes' : 'frames';
  let verdict = `best for this traffic: ${r.policy} with ${r.selector}: the busiest port carries ${r.imbalance.toFixed(2)}x its fair share of ${what} (Jain ${r.jain.toFixed(3)})`;
  if (r.failures.length) {
    const moved = r.failures.reduce((s, f) => s + f.flowsMoved, 0) / r.failures.length;
    const ideal = r.failures.reduce((s, f) => s + f.idealFlows, 0) / r.failures.length;
    verdict += `; a failure moves ${pct(moved)} of the flows (ideal ${pct(ideal)})`;
  }
  const bucketed = results.some((x) => x.selector !== 'modulo' && x.selector !== 'team');
  if (r.failures.length && (r.selector === 'modulo' || r.selector === 'team') && !bucketed && ports > 2)
    verdict += ' (a table, resilient or rendezvous selector moves only the failed port\'s: --selectors table,rendezvous)';
  const worst = results[order[order.length - 1]];
  if (results.length > 1 && worst.imbalance > r.imbalance * 1.05)
    verdict += `; worst: ${worst.policy} with ${worst.selector} (${worst.imbalance.toFixed(2)}x${worst.idle.length ? `, ${worst.idle.length} idle port${worst.idle.length > 1 ? 's' : ''}` : ''})`;
  const W = weights.reduce((a, b) => a + b, 0), fair = Math.min(...weights) / W;
  if (t.flows < 8 * ports)
    warnings.push(`only ${t.flows} flow${t.flows === 1 ? '' : 's'} for ${ports} ports: too few to spread evenly, whatever the policy`);
  if (t.largestFlow.share >= 0.9 * fair && t.flows > 1)
    warnings.push(`one flow carries ${pct(t.largestFlow.share)} of the ${what}${t.largestFlow.exact ? '' : ' (estimated)'}: no policy splits a flow, so its port carries at least that (the fair share of the smallest port is ${pct(fair)})`);
  if (t.macPairs <= ports && t.flows > t.macPairs)
    warnings.push(`only ${t.macPairs} MAC address pair${t.macPairs === 1 ? '' : 's'}: policies on MAC addresses alone (linux:layer2, dpdk:l2, src-dst-mac, team:eth) can use at most ${t.macPairs} port${t.macPairs === 1 ? '' : 's'}`);
  if (t.framesWithIp > 0 && t.ipPairs <= ports && t.flows > t.ipPairs)
    warnings.push(`only ${t.ipPairs} IP address pair${t.ipPairs === 1 ? '' : 's'}: policies on addresses alone (linux:layer2+3, dpdk:l23, src-dst-ip, team:ipv4,ipv6) can use at most ${t.ipPairs} port${t.ipPairs === 1 ? '' : 's'}; only the L4 ports vary`);
  if (t.framesWithPorts >= 100) {
    const even = t.evenSourcePorts / t.framesWithPorts;
    if (even >= 0.99 || even <= 0.01)
      warnings.push(`every source port is ${even >= 0.99 ? 'even' : 'odd'}: the low bit of the ports never varies, so policies that XOR ports into few low bits (and modulo an even port count) lose spread`);
  }
  if (t.tunnelledFrames >= 0.1 * t.frames && t.tunnelInnerFlows >= 2 * t.tunnelOuterFlows)
    warnings.push(`${pct(t.tunnelledFrames / t.frames)} of the frames are tunnelled: their ${t.tunnelInnerFlows} inner flows travel in ${t.tunnelOuterFlows} outer ones; policies that do not look inside see only the outer ones (rss:toeplitz and the field policies look inside with ?tunnel=inner; linux:encap2+3 and encap3+4 only into the tunnels the kernel's flow dissector enters, such as GRE and IP-in-IP, not UDP ones like VXLAN)`);
  if (r.idle.length) warnings.push(`even the best configuration leaves port${r.idle.length > 1 ? 's' : ''} ${r.idle.join(', ')} idle`);
  if (t.flowsError) warnings.push(`more flows than --max-flows: flow counts are estimates (standard error ${pct(t.flowsError)}), the largest flow an upper estimate (at most ${pct(t.largestFlow.error)} of the total over)`);
  return { best, verdict, warnings };
}

/** Every frame's link type must be one laghash walks. */
function checkLinks(c: Capture): void {
  if (c.linkType >= 0) checkLinkType(c.linkType);
  else for (let i = 0; i < c.count; i++) if (!SUPPORTED_LINK_TYPES.includes(c.linkTypes[i])) checkLinkType(c.linkTypes[i]);
}

/** Analyse captures in memory. */
export function analyzeCaptures(captures: { file: string; bytes: Uint8Array }[], options: AnalyzeOptions = {}): AnalysisReport {
  checkArray(captures, 'captures').forEach((x, i) => {
    const c = checkObject(x, `captures[${i}]`);
    checkString(c.file, `captures[${i}].file`);
    withFile(c.file as string, () => checkTyped(c.bytes, Uint8Array, `captures[${i}].bytes`));
  });
  const a = new Analyzer(options);
  const inputs: AnalysisReport['inputs'] = [];
  for (const { file, bytes } of captures) {
    const c = withFile(file, () => parseCapture(bytes));
    withFile(file, () => {
      checkLinks(c);
      a.add(FrameBatch.ofCapture(c), c.originalLengths);
    });
    inputs.push({ file, frames: c.count, bytes: bytes.length, truncated: c.truncated, warnings: c.warnings });
  }
  return a.report(inputs);
}

export interface StreamOptions {
  /** Bytes read at a time (default 1 MiB; two buffers: one read while the other is analysed). */
  chunkBytes?: number;
  /** Called after each chunk with the bytes read so far and the total of all files. */
  onProgress?: (done: number, total: number) => void;
}

export interface ParallelOptions extends StreamOptions {
  /**
   * Worker threads; 1 analyses on this thread (reads still overlap). Default: with 4
   * cores or more and 256 MiB of captures or more, one per core but one, at most 8;
   * else 1 (starting workers costs more than it saves on small inputs and 2 cores).
   */
  threads?: number;
}

/** The worker's module: beside this one when compiled, else the compiled one (running from lib/*.ts, as the tests do). */
const WORKER = existsSync(fileURLToPath(new URL('./analyze-worker.js', import.meta.url)))
  ? new URL('./analyze-worker.js', import.meta.url)
  : new URL('../dist/analyze-worker.js', import.meta.url);

function defaultThreads(files: readonly string[]): number {
  const cores = availableParallelism();
  if (cores < 4) return 1;
  let size = 0;
  for (const f of files) {
    try {
      size += statSync(f).size;
    } catch {
      // reported when read
    }
  }
  return size >= 256 << 20 ? Math.min(8, cores - 1) : 1;
}

type ReadEvent =
  | { kind: 'records'; file: string; capture: Capture }
  | { kind: 'end'; file: string; input: AnalysisReport['inputs'][number] };

/**
 * Read captures in chunks and scan their records: each chunk's complete
 * records, then each file's end. The next chunk is read in the background
 * (libuv's thread pool) while the caller works on the records yielded, into
 * the other of two buffers (the cut record at a buffer's end is copied to the
 * front of the next), or, with fresh, into a buffer of its own from that
 * allocator (the records then outlive the next read: a worker may keep them).
 * Link types are checked.
 */
async function* readChunks(files: readonly string[], stream: StreamOptions, fresh: ((size: number) => Uint8Array) | null): AsyncGenerator<ReadEvent> {
  const chunk = stream.chunkBytes === undefined ? DEFAULT_CHUNK : checkInt(stream.chunkBytes, 1, 2 ** 30, 'chunkBytes');
  const fds: { f: string; fd: number; size: number }[] = [];
  let reader: ChunkReader | null = null;
  try {
    for (const f of files) {
      try {
        const fd = openSync(f, 'r');
        fds.push({ f, fd, size: fstatSync(fd).size });
      } catch (e) {
        throw cannotRead(f, e);
      }
    }
    const total = fds.reduce((s, x) => s + x.size, 0);
    const buffers = fresh ? null : [new Uint8Array(chunk), new Uint8Array(chunk)];
    let done = 0, last: Uint8Array | undefined;
    for (const { f, fd } of fds) {
      reader = new ChunkReader(f, fd, chunk, buffers, fresh, last);
      for (;;) {
        // the generator only waits and hands out: the work of a chunk is reader.took(), a plain method (cheaper to compile)
        const n = await reader.read();
        if (n === 0) break;
        const capture = reader.took(n);
        if (capture) yield { kind: 'records', file: f, capture };
        done += n;
        stream.onProgress?.(done, total);
      }
      yield { kind: 'end', file: f, input: reader.end() };
      last = reader.cur;
    }
  } finally {
    await reader?.pending?.catch(() => 0);  // no read may land in a closed file
    for (const { fd } of fds) closeSync(fd);
  }
}

function cannotRead(f: string, e: unknown): CaptureFormatError {
  return new CaptureFormatError(`${f}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); expected a readable capture file`);
}

/**
 * One file of readChunks(): its scanner, and the buffer holding the cut
 * record (`have` bytes at the front of cur) and the read in flight after it.
 */
class ChunkReader {
  private readonly scanner = new CaptureScanner();
  private frames = 0;
  private bytes = 0;
  private have = 0;
  private pos = 0;
  cur: Uint8Array;
  pending: Promise<number> | null;

  constructor(
    private readonly file: string, private readonly fd: number, private readonly chunk: number,
    private readonly two: Uint8Array[] | null, private readonly fresh: ((size: number) => Uint8Array) | null, cur: Uint8Array | undefined,
  ) {
    this.cur = cur ?? (two ? two[0] : fresh!(chunk));
    this.pending = this.readInto(this.cur, 0);
  }

  private readInto(buf: Uint8Array, at: number): Promise<number> {
    return new Promise<number>((resolve, reject) => read(this.fd, buf, at, buf.length - at, this.pos, (err, n) => (err ? reject(err) : resolve(n))));
  }

  /** The bytes the read in flight got (0 at the end of the file). */
  async read(): Promise<number> {
    try {
      return await this.pending!;
    } catch (e) {
      this.pending = null;
      throw cannotRead(this.file, e);
    }
  }

  /** Scan the n bytes read, start the next read; the complete records, or null. */
  took(n: number): Capture | null {
    const f = this.file, cur = this.cur;
    this.pos += n;
    this.bytes += n;
    const { capture, consumed } = withFile(f, () => this.scanner.scan(cur.subarray(0, this.have + n), !this.fresh));
    withFile(f, () => checkLinks(capture));
    this.frames += capture.count;
    const rest = this.have + n - consumed;
    // the next buffer: room for the cut record and a chunk (grown for a record larger than both)
    const size = Math.max(this.chunk, rest === cur.length ? 2 * rest : rest + 1);
    let next: Uint8Array;
    if (this.fresh) next = this.fresh(size);
    else {
      const two = this.two!, k = cur === two[0] ? 1 : 0;
      if (two[k].length < size) two[k] = new Uint8Array(size);
      next = two[k];
    }
    next.set(cur.subarray(consumed, this.have + n));
    this.pending = this.readInto(next, rest);
    this.cur = next;
    this.have = rest;
    return capture.count ? capture : null;
  }

  /** The file's end: what is left, as ReadEvent 'end' reports it. */
  end(): AnalysisReport['inputs'][number] {
    const end = withFile(this.file, () => this.scanner.finish(this.cur.subarray(0, this.have)));
    return { file: this.file, frames: this.frames, bytes: this.bytes, truncated: end.truncated, warnings: end.warnings };
  }
}

/** Analyse capture files on this thread, reading each in chunks: memory stays bounded whatever their size. */
export async function analyzeFiles(files: readonly string[], options: AnalyzeOptions = {}, stream: StreamOptions = {}): Promise<AnalysisReport> {
  checkFiles(files);
  checkStream(stream, false);
  const a = new Analyzer(options);
  const inputs: AnalysisReport['inputs'] = [];
  for await (const ev of readChunks(files, stream, null)) {
    if (ev.kind === 'records') withFile(ev.file, () => a.add(FrameBatch.ofCapture(ev.capture), ev.capture.originalLengths));
    else inputs.push(ev.input);
  }
  return a.report(inputs);
}

/**
 * Analyse capture files with worker threads: this thread reads and scans,
 * each chunk goes to a worker in turn (at most two waiting per worker), the
 * workers' counts are merged at the end. The figures are those of
 * analyzeFiles() (the exact ones identical; past maxFlows, per worker, the
 * estimates within the same error). Memory: a flow table per worker.
 */
export async function analyzeFilesParallel(files: readonly string[], options: AnalyzeOptions = {}, stream: ParallelOptions = {}): Promise<AnalysisReport> {
  checkFiles(files);
  checkStream(stream, true);
  const threads = stream.threads === undefined ? defaultThreads(files) : checkInt(stream.threads, 1, 64, 'threads');
  const merged = new Analyzer(options);  // checks the options before any thread starts
  if (threads === 1) {
    const { threads: _, ...single } = stream;
    return analyzeFiles(files, options, single);
  }
  const { backend, ...rest } = options;
  const workerOptions = { ...rest, policies: merged.policyNames };
  const workers = Array.from({ length: threads }, () =>
    new Worker(WORKER, {
      workerData: { options: workerOptions, backend: (backend ?? activeBackend).name },
      execArgv: process.execArgv.filter((a) => !a.startsWith('--input-type')),  // flags for an -e script do not apply to a file
    }));
  const pending: ((r: WorkerReply) => void)[][] = workers.map(() => []);
  let failure: Error | null = null;
  let finished = false;
  workers.forEach((w, i) => {
    const fail = (e: Error) => {
      failure ??= e;
      for (const resolve of pending[i].splice(0)) resolve({ type: 'error', message: e.message });
    };
    w.on('message', (r: WorkerReply) => {
      if (r.type === 'error') failure ??= errorOf(r.code, r.message, r);
      pending[i].shift()?.(r);
    });
    w.on('error', fail);
    w.on('exit', (code) => {
      if (!finished) fail(new Error(`laghash: analysis worker ${i} stopped (exit code ${code})`));
    });
  });
  const ask = (i: number, m: ChunkMessage | { type: 'finish' }, transfer: ArrayBuffer[] = []) =>
    new Promise<WorkerReply>((resolve) => {
      pending[i].push(resolve);
      workers[i].postMessage(m, transfer);
    });
  try {
    const inputs: AnalysisReport['inputs'] = [];
    const inFlight: Promise<WorkerReply>[][] = workers.map(() => []);
    // read buffers come back from the workers and are read into again (fresh memory faults page by page)
    const pool: ArrayBuffer[] = [];
    const alloc = (size: number) => {
      const b = pool.pop();
      return b && b.byteLength >= size ? new Uint8Array(b) : new Uint8Array(Buffer.allocUnsafeSlow(size).buffer);
    };
    const settle = async (q: Promise<WorkerReply>) => {
      const r = await q;
      if (r.type === 'done') pool.push(r.data);
    };
    let next = 0;
    for await (const ev of readChunks(files, stream, alloc)) {
      if (failure) throw failure;
      if (ev.kind === 'end') {
        inputs.push(ev.input);
        continue;
      }
      const i = next++ % threads, c = ev.capture;
      while (inFlight[i].length >= 2) await settle(inFlight[i].shift()!);
      if (failure) throw failure;
      const m: ChunkMessage = {
        type: 'chunk', data: c.data, offsets: c.offsets, lengths: c.lengths, originalLengths: c.originalLengths, linkTypes: c.linkTypes, linkType: c.linkType,
      };
      inFlight[i].push(ask(i, m, [c.data.buffer as ArrayBuffer, c.offsets.buffer as ArrayBuffer, c.lengths.buffer as ArrayBuffer,
        c.originalLengths.buffer as ArrayBuffer, c.linkTypes.buffer as ArrayBuffer].filter((b, k, all) => all.indexOf(b) === k)));
    }
    for (const q of inFlight) await Promise.all(q);
    if (failure) throw failure;
    const states = await Promise.all(workers.map((_, i) => ask(i, { type: 'finish' })));
    if (failure) throw failure;
    for (const r of states) if (r.type === 'state') merged.mergeState(r.state);
    return merged.report(inputs);
  } finally {
    finished = true;
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Run fn; errors of laghash get the file name in front. */
function withFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof LaghashError && !(e instanceof BackendUnavailableError) && !e.message.startsWith(`${file}: `)) e.message = `${file}: ${e.message}`;
    throw e;
  }
}
