/**
 * Team: ports, a mode, a policy and a selector; which port each frame goes
 * out on, counters, and a change report for every change of the usable set.
 *
 * Modes:
 *   balance        hash and select over the ports that are up (static trunk,
 *                  generic trunking, EtherChannel "on", 802.3ad static).
 *   lacp           as balance, over the ports marked distributing.
 *   active-backup  every frame on the active port; a primary; reselect rule.
 *   round-robin    frame i on the next usable port, packetsPerPort at a time.
 *   broadcast      every frame on every usable port (out: BROADCAST).
 *   same-port      a conversation goes out where its peer was last heard
 *                  (receive()); new ones start on the first usable port.
 *
 * Port ids are small integers (out[i] of selectBatch); team.port(id) or
 * team.ports gives the names. NO_PORT marks frames with no usable port.
 *
 * Holding moves (balance and lacp, with holdMoves(true)): when a change moves
 * traffic away from a port that stays usable, the change report carries a
 * hold, and until release(hold) selectBatch answers HOLD for the frames that
 * would have gone out on that port before the change and go elsewhere now.
 * The caller keeps held frames in order and selects them again after the
 * 'release' event, before newer frames: a conversation then moves only once
 * everything it sent on the old port has left (the marker protocol's use).
 */
import type { Backend } from './backend.js';
import { FrameBatch, checkBatch, checkBounds, checkLinkType } from './batch.js';
import { InvalidArgumentError, OutOfRangeError, describe } from './errors.js';
import { boundsError, type PolicyLike } from './hash.js';
import { conv_base, select_hash } from './js/select.js';
import { activeBackend } from './native.js';
import { policy as compilePolicy, type Policy } from './policy.js';
import { SelectorState, checkWeight, selectorOptions, shareMoves, type SelPort, type SelectorKind, type SelectorOptions } from './selectors.js';
import * as S from './spec.js';
import { checkArray, checkBackend, checkBoolean, checkFunction, checkInt, checkNumber, checkOneOf, checkOptions, checkString, checkTyped } from './validate.js';

export type TeamMode = 'balance' | 'lacp' | 'active-backup' | 'round-robin' | 'broadcast' | 'same-port';
export type Reselect = 'always' | 'better' | 'failure';

/** selectBatch output for frames no port can carry. */
export const NO_PORT = S.NO_PORT;
/** selectBatch output in broadcast mode: the frame goes out on every usable port. */
export const BROADCAST = 0xfffe;
/** selectBatch output for a frame held while its conversation moves (holdMoves). */
export const HOLD = 0xfffd;

export interface TeamPortOptions {
  name: string;
  /** Relative capacity (10 for 10G beside 25 for 25G), an integer 1..65535. Default 1. */
  weight?: number;
  /** Link state. Default true. */
  up?: boolean;
  /** lacp mode: LACP has put the port in the distributing state. Default false. */
  distributing?: boolean;
}

export interface SamePortOptions {
  /** What a conversation is: the peer's MAC address (default) or the flow (symmetric 5-tuple). */
  key?: 'mac' | 'flow';
  /** Conversations remembered at most: a power of two, 8..2^24. Default 65536. */
  capacity?: number;
  /** A conversation not seen for this long (clock units) is forgotten. Default 300000 (5 min in ms). */
  maxIdle?: number;
}

export interface TeamOptions {
  ports: readonly (string | TeamPortOptions)[];
  mode?: TeamMode;
  /** Default linux:layer2 (Linux bonding's default). */
  policy?: PolicyLike;
  /** balance and lacp: default modulo. */
  selector?: SelectorKind | SelectorOptions;
  /** active-backup: the preferred port. */
  primary?: string;
  /** active-backup: when the primary takes over again: always (default), better (higher weight), failure (only when the active port fails). */
  reselect?: Reselect;
  /** round-robin: frames per port before moving on. Default 1. */
  packetsPerPort?: number;
  samePort?: SamePortOptions;
  /** The clock (milliseconds by default: Date.now). Stamps are its value modulo 2^32. */
  clock?: () => number;
}

export interface TeamPort {
  readonly id: number;
  readonly name: string;
  readonly weight: number;
  readonly up: boolean;
  readonly distributing: boolean;
  /** Carries traffic in the current mode. */
  readonly usable: boolean;
}

export type ChangeType = 'down' | 'up' | 'add' | 'remove' | 'weight' | 'distributing' | 'rebalance' | 'upkeep' | 'active';

/** A change of where traffic goes, reported before the caller sends the next batch. */
export interface ChangeEvent {
  type: ChangeType;
  /** The port the change is about (null for rebalance and upkeep). */
  port: string | null;
  /** Buckets that moved (table, resilient; team after a rebalance: hash bytes). */
  buckets: { bucket: number; from: string | null; to: string | null }[];
  /** The share of the hash space (or of the traffic) that moved, per pair of ports. */
  shares: { from: string | null; to: string | null; share: number }[];
  /** With holdMoves(true): the hold on frames leaving ports that stay usable, until release(hold.id). */
  hold?: { id: number; from: string[] };
}

/** A hold ended: its frames go to their new ports from now on. */
export interface ReleaseEvent {
  hold: number;
  /** What ended it, as the caller of release() said (e.g. 'response', 'timeout'). */
  reason: string;
}

export interface HoldStats {
  /** Holds not yet released. */
  pending: number;
  /** Frames and bytes answered HOLD so far. */
  heldFrames: number;
  heldBytes: number;
  holds: number;
  released: number;
}

export interface PortStats {
  name: string;
  txFrames: number;
  txBytes: number;
  rxFrames: number;
  rxBytes: number;
}

export interface ConversationStats {
  capacity: number;
  /** Conversations not yet expired. */
  live: number;
  inserted: number;
  /** Live conversations dropped because their set was full. */
  evicted: number;
  /** Slots reused after their conversation expired. */
  expired: number;
  /** Conversations that changed port (a reply on another port, or a failure). */
  moved: number;
}

export interface RebalanceOptions {
  /** table: stop when the gap between the most and least loaded port is below this many bytes (per unit of weight). Default 100000, as Open vSwitch. */
  minBytes?: number;
}

interface PortRec {
  id: number;
  name: string;
  weight: number;
  up: boolean;
  distributing: boolean;
  enabledSeq: number;
}

type Listener = (e: ChangeEvent) => void;
type ReleaseListener = (e: ReleaseEvent) => void;

interface Hold {
  id: number;
  /** The selector before the change (frozen: neither counts nor stamps). */
  spec: Uint32Array;
  table: Uint32Array;
  /** Port ids whose leaving frames are held. */
  from: Set<number>;
}

const MODES: TeamMode[] = ['balance', 'lacp', 'active-backup', 'round-robin', 'broadcast', 'same-port'];
const TEAM_OPTIONS = ['ports', 'mode', 'policy', 'selector', 'primary', 'reselect', 'packetsPerPort', 'samePort', 'clock'];

export class Team {
  readonly mode: TeamMode;
  readonly policy: Policy;
  private readonly backend: Backend;
  private readonly clock: () => number;
  private recs: PortRec[] = [];
  private capacity: number;
  private seq = 0;
  private listeners: Listener[] = [];
  private releaseListeners: ReleaseListener[] = [];
  private holding = false;
  private holds: Hold[] = [];
  private holdSeq = 0;
  private holdScratch = new Uint16Array(0);
  private holdCounts = { heldFrames: 0, heldBytes: 0, holds: 0, released: 0 };
  // balance / lacp
  private readonly selector: SelectorState | null;
  // tx counters [frames(cap)][bytes(cap)][selector extra]; rx counters [frames(cap)][bytes(cap)]
  private stats: Float64Array;
  private rx: Float64Array;
  // active-backup
  private readonly primary: string | null;
  private readonly reselect: Reselect;
  private active: number = NO_PORT;
  // round-robin
  private readonly ppp: number;
  private rr = 0;
  // same-port
  private readonly conv: { spec: Uint32Array; table: Uint32Array; stats: Float64Array } | null;

  /** backend: for tests; the active backend by default. */
  constructor(options: TeamOptions, backend: Backend = activeBackend) {
    checkOptions(options, TEAM_OPTIONS, 'team options');
    this.backend = checkBackend(backend);
    this.mode = options.mode === undefined ? 'balance' : checkOneOf(options.mode, MODES, 'mode');
    this.policy = compilePolicy(options.policy === undefined ? 'linux:layer2' : options.policy);
    this.clock = options.clock === undefined ? Date.now : checkFunction(options.clock, 'clock');
    const ports = checkArray(options.ports, 'ports');
    if (ports.length > S.PORT_LIMIT) throw new OutOfRangeError(`Expected at most ${S.PORT_LIMIT} ports in a team, got ${ports.length}`);
    this.capacity = Math.max(4, ports.length);
    this.primary = options.primary === undefined ? null : checkString(options.primary, 'primary');
    this.reselect = options.reselect === undefined ? 'always' : checkOneOf(options.reselect, ['always', 'better', 'failure'] as const, 'reselect');
    this.ppp = options.packetsPerPort === undefined ? 1 : checkInt(options.packetsPerPort, 1, 0xffffffff, 'packetsPerPort');
    const balance = this.mode === 'balance' || this.mode === 'lacp';
    if (!balance && options.selector !== undefined)
      throw new InvalidArgumentError(`Expected no selector in mode ${this.mode} (a selector applies to modes balance and lacp), got ${describe(options.selector)}`);
    this.selector = balance ? new SelectorState(selectorOptions(options.selector === undefined ? 'modulo' : options.selector), this.capacity) : null;
    this.conv = this.mode === 'same-port' ? this.makeConversations(options.samePort === undefined ? {} : options.samePort) : null;
    this.stats = new Float64Array(2 * this.capacity + (this.selector?.extraStats ?? 0));
    this.rx = new Float64Array(2 * this.capacity);
    for (const p of ports) this.insert(typeof p === 'string' ? { name: p } : (p as TeamPortOptions));
    if (this.primary !== null && !this.recs.some((r) => r.name === this.primary))
      throw new InvalidArgumentError(`Expected primary to name a port, got ${describe(this.primary)}`);
    this.refresh();
  }

  private makeConversations(o: SamePortOptions) {
    checkOptions(o, ['key', 'capacity', 'maxIdle'], 'samePort');
    const key = o.key === undefined ? 'mac' : checkOneOf(o.key, ['mac', 'flow'] as const, 'samePort.key');
    const capacity = o.capacity === undefined ? 65536 : checkInt(o.capacity, S.CONV_WAYS, 1 << 24, 'samePort.capacity');
    if (capacity & (capacity - 1)) throw new OutOfRangeError(`Expected samePort.capacity to be a power of two, got ${capacity}`);
    const maxIdle = o.maxIdle === undefined ? 300_000 : checkInt(o.maxIdle, 0, 0x7fffffff, 'samePort.maxIdle');
    const spec = new Uint32Array(S.SEL_LEN);
    spec[S.SEL_KIND] = S.SK_SAME_PORT;
    spec[S.SEL_BUCKETS] = capacity;
    spec[S.SEL_MAXIDLE] = maxIdle;
    spec[S.SEL_FLAGS] = (key === 'flow' ? S.SF_FLOW_KEY : 0) | S.SF_COUNT;
    spec[S.SEL_PORTS] = this.capacity;
    const table = this.convTable(capacity);
    for (let i = conv_base(this.capacity) + 2; i < table.length; i += S.CONV_WORDS) table[i] = S.PORT_NONE;
    return { spec, table, stats: new Float64Array(2 * this.capacity + S.CONV_STATS) };
  }

  /**
   * A conversation table for the current port capacity: the port words, then
   * the sets, placed so every set is one cache line (a large table's lookup
   * is then one miss) and, when large, on huge pages where the OS has them.
   */
  private convTable(slots: number): Uint32Array {
    const words = conv_base(this.capacity) + slots * S.CONV_WORDS;
    const bytes = new Uint8Array(4 * words + 64);
    return new Uint32Array(bytes.buffer, this.backend.placeTable(bytes), words);
  }

  // ---- ports -----------------------------------------------------------------

  /** The ports, in team order (the order they were added). */
  get ports(): TeamPort[] {
    return this.recs.map((r) => this.view(r));
  }

  /** A port by id (as selectBatch returns them). */
  port(id: number): TeamPort | undefined {
    if (typeof id !== 'number' || !Number.isInteger(id)) throw new InvalidArgumentError(`Expected a port id (an integer), got ${describe(id)}`);
    const r = this.recs.find((x) => x.id === id);
    return r && this.view(r);
  }

  /** active-backup: the active port, or null. */
  get activePort(): TeamPort | null {
    return this.active === NO_PORT ? null : this.port(this.active) ?? null;
  }

  private view(r: PortRec): TeamPort {
    return Object.freeze({ id: r.id, name: r.name, weight: r.weight, up: r.up, distributing: r.distributing, usable: this.usable(r) });
  }

  private usable(r: PortRec): boolean {
    return r.up && (this.mode !== 'lacp' || r.distributing);
  }

  private rec(name: string): PortRec {
    const r = this.recs.find((x) => x.name === name);
    if (!r) throw new InvalidArgumentError(`Expected the name of a port of this team (${this.recs.map((x) => x.name).join(', ')}), got ${describe(name)}`);
    return r;
  }

  private insert(o: TeamPortOptions): PortRec {
    checkOptions(o, ['name', 'weight', 'up', 'distributing'], 'port');
    if (typeof o.name !== 'string' || o.name === '') throw new InvalidArgumentError(`Expected a port name (a non-empty string), got ${describe(o.name)}`);
    if (this.recs.some((r) => r.name === o.name)) throw new InvalidArgumentError(`Expected a port name not already in the team, got ${JSON.stringify(o.name)}`);
    if (this.recs.length >= S.PORT_LIMIT) throw new OutOfRangeError(`Expected at most ${S.PORT_LIMIT} ports in a team, got one more`);
    // every check before anything changes
    const weight = o.weight === undefined ? 1 : checkWeight(o.weight);
    const up = o.up === undefined ? true : checkBoolean(o.up, 'up');
    const distributing = o.distributing === undefined ? false : checkBoolean(o.distributing, 'distributing');
    const used = new Set(this.recs.map((r) => r.id));
    let id = 0;
    while (used.has(id)) id++;
    if (id >= this.capacity) this.grow(Math.max(id + 1, this.capacity * 2));
    const r: PortRec = { id, name: o.name, weight, up, distributing, enabledSeq: this.seq++ };
    this.recs.push(r);
    return r;
  }

  private grow(capacity: number): void {
    const extra = this.selector?.extraStats ?? 0;
    const old = this.stats, oldRx = this.rx, oldCap = this.capacity;
    this.capacity = Math.min(capacity, S.PORT_LIMIT);
    this.stats = new Float64Array(2 * this.capacity + extra);
    this.stats.set(old.subarray(0, oldCap));
    this.stats.set(old.subarray(oldCap, 2 * oldCap), this.capacity);
    this.stats.set(old.subarray(2 * oldCap), 2 * this.capacity);
    this.rx = new Float64Array(2 * this.capacity);
    this.rx.set(oldRx.subarray(0, oldCap));
    this.rx.set(oldRx.subarray(oldCap), this.capacity);
    this.selector?.grow(this.capacity);
    if (this.conv) {
      const c = this.conv, slots = c.spec[S.SEL_BUCKETS];
      const table = this.convTable(slots);
      table.set(c.table.subarray(0, oldCap));
      table.set(c.table.subarray(conv_base(oldCap)), conv_base(this.capacity));
      const stats = new Float64Array(2 * this.capacity + S.CONV_STATS);
      stats.set(c.stats.subarray(0, oldCap));
      stats.set(c.stats.subarray(oldCap, 2 * oldCap), this.capacity);
      stats.set(c.stats.subarray(2 * oldCap), 2 * this.capacity);
      c.table = table;
      c.stats = stats;
      c.spec[S.SEL_PORTS] = this.capacity;
    }
  }

  /** Link up or down. */
  setPortUp(name: string, up: boolean): ChangeEvent | null {
    const r = this.rec(name);
    if (r.up === checkBoolean(up, 'up')) return null;
    return this.change(up ? 'up' : 'down', r, () => {
      r.up = up;
      if (up) r.enabledSeq = this.seq++;
    });
  }

  /** lacp mode: LACP put the port in (or took it out of) the distributing state. */
  setDistributing(name: string, distributing: boolean): ChangeEvent | null {
    const r = this.rec(name);
    if (r.distributing === checkBoolean(distributing, 'distributing')) return null;
    return this.change('distributing', r, () => {
      r.distributing = distributing;
      if (distributing) r.enabledSeq = this.seq++;
    });
  }

  addPort(port: string | TeamPortOptions): ChangeEvent | null {
    const o = typeof port === 'string' ? { name: port } : port;
    let added: PortRec | null = null;
    return this.change('add', null, () => {
      added = this.insert(o);
    }, () => added);
  }

  removePort(name: string): ChangeEvent | null {
    const r = this.rec(name);
    const ev = this.change('remove', r, () => {
      this.recs = this.recs.filter((x) => x !== r);
    });
    this.clearCounters(r.id);
    return ev;
  }

  setWeight(name: string, weight: number): ChangeEvent | null {
    const r = this.rec(name);
    const w = checkWeight(weight);
    if (r.weight === w) return null;
    return this.change('weight', r, () => {
      r.weight = w;
    });
  }

  private clearCounters(id: number): void {
    for (const a of [this.stats, this.rx]) {
      a[id] = 0;
      a[this.capacity + id] = 0;
    }
    if (this.conv) {
      this.conv.stats[id] = 0;
      this.conv.stats[this.capacity + id] = 0;
    }
  }

  // ---- changes -----------------------------------------------------------------

  /** Subscribe to change reports or to the end of holds; returns the unsubscribe function. */
  on(event: 'change', listener: Listener): () => void;
  on(event: 'release', listener: ReleaseListener): () => void;
  on(event: 'change' | 'release', listener: Listener | ReleaseListener): () => void {
    checkOneOf(event, ['change', 'release'], 'event');
    checkFunction(listener, 'listener');
    if (event === 'change') {
      const l = listener as Listener;
      this.listeners.push(l);
      return () => {
        this.listeners = this.listeners.filter((x) => x !== l);
      };
    }
    const l = listener as ReleaseListener;
    this.releaseListeners.push(l);
    return () => {
      this.releaseListeners = this.releaseListeners.filter((x) => x !== l);
    };
  }

  // ---- holds -------------------------------------------------------------------

  /** balance and lacp: hold the frames of conversations that a change moves off a port that stays usable (see HOLD). */
  holdMoves(on: boolean): void {
    if (!this.selector) throw new InvalidArgumentError(`Expected a team in mode balance or lacp for holding moves, got mode ${this.mode}`);
    this.holding = checkBoolean(on, 'on');
  }

  /** End a hold: its frames select their new ports. Returns false when no such hold is pending. */
  release(hold: number, reason = 'released'): boolean {
    checkInt(hold, 1, Number.MAX_SAFE_INTEGER, 'hold');
    checkString(reason, 'reason');
    const i = this.holds.findIndex((h) => h.id === hold);
    if (i < 0) return false;
    this.holds.splice(i, 1);
    this.holdCounts.released++;
    const ev: ReleaseEvent = { hold, reason };
    for (const l of this.releaseListeners) l(ev);
    return true;
  }

  holdStats(): HoldStats {
    return { pending: this.holds.length, ...this.holdCounts };
  }

  /** After a change: a hold on the ports that lose traffic and stay usable. */
  private addHold(ev: ChangeEvent, before: { spec: Uint32Array; table: Uint32Array } | null): void {
    if (!before) return;
    const from = new Set<number>();
    for (const m of ev.shares) {
      if (m.from === null || m.from === m.to || !(m.share > 0)) continue;
      const r = this.recs.find((x) => x.name === m.from);
      if (r && this.usable(r)) from.add(r.id);
    }
    if (!from.size) return;
    const id = ++this.holdSeq;
    this.holds.push({ id, spec: before.spec, table: before.table, from });
    this.holdCounts.holds++;
    ev.hold = { id, from: [...from].map((x) => this.nameOf(x)!) };
  }

  /** HOLD for frames that leave a held port; they are not counted as sent. */
  private applyHolds(batch: FrameBatch, o: Uint16Array): void {
    const n = batch.count;
    if (this.holdScratch.length < n) this.holdScratch = new Uint16Array(n);
    const old = this.holdScratch;
    for (const h of this.holds) {
      this.run(batch, h.spec, h.table, null, old);  // no counters: a what-if
      for (let i = 0; i < n; i++) {
        const p = o[i];
        if (p === HOLD || p === old[i] || !h.from.has(old[i])) continue;
        if (p < this.capacity) {
          this.stats[p] -= 1;
          this.stats[this.capacity + p] -= batch.lengths[i];
        }
        o[i] = HOLD;
        this.holdCounts.heldFrames++;
        this.holdCounts.heldBytes += batch.lengths[i];
      }
    }
  }

  private selPorts(): SelPort[] {
    return this.recs.map((r) => ({ id: r.id, name: r.name, weight: r.weight, usable: this.usable(r), enabledSeq: r.enabledSeq }));
  }

  private nameOf(id: number | null): string | null {
    return id === null ? null : this.recs.find((r) => r.id === id)?.name ?? null;
  }

  /** Apply a mutation, bring the mode's state in line, report what moved. */
  private change(type: ChangeType, r: PortRec | null, mutate: () => void, subject: () => PortRec | null = () => r): ChangeEvent | null {
    const names = new Map(this.recs.map((x) => [x.id, x.name]));
    // one snapshot serves the change report and, when holding, the hold
    const snapshot = this.selector?.frozen() ?? null;
    const before = snapshot && this.selector!.decoded(snapshot);
    const frozen = this.holding ? snapshot : null;
    const beforeActive = this.active;
    mutate();
    for (const x of this.recs) names.set(x.id, x.name);
    const moves = this.refresh();
    const name = (id: number | null) => (id === null ? null : names.get(id) ?? null);
    let shares: ChangeEvent['shares'] = [];
    if (this.selector && before && !this.selector.buckets) {
      shares = shareMoves(before, this.selector.decoded()).map((m) => ({ from: name(m.from), to: name(m.to), share: m.share }));
    } else if (this.selector && moves.length) {
      const B = this.selector.buckets;
      const acc = new Map<string, { from: string | null; to: string | null; share: number }>();
      for (const m of moves) {
        const k = `${m.from}>${m.to}`;
        const e = acc.get(k) ?? { from: name(m.from), to: name(m.to), share: 0 };
        e.share += 1 / B;
        acc.set(k, e);
      }
      shares = [...acc.values()];
    } else if (this.mode === 'active-backup' && beforeActive !== this.active) {
      shares = [{ from: name(beforeActive === NO_PORT ? null : beforeActive), to: name(this.active === NO_PORT ? null : this.active), share: 1 }];
    }
    const subj = subject();
    const ev: ChangeEvent = {
      type, port: subj ? subj.name : null,
      buckets: moves.map((m) => ({ bucket: m.bucket, from: name(m.from), to: name(m.to) })),
      shares,
    };
    this.addHold(ev, frozen);
    for (const l of this.listeners) l(ev);
    return ev;
  }

  /** Bring selector / active port / usable sets in line with the ports. */
  private refresh(): { bucket: number; from: number | null; to: number | null }[] {
    const now = this.now();
    let moves: { bucket: number; from: number | null; to: number | null }[] = [];
    if (this.selector) {
      const bytes = this.selector.buckets ? this.stats.subarray(2 * this.capacity) : null;
      moves = this.selector.update(this.selPorts(), now, bytes);
    }
    if (this.mode === 'active-backup') this.chooseActive();
    if (this.conv) {
      const usable = this.recs.filter((r) => this.usable(r));
      const t = this.conv.table;
      t.fill(0, 0, this.capacity);
      for (const r of usable) t[r.id] = 1;
      this.conv.spec[S.SEL_COUNT] = usable.length;
      this.conv.spec[S.SEL_FIRST] = usable.length ? usable[0].id : 0;
    }
    return moves;
  }

  private chooseActive(): void {
    const usable = this.recs.filter((r) => this.usable(r));
    const cur = this.recs.find((r) => r.id === this.active);
    const primary = this.recs.find((r) => r.name === this.primary);
    const primaryUp = primary !== undefined && this.usable(primary);
    if (!cur || !this.usable(cur)) {
      this.active = primaryUp ? primary!.id : usable.length ? usable[0].id : NO_PORT;
      return;
    }
    if (!primaryUp || cur === primary) return;
    if (this.reselect === 'always' || (this.reselect === 'better' && primary!.weight > cur.weight)) this.active = primary!.id;
  }

  private now(): number {
    return Math.floor(this.clock()) >>> 0;
  }

  // ---- transmit ----------------------------------------------------------------

  /** The port of every frame (out[i] for frame i): a port id, NO_PORT or, in broadcast mode, BROADCAST. */
  selectBatch(batch: FrameBatch, out?: Uint16Array): Uint16Array {
    checkBatch(batch);
    const o = out === undefined ? new Uint16Array(batch.count) : checkTyped<Uint16Array>(out, Uint16Array, 'out');
    if (o.length < batch.count) throw new InvalidArgumentError(`Expected out to have room for ${batch.count} ports, got length ${o.length}`);
    // the modes that do not hash check the frames too: no frame outside data is sent or counted
    if (this.mode === 'active-backup' || this.mode === 'broadcast' || this.mode === 'round-robin') checkBounds(batch);
    switch (this.mode) {
      case 'balance': case 'lacp': {
        const sel = this.selector!;
        sel.spec[S.SEL_NOW] = this.now();
        sel.spec[S.SEL_FLAGS] |= S.SF_COUNT;
        this.run(batch, sel.spec, sel.table, this.stats, o);
        if (this.holds.length) this.applyHolds(batch, o);
        break;
      }
      case 'same-port': {
        const c = this.conv!;
        c.spec[S.SEL_NOW] = this.now();
        this.run(batch, c.spec, c.table, c.stats, o);
        break;
      }
      case 'active-backup':
        o.fill(this.active, 0, batch.count);
        this.countAll(batch, this.active === NO_PORT ? [] : [this.active]);
        break;
      case 'broadcast': {
        const usable = this.recs.filter((r) => this.usable(r)).map((r) => r.id);
        o.fill(usable.length ? BROADCAST : NO_PORT, 0, batch.count);
        this.countAll(batch, usable);
        break;
      }
      case 'round-robin':
        this.roundRobin(batch, o);
        break;
    }
    return o;
  }

  private run(batch: FrameBatch, spec: Uint32Array, table: Uint32Array, stats: Float64Array | null, o: Uint16Array): void {
    const r = this.backend.select(batch.data, batch.offsets, batch.stride, batch.lengths, batch.linkType, batch.linkTypes, 0, batch.count,
      this.policy.spec, this.policy.tables, spec, table, stats, o);
    if (r >= 0) throw boundsError(batch, r);
  }

  private countAll(batch: FrameBatch, ids: number[]): void {
    let bytes = 0;
    for (let i = 0; i < batch.count; i++) bytes += batch.lengths[i];
    for (const id of ids) {
      this.stats[id] += batch.count;
      this.stats[this.capacity + id] += bytes;
    }
  }

  private roundRobin(batch: FrameBatch, o: Uint16Array): void {
    const usable = this.recs.filter((r) => this.usable(r)).map((r) => r.id);
    if (!usable.length) {
      o.fill(NO_PORT, 0, batch.count);
      return;
    }
    const n = usable.length, ppp = this.ppp;
    for (let i = 0; i < batch.count; i++) {
      const id = usable[Math.floor((this.rr + i) / ppp) % n];
      o[i] = id;
      this.stats[id] += 1;
      this.stats[this.capacity + id] += batch.lengths[i];
    }
    this.rr = (this.rr + batch.count) % (n * ppp);
  }

  /** The port one frame goes out on. */
  select(frame: Uint8Array, linkType: number = S.LINK_ETHERNET): number {
    checkTyped(frame, Uint8Array, 'frame');
    checkLinkType(linkType);
    return this.selectBatch(FrameBatch.fromBuffers([frame], { linkType }))[0];
  }

  // ---- receive -----------------------------------------------------------------

  /**
   * Frames received: frame i arrived on port arrival[i] (an id). Counted per
   * port; in same-port mode each frame's conversation moves to its arrival port.
   */
  receive(batch: FrameBatch, arrival: Uint16Array | readonly number[]): void {
    checkBatch(batch);
    if (!Array.isArray(arrival)) checkTyped(arrival, Uint16Array, 'arrival (a Uint16Array or an array of port ids)');
    const given = arrival as ArrayLike<unknown>;
    if (given.length < batch.count) throw new InvalidArgumentError(`Expected an arrival port for each of the ${batch.count} frames, got ${given.length}`);
    const ids = new Set(this.recs.map((r) => r.id));
    for (let i = 0; i < batch.count; i++)
      if (!ids.has(given[i] as number)) throw new InvalidArgumentError(`Expected frame ${i}'s arrival port to be a port id of this team, got ${describe(given[i])}`);
    const a = arrival instanceof Uint16Array ? arrival : Uint16Array.from(arrival);
    if (!this.conv) checkBounds(batch);
    if (this.conv) {
      const c = this.conv;
      c.spec[S.SEL_NOW] = this.now();
      const r = this.backend.learn(batch.data, batch.offsets, batch.stride, batch.lengths, batch.linkType, batch.linkTypes, 0, batch.count, c.spec, c.table, c.stats, a);
      if (r >= 0) throw boundsError(batch, r);
    }
    for (let i = 0; i < batch.count; i++) {
      this.rx[a[i]] += 1;
      this.rx[this.capacity + a[i]] += batch.lengths[i];
    }
  }

  // ---- counters ------------------------------------------------------------------

  /** Frames and bytes sent and received per port. */
  portStats(): PortStats[] {
    const tx = this.conv ? this.conv.stats : this.stats;
    return this.recs.map((r) => ({
      name: r.name, txFrames: tx[r.id], txBytes: tx[this.capacity + r.id], rxFrames: this.rx[r.id], rxBytes: this.rx[this.capacity + r.id],
    }));
  }

  /** Bytes sent per bucket (table, resilient) or per hash byte (team), or null. */
  bucketBytes(): Float64Array | null {
    return this.selector && this.selector.extraStats ? this.stats.slice(2 * this.capacity) : null;
  }

  /** The port of each bucket (table, resilient), as names. */
  bucketPorts(): (string | null)[] | null {
    const sel = this.selector;
    if (!sel || !sel.buckets) return null;
    return Array.from(sel.table.subarray(0, sel.buckets), (id) => (id === S.PORT_NONE ? null : this.nameOf(id)));
  }

  /** Same-port: the conversation table's counters. */
  conversations(): ConversationStats | null {
    const c = this.conv;
    if (!c) return null;
    const now = this.now(), maxIdle = c.spec[S.SEL_MAXIDLE], t = c.table;
    let live = 0;
    for (let i = conv_base(this.capacity); i < t.length; i += S.CONV_WORDS) if (t[i + 2] !== S.PORT_NONE && ((now - t[i + 3]) >>> 0) <= maxIdle) live++;
    const st = c.stats, k = 2 * this.capacity;
    return { capacity: c.spec[S.SEL_BUCKETS], live, inserted: st[k], evicted: st[k + 1], expired: st[k + 2], moved: st[k + 3] };
  }

  // ---- upkeep and rebalancing ------------------------------------------------------

  /**
   * resilient selector upkeep (nh_res_table_upkeep): move the buckets of
   * overweight ports that have become idle, or all of them once the table has
   * been unbalanced for unbalancedTimer. Call it periodically (Linux re-runs
   * it at the next idle or unbalanced deadline, at most twice a second).
   */
  tick(): ChangeEvent | null {
    const sel = this.selector;
    if (!sel || sel.options.kind !== 'resilient') return null;
    const now = this.now();
    return this.applyMoves('upkeep', () => sel.upkeep(this.selPorts().filter((p) => p.usable), now, false));
  }

  /**
   * Move load between ports from the bytes counted per bucket or hash byte,
   * the way the reproduced balancers do:
   *   table: Open vSwitch's bond_rebalance(): while the most loaded port
   *     carries more than minBytes and more than 1/32 above the least loaded,
   *     move the first bucket (ascending) of the most loaded port that brings
   *     the least loaded at least a tenth of the way to the midpoint; then
   *     halve every bucket's counter. Loads are per unit of weight.
   *   team: teamd's tx_balancer: every hash byte, busiest first, to the port
   *     with the least load so far (hash bytes already mapped that carried
   *     nothing stay); the counters restart from 0.
   * A resilient selector balances by its own rules (tick()).
   */
  rebalance(options: RebalanceOptions = {}): ChangeEvent | null {
    checkOptions(options, ['minBytes'], 'rebalance options');
    const sel = this.selector;
    const kind = sel?.options.kind;
    if (!sel || (kind !== 'table' && kind !== 'team'))
      throw new InvalidArgumentError(`Expected a team with a table or team selector (balance or lacp mode) to rebalance, got one in mode ${this.mode}${sel ? ` with the ${kind} selector` : ''}`);
    const minBytes = options.minBytes === undefined ? 100_000 : checkNumber(options.minBytes, 0, Number.MAX_VALUE, 'minBytes');
    const bytes = this.stats.subarray(2 * this.capacity);
    const usable = this.recs.filter((r) => this.usable(r));
    if (kind === 'team') {
      const ev = this.applyMoves('rebalance', () => this.teamdRebalance(sel, bytes, usable));
      bytes.fill(0);
      return ev;
    }
    const ev = this.applyMoves('rebalance', () => this.ovsRebalance(sel, bytes, usable, minBytes));
    for (let b = 0; b < bytes.length; b++) bytes[b] = Math.floor(bytes[b] / 2);
    return ev;
  }

  private applyMoves(type: ChangeType, moveFn: () => { bucket: number; from: number | null; to: number | null }[]): ChangeEvent | null {
    const frozen = this.holding ? this.selector!.frozen() : null;
    const moves = moveFn();
    if (!moves.length) return null;
    const B = this.selector!.buckets || S.TEAM_HTPM_LEN;
    const acc = new Map<string, { from: string | null; to: string | null; share: number }>();
    for (const m of moves) {
      const k = `${m.from}>${m.to}`;
      const e = acc.get(k) ?? { from: this.nameOf(m.from), to: this.nameOf(m.to), share: 0 };
      e.share += 1 / B;
      acc.set(k, e);
    }
    const ev: ChangeEvent = {
      type, port: null, buckets: moves.map((m) => ({ bucket: m.bucket, from: this.nameOf(m.from), to: this.nameOf(m.to) })), shares: [...acc.values()],
    };
    this.addHold(ev, frozen);
    for (const l of this.listeners) l(ev);
    return ev;
  }

  /** Open vSwitch bond_rebalance() over the table selector's buckets. */
  private ovsRebalance(sel: SelectorState, bytes: Float64Array, usable: PortRec[], minBytes: number) {
    const moves: { bucket: number; from: number | null; to: number | null }[] = [];
    const load = new Map(usable.map((r) => [r.id, 0]));
    const entries = new Map<number, number[]>(usable.map((r) => [r.id, []]));
    for (let b = 0; b < sel.buckets; b++) {
      const id = sel.table[b];
      if (bytes[b] > 0 && load.has(id)) {
        load.set(id, load.get(id)! + bytes[b]);
        entries.get(id)!.push(b);
      }
    }
    const rel = (r: PortRec) => load.get(r.id)! / r.weight;
    const bals = [...usable].sort((a, b) => rel(b) - rel(a) || this.recs.indexOf(a) - this.recs.indexOf(b));
    const resort = () => bals.sort((a, b) => rel(b) - rel(a) || this.recs.indexOf(a) - this.recs.indexOf(b));
    while (bals.length >= 2) {
      const from = bals[0], to = bals[bals.length - 1];
      const hi = rel(from), lo = rel(to), overload = hi - lo;
      if (overload < Math.floor(lo / 32) || overload < minBytes) break;
      // choose_entry_to_migrate(): the first entry that narrows the gap by a tenth of the way to the ideal
      const list = entries.get(from.id)!;
      let pick = -1;
      if (list.length > 1) {
        const ideal = Math.floor((hi + lo) / 2);
        for (let i = 0; i < list.length; i++) {
          const delta = bytes[list[i]];
          const newLow = Math.min(hi - delta / from.weight, lo + delta / to.weight);
          if (newLow > lo && newLow - lo >= Math.floor((ideal - lo) / 10)) {
            pick = i;
            break;
          }
        }
      }
      if (pick < 0) {
        bals.shift();
        continue;
      }
      const b = list.splice(pick, 1)[0];
      load.set(from.id, load.get(from.id)! - bytes[b]);
      load.set(to.id, load.get(to.id)! + bytes[b]);
      sel.table[b] = to.id;
      moves.push({ bucket: b, from: from.id, to: to.id });
      resort();
    }
    return moves;
  }

  /** teamd tb_rebalance(): greedy largest-first assignment of the 256 hash bytes. */
  private teamdRebalance(sel: SelectorState, delta: Float64Array, usable: PortRec[]) {
    const moves: { bucket: number; from: number | null; to: number | null }[] = [];
    if (!usable.length) return moves;
    const before = sel.decoded();
    if (!(sel.spec[S.SEL_FLAGS] & S.SF_HTPM)) sel.spec[S.SEL_FLAGS] |= S.SF_HTPM;  // lb_tx_method hash_to_port_mapping
    const htpm = sel.htpm!;
    // teamd keeps its ports newest first (list_add): ties go to the port added last
    const ports = [...usable].reverse();
    const assigned = new Map(ports.map((r) => [r.id, 0]));
    const order = Array.from({ length: S.TEAM_HTPM_LEN }, (_, h) => h).sort((a, b) => delta[b] - delta[a] || a - b);
    for (const h of order) {
      if (htpm[h] !== S.PORT_NONE && delta[h] === 0) continue;  // do not remap zero-delta hashes
      let to = ports[0];
      for (const r of ports) if (assigned.get(r.id)! < assigned.get(to.id)!) to = r;
      const from = select_hash(before, h, 0);
      htpm[h] = to.id;
      assigned.set(to.id, assigned.get(to.id)! + delta[h]);
      if (from !== to.id) moves.push({ bucket: h, from: from === NO_PORT ? null : from, to: to.id });
    }
    return moves;
  }
}
