/**
 * hashBatch, selectBatch and the bound form: one argument check per call in
 * TypeScript, one call into the active backend, typed errors from its status.
 */
import type { Backend } from './backend.js';
import { FrameBatch, boundsError, checkBatch } from './batch.js';
import { BufferStateError, InvalidArgumentError, describe } from './errors.js';
import { activeBackend } from './native.js';
import { policy as compilePolicy, type Policy, type PolicyOptions } from './policy.js';
import { SelectorState, checkWeight, selectorOptions, type SelectorOptions } from './selectors.js';
import * as S from './spec.js';
import { checkBackend, checkInt, checkObject, checkOptions, checkTyped, isDetached } from './validate.js';

export { boundsError };

export type PolicyLike = string | PolicyOptions | Policy;

/** Modulo over n ports: port = hash % n (Linux bonding, DPDK and team driver style). */
export interface ModuloSelector {
  ports: number;
}

/**
 * Any selector over a fixed set of ports, all usable: port ids 0 .. n - 1
 * (ports: n, named '0' .. 'n-1') or in the order of the names given. For
 * failures, additions and counters, use a Team.
 */
export interface StaticSelector extends SelectorOptions {
  ports: number | readonly string[];
  /** Per-port weights (table, resilient, rendezvous; modulo and team have none). Default 1 each. */
  weights?: readonly number[];
}
export type SelectorLike = ModuloSelector | StaticSelector;

/** A compiled selector: the flat spec both backends read, its table, its counters (or null). */
export interface CompiledSelector {
  readonly spec: Uint32Array;
  readonly table: Uint32Array;
  readonly stats: Float64Array | null;
}

const moduloCache = new Map<number, CompiledSelector>();
const staticCache = new Map<string, CompiledSelector>();

/** { ports: n }: modulo over ports 0 .. n - 1; { kind, ports, weights? }: that selector over those ports. */
export function compileSelector(s: SelectorLike): CompiledSelector {
  const o = checkObject(s, 'selector');
  if (o.kind === undefined) {
    for (const k of Object.keys(o))
      if (k !== 'ports')
        throw new InvalidArgumentError(`Expected a selector without kind to be { ports: n } (modulo, no weights), got option ${JSON.stringify(k)}; give a kind for more`);
    return moduloSelector(checkInt(o.ports, 1, S.PORT_LIMIT, 'ports'));
  }
  checkOptions(o, ['kind', 'ports', 'weights', 'buckets', 'idleTimer', 'unbalancedTimer'], 'selector options');
  // checked before the cache is consulted: the key is made of checked values only
  const opts = selectorOptions({ kind: o.kind, buckets: o.buckets, idleTimer: o.idleTimer, unbalancedTimer: o.unbalancedTimer } as SelectorOptions);
  let names: string[];
  if (typeof o.ports === 'number') names = Array.from({ length: checkInt(o.ports, 1, S.PORT_LIMIT, 'ports') }, (_, i) => String(i));
  else if (Array.isArray(o.ports) && o.ports.length >= 1 && o.ports.length <= S.PORT_LIMIT && o.ports.every((n) => typeof n === 'string'))
    names = [...(o.ports as string[])];
  else throw new InvalidArgumentError(`Expected ports to be a port count or an array of 1..${S.PORT_LIMIT} names, got ${describe(o.ports)}`);
  if (new Set(names).size !== names.length) throw new InvalidArgumentError('Expected port names to be distinct');
  if (o.weights !== undefined && (!Array.isArray(o.weights) || o.weights.length !== names.length))
    throw new InvalidArgumentError(`Expected weights to be an array of ${names.length} integers, got ${describe(o.weights)}`);
  const given = o.weights as unknown[] | undefined;
  const weights = names.map((_, i) => (given === undefined ? 1 : checkWeight(given[i])));
  if ((opts.kind === 'modulo' || opts.kind === 'team') && weights.some((w) => w !== 1))
    throw new InvalidArgumentError(`Expected no weights with the ${opts.kind} selector: it cannot honour weights; use table, resilient or rendezvous`);
  const key = JSON.stringify([opts.kind, opts.buckets, names, weights]);
  let c = staticCache.get(key);
  if (!c) {
    c = staticSelector(opts, names, weights);
    if (staticCache.size >= 64) staticCache.clear();
    staticCache.set(key, c);
  }
  return c;
}

function moduloSelector(ports: number): CompiledSelector {
  let c = moduloCache.get(ports);
  if (!c) {
    const spec = new Uint32Array(S.SEL_LEN);
    spec[S.SEL_KIND] = S.SK_MODULO;
    spec[S.SEL_COUNT] = ports;
    spec[S.SEL_PORTS] = ports;
    const table = new Uint32Array(ports);
    for (let i = 0; i < ports; i++) table[i] = i;
    c = Object.freeze({ spec, table, stats: null });
    moduloCache.set(ports, c);
  }
  return c;
}

function staticSelector(opts: Required<SelectorOptions>, names: string[], weights: number[]): CompiledSelector {
  const state = new SelectorState(opts, names.length);
  state.update(names.map((name, id) => ({ id, name, weight: weights[id], usable: true, enabledSeq: id })), 0, null);
  return Object.freeze({ ...state.frozen(), stats: null });
}

function checkOut<T extends Uint32Array | Uint16Array>(out: unknown, ctor: Uint32ArrayConstructor | Uint16ArrayConstructor, count: number): T {
  const o = checkTyped<T>(out, ctor, 'out');
  if (o.length < count) throw new InvalidArgumentError(`Expected out to have room for ${count} results, got length ${o.length}`);
  return o;
}

/** hashBatch through a given backend. */
export function hashBatchWith(backend: Backend, batch: FrameBatch, p: PolicyLike, out?: Uint32Array): Uint32Array {
  checkBatch(batch);
  const pol = compilePolicy(p);
  const o = out === undefined ? new Uint32Array(batch.count) : checkOut<Uint32Array>(out, Uint32Array, batch.count);
  const r = backend.hash(batch.data, batch.offsets, batch.stride, batch.lengths, batch.linkType, batch.linkTypes, 0, batch.count, pol.spec, pol.tables, o);
  if (r >= 0) throw boundsError(batch, r);
  return o;
}

/** selectBatch through a given backend. */
export function selectBatchWith(backend: Backend, batch: FrameBatch, p: PolicyLike, selector: SelectorLike, out?: Uint16Array): Uint16Array {
  checkBatch(batch);
  const pol = compilePolicy(p);
  const sel = compileSelector(selector);
  const o = out === undefined ? new Uint16Array(batch.count) : checkOut<Uint16Array>(out, Uint16Array, batch.count);
  const r = backend.select(
    batch.data, batch.offsets, batch.stride, batch.lengths, batch.linkType, batch.linkTypes, 0, batch.count,
    pol.spec, pol.tables, sel.spec, sel.table, sel.stats, o,
  );
  if (r >= 0) throw boundsError(batch, r);
  return o;
}

/**
 * The u32 hash of every frame under a policy, into out (allocated when not
 * given; it must hold batch.count values). Malformed frames get the hash the
 * reproduced system gives them (see docs/api.md); frames outside the buffer
 * throw FrameBoundsError and leave out untouched.
 */
export function hashBatch(batch: FrameBatch, policy: PolicyLike, out?: Uint32Array): Uint32Array {
  return hashBatchWith(activeBackend, batch, policy, out);
}

/** The port of every frame: the policy's hash, then the selector (parse, hash and select in one pass). */
export function selectBatch(batch: FrameBatch, policy: PolicyLike, selector: SelectorLike, out?: Uint16Array): Uint16Array {
  return selectBatchWith(activeBackend, batch, policy, selector, out);
}

export interface BindOptions {
  /** Select ports instead of returning hashes. */
  selector?: SelectorLike;
  /** Where results go; allocated when not given (Uint32Array for hashes, Uint16Array for ports). */
  out?: Uint32Array | Uint16Array;
}

/**
 * A batch bound to a policy for small calls on hot paths: the arrays are
 * registered once, each run(start, count) passes two integers. The caller may
 * rewrite data, offsets and lengths between runs (a ring); every run checks
 * its frames' bounds again.
 */
export class BoundBatch<T extends Uint32Array | Uint16Array = Uint32Array> {
  /** Results: out[i] for frame i. */
  readonly out: T;
  readonly batch: FrameBatch;
  readonly policy: Policy;
  private readonly fn: (start: number, count: number) => number;
  private readonly dataLength: number;
  private readonly frameCount: number;
  private readonly outLength: number;

  /** @internal bindBatch() makes them (over the active backend); exported for instanceof and types. */
  constructor(backend: Backend, batch: FrameBatch, p: PolicyLike, options: BindOptions = {}) {
    checkBackend(backend);
    checkBatch(batch);
    checkOptions(options, ['selector', 'out'], 'options');
    this.batch = batch;
    this.policy = compilePolicy(p);
    const sel = options.selector === undefined ? null : compileSelector(options.selector);
    const ctor = sel ? Uint16Array : Uint32Array;
    this.out = (options.out === undefined ? new ctor(batch.count) : checkOut(options.out, ctor, batch.count)) as T;
    this.dataLength = batch.data.length;
    this.frameCount = batch.count;
    this.outLength = this.out.length;
    this.fn = backend.bind(
      batch.data, batch.offsets, batch.stride, batch.lengths, batch.linkType, batch.linkTypes,
      this.policy.spec, this.policy.tables, sel ? sel.spec : null, sel ? sel.table : null, sel ? sel.stats : null, this.out,
    );
  }

  /** Hash (or select) frames [start, start + count) into out; returns out. */
  run(start: number, count: number): T {
    // the common case in one test; the messages are built only on failure
    if (!(Number.isInteger(start) && Number.isInteger(count) && start >= 0 && count >= 0 && start + count <= this.frameCount)) {
      checkInt(start, 0, this.frameCount, 'start');
      checkInt(count, 0, this.frameCount - start, `count (frames from start ${start} of ${this.frameCount})`);
    }
    // Every array the native side holds must still have the length it was
    // bound with: a detached one reads as length 0 (its memory may be gone).
    const b = this.batch;
    if (b.data.length !== this.dataLength || b.lengths.length !== this.frameCount || this.out.length !== this.outLength ||
        (b.offsets !== null && b.offsets.length !== this.frameCount) || (b.linkTypes !== null && b.linkTypes.length !== this.frameCount) ||
        (this.dataLength === 0 && isDetached(b.data.buffer)) || (this.outLength === 0 && isDetached(this.out.buffer)))
      throw new BufferStateError('Expected the arrays bound by bindBatch() (data, offsets, lengths, link types, out) to be live, got one detached since binding');
    const r = this.fn(start, count);
    if (r >= 0) throw boundsError(this.batch, r);
    return this.out;
  }
}

/** Bind a batch and policy (and optionally a selector) for repeated small calls. */
export function bindBatch(batch: FrameBatch, policy: PolicyLike, options: BindOptions & { selector: SelectorLike }): BoundBatch<Uint16Array>;
export function bindBatch(batch: FrameBatch, policy: PolicyLike, options?: BindOptions): BoundBatch<Uint32Array>;
export function bindBatch(batch: FrameBatch, policy: PolicyLike, options: BindOptions = {}): BoundBatch<Uint32Array | Uint16Array> {
  return new BoundBatch(activeBackend, batch, policy, options);
}
