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
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Backend } from './backend.js';
import { FrameBatch, SUPPORTED_LINK_TYPES, checkLinkType } from './batch.js';
import { CaptureScanner, parseCapture, type Capture } from './capture.js';
import { InvalidArgumentError, LaghashError, OutOfRangeError, describe } from './errors.js';
import { hashBatchWith, type PolicyLike } from './hash.js';
import { activeBackend } from './native.js';
import { policy as compilePolicy, policyNames, type Policy } from './policy.js';
import { CountMin, DistinctCounter, HyperLogLog, KeyIndex, key53 } from './sketch.js';
import { SelectorState, checkWeight, selectorOptions, type SelPort, type SelectorKind, type SelectorOptions } from './selectors.js';
import * as S from './spec.js';
import { checkInt } from './validate.js';

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
const FLOW_DIAG_LIMIT = 1 << 16;
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
  normal: { spec: Uint32Array; table: Uint32Array };
  failed: { spec: Uint32Array; table: Uint32Array }[];
  frames: Float64Array;
  bytes: Float64Array;
  movedFrames: Float64Array;
  movedBytes: Float64Array;
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
  // global flow state, exact mode
  private flows: KeyIndex | null = new KeyIndex(4096);
  private flowFrames = new Float64Array(4096);
  private flowBytes = new Float64Array(4096);
  /** [flow * configs + c]: ports the flow's frames went to (bit per port); moved: bit per failure. */
  private portMask = new Uint32Array(4096);
  private movedMask = new Uint32Array(4096);
  // approximate mode
  private flowHll: HyperLogLog | null = null;
  private largest: CountMin | null = null;
  private largestEstimate = 0;
  private peakBytes = 0;
  // traffic
  private frames = 0;
  private bytes = 0;
  private macPairs = new DistinctCounter(FLOW_DIAG_LIMIT);
  private ipPairs = new DistinctCounter(FLOW_DIAG_LIMIT);
  private tunnelOuter = new DistinctCounter(FLOW_DIAG_LIMIT);
  private tunnelInner = new DistinctCounter(FLOW_DIAG_LIMIT);
  private framesWithIp = 0;
  private framesWithPorts = 0;
  private evenSourcePorts = 0;
  private tunnelledFrames = 0;
  // scratch
  private summary = new Uint32Array(0);
  private hashes = new Uint32Array(0);
  private portOut = new Uint16Array(0);
  private failOut: Uint16Array[] = [];
  private flowIdx = new Int32Array(0);

  constructor(options: AnalyzeOptions = {}) {
    const o = options;
    if (o === null || typeof o !== 'object') throw new InvalidArgumentError(`Expected analyze options, got ${describe(o)}`);
    this.backend = o.backend ?? activeBackend;
    if (o.weights !== undefined) {
      if (!Array.isArray(o.weights) || o.weights.length < 1 || o.weights.length > MAX_PORTS)
        throw new InvalidArgumentError(`Expected weights to be a list of 1..${MAX_PORTS} integers, got ${describe(o.weights)}`);
      this.weights = o.weights.map((w) => checkWeight(w));
      if (o.ports !== undefined && o.ports !== this.weights.length)
        throw new InvalidArgumentError(`Expected as many weights as ports (${o.ports}), got ${this.weights.length}`);
    } else {
      this.weights = Array(o.ports === undefined ? 4 : checkInt(o.ports, 1, MAX_PORTS, 'ports')).fill(1);
    }
    this.ports = this.weights.length;
    this.by = o.by ?? 'bytes';
    if (this.by !== 'bytes' && this.by !== 'frames') throw new InvalidArgumentError(`Expected by to be bytes or frames, got ${describe(o.by)}`);
    const fail = o.fail ?? 'each';
    if (fail === 'each') this.failPorts = this.weights.map((_, i) => i);
    else if (fail === 'none') this.failPorts = [];
    else if (Array.isArray(fail)) this.failPorts = [...new Set(fail.map((p) => checkInt(p, 0, this.ports - 1, 'failed port')))];
    else throw new InvalidArgumentError(`Expected fail to be each, none or port numbers, got ${describe(fail)}`);
    this.maxFlows = o.maxFlows === undefined ? 1_000_000 : checkInt(o.maxFlows, 1, 2 ** 31 - 1, 'maxFlows');
    const pols = o.policies === undefined ? DEFAULT_POLICIES : o.policies === 'all' ? ALL_POLICIES : o.policies;
    if (!Array.isArray(pols) || pols.length === 0) throw new InvalidArgumentError(`Expected a list of policies, got ${describe(o.policies)}`);
    this.policies = pols.map((p) => compilePolicy(p));
    const unequal = this.weights.some((w) => w !== this.weights[0]);
    const sels = o.selectors ?? [unequal ? 'table' : 'modulo'];
    if (!Array.isArray(sels) || sels.length === 0) throw new InvalidArgumentError(`Expected a list of selectors, got ${describe(o.selectors)}`);
    const selOpts = sels.map((s) => selectorOptions(s));
    this.configs = [];
    for (const policy of this.policies)
      for (const sel of selOpts) {
        const honours = !unequal || (sel.kind !== 'modulo' && sel.kind !== 'team');
        this.configs.push({
          policy, selector: sel, label: `${policy.name} ${selectorLabel(sel)}`, honoursWeights: honours,
          normal: this.state(sel, -1), failed: this.failPorts.map((p) => this.state(sel, p)),
          frames: new Float64Array(this.ports), bytes: new Float64Array(this.ports),
          movedFrames: new Float64Array(this.failPorts.length), movedBytes: new Float64Array(this.failPorts.length),
          portHll: null, movedHll: null,
        });
      }
    if (this.configs.length * (this.failPorts.length + 1) > 4096)
      throw new OutOfRangeError(`Expected at most 4096 policy x selector x failure combinations, got ${this.configs.length * (this.failPorts.length + 1)}`);
    this.portMask = new Uint32Array(4096 * this.configs.length);
    this.movedMask = new Uint32Array(4096 * this.configs.length);
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
    if (this.hashes.length >= n) return;
    const cap = Math.max(n, 2 * this.hashes.length);
    this.summary = new Uint32Array(cap * S.SUM_WORDS);
    this.hashes = new Uint32Array(cap);
    this.portOut = new Uint16Array(cap);
    this.failOut = this.failPorts.map(() => new Uint16Array(cap));
    this.flowIdx = new Int32Array(cap);
  }

  /** Add a batch; wire: each frame's length on the wire (default: its captured length). */
  add(batch: FrameBatch, wire: Uint32Array = batch.lengths): void {
    if (!(batch instanceof FrameBatch)) throw new InvalidArgumentError(`Expected a FrameBatch, got ${describe(batch)}`);
    if (!(wire instanceof Uint32Array) || wire.length < batch.count)
      throw new InvalidArgumentError(`Expected a Uint32Array of ${batch.count} wire lengths, got ${describe(wire)}`);
    const n = batch.count;
    if (n === 0) return;
    this.scratch(n);
    const be = this.backend, sum = this.summary;
    const bad = be.summarize(batch.data, batch.offsets, batch.stride, batch.lengths, batch.linkType, batch.linkTypes, 0, n, sum);
    if (bad >= 0) throw new LaghashError('ERR_LAGHASH_FRAME_BOUNDS', `Frame ${bad} lies outside the batch's data buffer`);
    this.traffic(n, wire);
    for (const p of this.policies) {
      hashBatchWith(be, batch, p, this.hashes);
      this.configs.forEach((c, ci) => {
        if (c.policy === p) this.place(c, ci, n, wire);
      });
    }
    this.peakBytes = Math.max(this.peakBytes, this.flowTableBytes());
    if (this.flows && this.flows.size > this.maxFlows) this.approximate();
  }

  /** The flows and traffic figures of a batch (summaries in this.summary). */
  private traffic(n: number, wire: Uint32Array): void {
    const sum = this.summary, idx = this.flowIdx, measureBytes = this.by === 'bytes';
    for (let i = 0; i < n; i++) {
      const o = i * S.SUM_WORDS, len = wire[i], flags = sum[o + 5];
      this.frames++;
      this.bytes += len;
      const key = key53(sum[o], sum[o + 1]);
      if (this.flows) {
        const f = this.flows.add(key);
        if (f >= this.flowFrames.length) this.growFlows();
        this.flowFrames[f]++;
        this.flowBytes[f] += len;
        idx[i] = f;
      } else {
        this.flowHll!.add(key);
        const est = this.largest!.add(key, measureBytes ? len : 1);
        if (est > this.largestEstimate) this.largestEstimate = est;
        idx[i] = -1;
      }
      this.macPairs.add(spread(sum[o + 3]));
      if (flags & S.SUM_IP) {
        this.framesWithIp++;
        this.ipPairs.add(spread(sum[o + 4]));
      }
      if (flags & S.SUM_PORTS) {
        this.framesWithPorts++;
        if ((flags & 1) === 0) this.evenSourcePorts++;
      }
      if (flags & S.SUM_TUNNEL) {
        this.tunnelledFrames++;
        this.tunnelOuter.add(key);
        this.tunnelInner.add(spread(sum[o + 2]));
      }
    }
  }

  /** Ports of a batch under config c (hashes in this.hashes), normal and with each failure. */
  private place(c: Config, ci: number, n: number, wire: Uint32Array): void {
    const be = this.backend, h = this.hashes, port = this.portOut, idx = this.flowIdx, C = this.configs.length;
    be.selectHashes(h, 0, n, c.normal.spec, c.normal.table, port);
    for (let k = 0; k < c.failed.length; k++) be.selectHashes(h, 0, n, c.failed[k].spec, c.failed[k].table, this.failOut[k]);
    const frames = c.frames, bytes = c.bytes, mf = c.movedFrames, mb = c.movedBytes, fo = this.failOut, F = c.failed.length;
    const pm = this.portMask, mm = this.movedMask, sum = this.summary;
    for (let i = 0; i < n; i++) {
      const p = port[i], len = wire[i], f = idx[i];
      frames[p]++;
      bytes[p] += len;
      let moved = 0;
      for (let k = 0; k < F; k++)
        if (fo[k][i] !== p) {
          mf[k]++;
          mb[k] += len;
          moved |= 1 << k;
        }
      if (f >= 0) {
        pm[f * C + ci] |= 1 << p;
        mm[f * C + ci] |= moved;
      } else {
        const key = key53(sum[i * S.SUM_WORDS], sum[i * S.SUM_WORDS + 1]);
        c.portHll![p].add(key);
        for (let k = 0; k < F; k++) if (moved & (1 << k)) c.movedHll![k].add(key);
      }
    }
  }

  private growFlows(): void {
    const cap = this.flowFrames.length * 2, C = this.configs.length;
    const grow = <T extends Float64Array | Uint32Array>(a: T, n: number): T => {
      const b = new (a.constructor as new (n: number) => T)(n);
      b.set(a);
      return b;
    };
    this.flowFrames = grow(this.flowFrames, cap);
    this.flowBytes = grow(this.flowBytes, cap);
    this.portMask = grow(this.portMask, cap * C);
    this.movedMask = grow(this.movedMask, cap * C);
  }

  /** Past maxFlows: fold the exact table into estimators and drop it. */
  private approximate(): void {
    const t = this.flows!, C = this.configs.length, measureBytes = this.by === 'bytes';
    this.flowHll = new HyperLogLog();
    this.largest = new CountMin();
    for (const c of this.configs) {
      c.portHll = c.frames.length ? Array.from(c.frames, () => new HyperLogLog()) : [];
      c.movedHll = c.failed.map(() => new HyperLogLog());
    }
    for (let f = 0; f < t.size; f++) {
      const key = t.keys[f];
      this.flowHll.add(key);
      const est = this.largest.add(key, measureBytes ? this.flowBytes[f] : this.flowFrames[f]);
      if (est > this.largestEstimate) this.largestEstimate = est;
      this.configs.forEach((c, ci) => {
        const pm = this.portMask[f * C + ci], mm = this.movedMask[f * C + ci];
        for (let p = 0; p < this.ports; p++) if (pm & (1 << p)) c.portHll![p].add(key);
        for (let k = 0; k < c.failed.length; k++) if (mm & (1 << k)) c.movedHll![k].add(key);
      });
    }
    this.peakBytes = Math.max(this.peakBytes, this.flowTableBytes());
    this.flows = null;
    this.flowFrames = this.flowBytes = new Float64Array(0);
    this.portMask = this.movedMask = new Uint32Array(0);
  }

  private flowTableBytes(): number {
    if (this.flows)
      return this.flows.bytes + this.flowFrames.byteLength + this.flowBytes.byteLength + this.portMask.byteLength + this.movedMask.byteLength;
    let b = this.flowHll!.bytes + this.largest!.bytes;
    for (const c of this.configs) b += (c.portHll!.length + c.movedHll!.length) * this.flowHll!.bytes;
    return b;
  }

  /** The figures so far. inputs: what was read, for the report. */
  report(inputs: AnalysisReport['inputs'] = []): AnalysisReport {
    const exact = this.flows !== null, C = this.configs.length, measureBytes = this.by === 'bytes';
    const flowCount = exact ? this.flows!.size : Math.round(this.flowHll!.estimate);
    const total = measureBytes ? this.bytes : this.frames;
    let largest = 0;
    if (exact) for (let f = 0; f < this.flows!.size; f++) largest = Math.max(largest, measureBytes ? this.flowBytes[f] : this.flowFrames[f]);
    else largest = this.largestEstimate;
    const W = this.weights.reduce((a, b) => a + b, 0);
    const results: ConfigResult[] = this.configs.map((c, ci) => {
      const load = measureBytes ? c.bytes : c.frames;
      let flowsOn: number[];
      const moved: number[] = c.failed.map(() => 0);
      if (exact) {
        flowsOn = Array(this.ports).fill(0);
        for (let f = 0; f < this.flows!.size; f++) {
          const pm = this.portMask[f * C + ci], mm = this.movedMask[f * C + ci];
          for (let p = 0; p < this.ports; p++) if (pm & (1 << p)) flowsOn[p]++;
          for (let k = 0; k < c.failed.length; k++) if (mm & (1 << k)) moved[k]++;
        }
      } else {
        flowsOn = c.portHll!.map((h) => Math.round(h.estimate));
        c.movedHll!.forEach((h, k) => (moved[k] = Math.round(h.estimate)));
      }
      const ports: PortFigures[] = this.weights.map((weight, p) => ({
        port: p, weight, frames: c.frames[p], bytes: c.bytes[p], share: total ? load[p] / total : 0, flows: flowsOn[p],
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
          loadMoved: total ? (measureBytes ? c.movedBytes[k] : c.movedFrames[k]) / total : 0,
          idealFlows: flowCount ? Math.min(1, flowsOn[port] / flowCount) : 0,
          idealLoad: total ? load[port] / total : 0,
        })),
      };
    });
    const traffic: TrafficFigures = {
      frames: this.frames,
      bytes: this.bytes,
      flows: flowCount,
      flowsError: exact ? 0 : HyperLogLog.relativeError,
      largestFlow: { share: total ? Math.min(1, largest / total) : 0, exact, error: exact ? 0 : CountMin.epsilon },
      macPairs: this.macPairs.count,
      ipPairs: this.ipPairs.count,
      framesWithIp: this.framesWithIp,
      framesWithPorts: this.framesWithPorts,
      evenSourcePorts: this.evenSourcePorts,
      tunnelledFrames: this.tunnelledFrames,
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

/** A 32-bit hash as a 53-bit key whose high bits are a mix of it (for the counters). */
function spread(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  return key53(h, x);
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
  /** Bytes read at a time (default 16 MiB). */
  chunkBytes?: number;
  /** Called after each chunk with the bytes read so far and the total of all files. */
  onProgress?: (done: number, total: number) => void;
}

/** Analyse capture files, reading each in chunks: memory stays bounded whatever their size. */
export function analyzeFiles(files: readonly string[], options: AnalyzeOptions = {}, stream: StreamOptions = {}): AnalysisReport {
  const a = new Analyzer(options);
  const chunk = stream.chunkBytes === undefined ? 16 << 20 : checkInt(stream.chunkBytes, 1, 2 ** 30, 'chunkBytes');
  const fds = files.map((f) => {
    try {
      const fd = openSync(f, 'r');
      return { f, fd, size: fstatSync(fd).size };
    } catch (e) {
      throw new LaghashError('ERR_LAGHASH_CAPTURE_FORMAT', `${f}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  });
  const total = fds.reduce((s, x) => s + x.size, 0);
  let done = 0;
  const inputs: AnalysisReport['inputs'] = [];
  try {
    // one read buffer, reused: the records complete in it are analysed in place, the cut
    // record at its end moves to the front before the next read (it grows only for a record
    // larger than itself)
    let buf = new Uint8Array(chunk);
    for (const { f, fd } of fds) {
      const scanner = new CaptureScanner();
      let frames = 0, bytes = 0, have = 0;
      const take = (c: Capture) => {
        if (c.count)
          withFile(f, () => {
            checkLinks(c);
            a.add(FrameBatch.ofCapture(c), c.originalLengths);
          });
        frames += c.count;
      };
      for (;;) {
        if (have === buf.length) {
          const grown = new Uint8Array(buf.length * 2);
          grown.set(buf);
          buf = grown;
        }
        let n: number;
        try {
          n = readSync(fd, buf, have, buf.length - have, null);
        } catch (e) {
          throw new LaghashError('ERR_LAGHASH_CAPTURE_FORMAT', `${f}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
        }
        if (n === 0) break;
        bytes += n;
        done += n;
        const { capture, consumed } = withFile(f, () => scanner.scan(buf.subarray(0, have + n)));
        take(capture);
        buf.copyWithin(0, consumed, have + n);
        have = have + n - consumed;
        stream.onProgress?.(done, total);
      }
      const end = withFile(f, () => scanner.finish(buf.subarray(0, have)));
      take(end);
      inputs.push({ file: f, frames, bytes, truncated: end.truncated, warnings: end.warnings });
    }
  } finally {
    for (const { fd } of fds) closeSync(fd);
  }
  return a.report(inputs);
}

/** Run fn; errors of laghash get the file name in front. */
function withFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof LaghashError && !e.message.startsWith(`${file}: `)) e.message = `${file}: ${e.message}`;
    throw e;
  }
}
