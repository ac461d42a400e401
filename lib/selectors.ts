/**
 * Selector state, kept in TypeScript: the flat spec and table the native pass
 * and the twin read (lib/spec.ts SEL_*), rebuilt or patched on every change
 * of the team's usable ports, and the moves each change causes.
 *
 *   modulo      usable[hash % n]; the usable list in team order, as the Linux
 *               bonding driver rebuilds its usable-slave array. No weights.
 *   team        the team driver: hash byte % enabled ports, the enabled list
 *               in the order ports were enabled (a port enabled again goes
 *               last), and teamd's hash-to-port table when rebalance() has
 *               filled it. No weights.
 *   table       B buckets (a power of two; 8 as EtherChannel, 256 as OVS and
 *               teamd), dealt by smooth weighted round robin in team order
 *               (equal weights: bucket b to usable[b % n], as EtherChannel
 *               maps value mod N: 3 ports 3:3:2). A failure moves only the
 *               failed port's buckets, each to the port least loaded for its
 *               weight; a recovery or addition takes from the ports furthest
 *               over their shares only the buckets the newcomer needs, the
 *               least busy first; a weight change levels every port to within
 *               one bucket of its share. Team.rebalance() moves busy buckets
 *               as Open vSwitch's bond_rebalance() does.
 *   resilient   Linux resilient nexthop groups (net/ipv4/nexthop.c): bucket =
 *               hash % B (default 128; Linux has no default), each port
 *               "wants" a cumulative-rounding share of the buckets by weight in
 *               team order, and upkeep (nh_res_table_upkeep) scans the buckets
 *               in ascending order: a bucket without a usable port moves at
 *               once, a bucket of an overweight port moves once idle for
 *               idleTimer (or never used since it last moved), or when the
 *               table has been unbalanced for unbalancedTimer; it goes to the
 *               last underweight port in team order. Team.tick() runs upkeep.
 *   rendezvous  highest random weight over the usable ports, weighted: only
 *               the failed port's flows move, a new port takes only what it
 *               outscores (its share, statistically). Decided per bucket
 *               (buckets: B, default 4096: bucket = hash & (B - 1) goes to
 *               the winner for the bucket's number, precomputed at each
 *               change, one lookup per frame), or per hash (buckets: 0:
 *               every usable port scored for every frame).
 */
import { InvalidArgumentError, OutOfRangeError, describe } from './errors.js';
import { murmur3_bytes } from './js/murmur3.js';
import { select_hash, selector_decode, type Selector } from './js/select.js';
import * as S from './spec.js';
import { checkInt, checkOptions } from './validate.js';

export type SelectorKind = 'modulo' | 'team' | 'table' | 'resilient' | 'rendezvous';

export interface SelectorOptions {
  kind: SelectorKind;
  /**
   * table: a power of two, 1..65536 (default 256); resilient: 1..65536
   * (default 128); rendezvous: a power of two, 1..65536 (default 4096), the
   * highest random weight decided once per bucket of the hash, or 0 to decide
   * it per hash (every port scored for every frame).
   */
  buckets?: number;
  /** resilient: how long (clock units) a bucket must be unused before it may move for balance. Default 120000 (120 s in ms). */
  idleTimer?: number;
  /** resilient: after this long unbalanced, busy buckets move too; 0 never. Default 0. */
  unbalancedTimer?: number;
}

/** A port as the selectors see it. */
export interface SelPort {
  id: number;
  name: string;
  weight: number;
  usable: boolean;
  /** Team driver order: when the port was last enabled (smaller: earlier). */
  enabledSeq: number;
}

export interface BucketMove {
  bucket: number;
  from: number | null;
  to: number | null;
}

export interface ShareMove {
  from: number | null;
  to: number | null;
  /** The fraction of the hash space that moved this way. */
  share: number;
}

const WEIGHT_MAX = 0xffff;
const DEFAULT_BUCKETS: Record<SelectorKind, number> = { modulo: 0, team: 0, table: 256, resilient: 128, rendezvous: 4096 };

/** Check a selector option object; returns it with defaults filled. */
export function selectorOptions(o: unknown): Required<SelectorOptions> {
  const v = (typeof o === 'string' ? { kind: o } : o) as Partial<SelectorOptions> | null;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new InvalidArgumentError(`Expected a selector name or options, got ${describe(o)}`);
  checkOptions(v, ['kind', 'buckets', 'idleTimer', 'unbalancedTimer'], 'selector options');
  const kinds: SelectorKind[] = ['modulo', 'team', 'table', 'resilient', 'rendezvous'];
  if (!kinds.includes(v.kind as SelectorKind))
    throw new InvalidArgumentError(`Expected selector kind ${kinds.join(', ')}, got ${describe(v.kind)}`);
  const kind = v.kind as SelectorKind;
  const buckets = v.buckets === undefined || !DEFAULT_BUCKETS[kind] ? DEFAULT_BUCKETS[kind] : checkInt(v.buckets, kind === 'rendezvous' ? 0 : 1, 65536, 'buckets');
  if ((v.kind === 'table' || v.kind === 'rendezvous') && buckets & (buckets - 1))
    throw new OutOfRangeError(`Expected buckets of a ${v.kind} selector to be a power of two, got ${buckets}`);
  return {
    kind: v.kind as SelectorKind,
    buckets,
    idleTimer: v.idleTimer === undefined ? 120_000 : checkInt(v.idleTimer, 0, 0x7fffffff, 'idleTimer'),
    unbalancedTimer: v.unbalancedTimer === undefined ? 0 : checkInt(v.unbalancedTimer, 0, 0x7fffffff, 'unbalancedTimer'),
  };
}

export function checkWeight(w: unknown): number {
  return checkInt(w, 1, WEIGHT_MAX, 'weight');
}

/** Per-port seed of rendezvous hashing: from the name, so a port keeps its flows across restarts. */
export function portSeed(name: string): number {
  return murmur3_bytes(new TextEncoder().encode(name), 0x1a6ca5) >>> 0;
}

/** round(log2(1 + i / 1024) * 65536) for i in 0..1023: the rendezvous log table. */
function log2Table(): Uint32Array {
  const t = new Uint32Array(S.RDV_LOG2_LEN);
  for (let i = 0; i < S.RDV_LOG2_LEN; i++) t[i] = Math.round(Math.log2(1 + i / S.RDV_LOG2_LEN) * 65536);
  return t;
}
const LOG2 = log2Table();

/** The state of one selector: its flat form and how it changes. */
export class SelectorState {
  readonly options: Required<SelectorOptions>;
  readonly spec = new Uint32Array(S.SEL_LEN);
  table: Uint32Array;
  /** Buckets (table, resilient, rendezvous over buckets), else 0. */
  readonly buckets: number;
  /** resilient: when the table became unbalanced (clock units), or null. */
  unbalancedSince: number | null = null;
  /** resilient: when each bucket last moved (a bucket unused since is idle). */
  private migratedAt: Uint32Array;
  /** table: the usable ports and their weights at the last update, in team order. */
  private lastUsable = { ids: '', weights: '' };

  constructor(options: SelectorOptions, capacity: number) {
    this.options = selectorOptions(options);
    const k = this.options.kind;
    this.buckets = k === 'table' || k === 'resilient' || k === 'rendezvous' ? this.options.buckets : 0;
    // rendezvous over buckets runs as a table the winners are written into
    this.spec[S.SEL_KIND] = { modulo: S.SK_MODULO, team: S.SK_TEAM, table: S.SK_TABLE, resilient: S.SK_RESILIENT, rendezvous: this.buckets ? S.SK_TABLE : S.SK_RENDEZVOUS }[k];
    this.spec[S.SEL_BUCKETS] = this.buckets;
    this.spec[S.SEL_PORTS] = capacity;
    this.table = new Uint32Array(this.tableLength(capacity));
    if (this.buckets) this.table.fill(S.PORT_NONE, 0, this.buckets);
    if (k === 'team') this.table.fill(S.PORT_NONE);
    if (k === 'resilient') this.spec[S.SEL_FLAGS] |= S.SF_STAMP;  // upkeep reads when each bucket was last used
    this.migratedAt = new Uint32Array(this.buckets);
  }

  private tableLength(capacity: number): number {
    switch (this.options.kind) {
      case 'modulo': return capacity;
      case 'team': return capacity + S.TEAM_HTPM_LEN;
      case 'rendezvous': return this.buckets ? 2 * this.buckets : capacity * S.RDV_WORDS + S.RDV_LOG2_LEN;
      default: return 2 * this.buckets;
    }
  }

  /** Counter words this selector needs besides the per-port ones: bytes per bucket, or per hash byte (team). */
  get extraStats(): number {
    return this.options.kind === 'team' ? S.TEAM_HTPM_LEN : this.buckets;
  }

  /** Grow the port capacity (the table holds per-port entries for some kinds). */
  grow(capacity: number): void {
    const old = this.table;
    this.spec[S.SEL_PORTS] = capacity;
    if (this.options.kind === 'modulo' || (this.options.kind === 'rendezvous' && !this.buckets)) {
      this.table = new Uint32Array(this.tableLength(capacity));
    } else if (this.options.kind === 'team') {
      const count = this.spec[S.SEL_COUNT];
      this.table = new Uint32Array(this.tableLength(capacity)).fill(S.PORT_NONE);
      this.table.set(old.subarray(0, count));
      this.table.set(old.subarray(count, count + S.TEAM_HTPM_LEN), count);
    }
  }

  /** The hash-to-port table of the team selector (a view into the table), or null. */
  get htpm(): Uint32Array | null {
    if (this.options.kind !== 'team' || !(this.spec[S.SEL_FLAGS] & S.SF_HTPM)) return null;
    const count = this.spec[S.SEL_COUNT];
    return this.table.subarray(count, count + S.TEAM_HTPM_LEN);
  }

  /**
   * Bring the selector in line with the ports (in team order) after a change.
   * now: the clock (resilient idleness). Returns the bucket moves (bucket kinds).
   */
  update(ports: readonly SelPort[], now: number, bucketBytes: Float64Array | null): BucketMove[] {
    const usable = ports.filter((p) => p.usable);
    switch (this.options.kind) {
      case 'modulo':
        usable.forEach((p, i) => (this.table[i] = p.id));
        this.spec[S.SEL_COUNT] = usable.length;
        return [];
      case 'team':
        this.updateTeam(usable);
        return [];
      case 'rendezvous':
        if (this.buckets) return this.updateRendezvousBuckets(usable);
        this.updateRendezvous(usable, this.table);
        this.spec[S.SEL_COUNT] = usable.length;
        return [];
      case 'table':
        return this.updateTable(usable, bucketBytes);
      default:
        return this.upkeep(usable, now, false);
    }
  }

  private updateTeam(usable: SelPort[]): void {
    const oldCount = this.spec[S.SEL_COUNT];
    const htpm = this.table.slice(oldCount, oldCount + S.TEAM_HTPM_LEN);
    const enabled = [...usable].sort((a, b) => a.enabledSeq - b.enabledSeq);
    const ids = new Set(enabled.map((p) => p.id));
    enabled.forEach((p, i) => (this.table[i] = p.id));
    this.spec[S.SEL_COUNT] = enabled.length;
    // entries of ports that are no longer enabled are cleared: those hashes fall back to the modulo
    for (let i = 0; i < S.TEAM_HTPM_LEN; i++) if (htpm[i] !== S.PORT_NONE && !ids.has(htpm[i])) htpm[i] = S.PORT_NONE;
    this.table.set(htpm, enabled.length);
  }

  /** The per-hash rendezvous table over the usable ports (ids, weights, seeds, then the log2 table). */
  private updateRendezvous(usable: SelPort[], t: Uint32Array): void {
    usable.forEach((p, i) => {
      t[i * S.RDV_WORDS] = p.id;
      t[i * S.RDV_WORDS + 1] = p.weight;
      t[i * S.RDV_WORDS + 2] = portSeed(p.name);
    });
    t.set(LOG2, usable.length * S.RDV_WORDS);
  }

  /**
   * Rendezvous over buckets: each bucket goes to the port the per-hash
   * rendezvous picks for the bucket's number, so a bucket moves only when its
   * winner fails or a newcomer outscores it.
   */
  private updateRendezvousBuckets(usable: SelPort[]): BucketMove[] {
    const spec = new Uint32Array(S.SEL_LEN), t = new Uint32Array(usable.length * S.RDV_WORDS + S.RDV_LOG2_LEN);
    spec[S.SEL_KIND] = S.SK_RENDEZVOUS;
    spec[S.SEL_COUNT] = usable.length;
    spec[S.SEL_PORTS] = this.spec[S.SEL_PORTS];
    this.updateRendezvous(usable, t);
    const hrw = selector_decode(spec, t, null)!;
    const moves: BucketMove[] = [];
    for (let b = 0; b < this.buckets; b++) {
      const p = select_hash(hrw, b, 0);
      const to = p === S.NO_PORT ? S.PORT_NONE : p;
      if (to !== this.table[b]) moves.push(this.moveBucket(b, to));
    }
    return moves;
  }

  private bucketCounts(usable: SelPort[]): Map<number, number> {
    const counts = new Map(usable.map((p) => [p.id, 0]));
    for (let b = 0; b < this.buckets; b++) {
      const c = counts.get(this.table[b]);
      if (c !== undefined) counts.set(this.table[b], c + 1);
    }
    return counts;
  }

  /** table: deal once; then failed ports' buckets to the least loaded, then the fewest moves to balance. */
  private updateTable(usable: SelPort[], bucketBytes: Float64Array | null): BucketMove[] {
    const B = this.buckets, t = this.table, moves: BucketMove[] = [];
    const ids = usable.map((p) => p.id).join(','), weights = usable.map((p) => p.weight).join(',');
    const weightsOnly = ids === this.lastUsable.ids && weights !== this.lastUsable.weights;
    this.lastUsable = { ids, weights };
    if (!t.subarray(0, B).some((x) => x !== S.PORT_NONE)) {
      this.deal(usable);
      return moves;
    }
    const counts = this.bucketCounts(usable);
    for (let b = 0; b < B; b++) {
      if (t[b] === S.PORT_NONE || counts.has(t[b])) continue;
      if (!usable.length) {
        moves.push(this.moveBucket(b, S.PORT_NONE));
        continue;
      }
      let best = usable[0];  // least loaded for its weight after taking this bucket; ties: team order
      for (const p of usable) if ((counts.get(p.id)! + 1) / p.weight < (counts.get(best.id)! + 1) / best.weight) best = p;
      counts.set(best.id, counts.get(best.id)! + 1);
      moves.push(this.moveBucket(b, best.id));
    }
    if (!usable.length) return moves;
    const W = usable.reduce((s, p) => s + p.weight, 0);
    const share = (p: SelPort) => (B * p.weight) / W;
    // Move a bucket while that brings both ports closer to their shares: to a port a whole
    // bucket or more below its share (no port ends that far below); and, when weights
    // changed (and nothing else), also to any port below its share from one a whole
    // bucket or more above (every port then ends within one bucket of its share). Failures
    // and additions move nothing else: only the failed port's buckets, only to the new one.
    const EPS = 1e-9;

    for (;;) {
      // the receiver: the furthest below its share (ties: team order)
      let receiver: SelPort | null = null, best = EPS;
      for (const p of usable) {
        const d = share(p) - counts.get(p.id)!;
        if (d > best) {
          receiver = p;
          best = d;
        }
      }
      if (!receiver) break;
      // the donor: the port furthest over its share (ties: team order); its least busy bucket
      let donor: SelPort | null = null, most = EPS;
      for (const p of usable) {
        const e = counts.get(p.id)! - share(p);
        if (e > most) {
          donor = p;
          most = e;
        }
      }
      if (!donor || (best < 1 - EPS && (!weightsOnly || most < 1 - EPS))) break;
      let pick = -1;
      for (let b = 0; b < B; b++)
        if (t[b] === donor.id && (pick < 0 || (bucketBytes !== null && bucketBytes[b] < bucketBytes[pick]))) pick = b;
      counts.set(donor.id, counts.get(donor.id)! - 1);
      counts.set(receiver.id, counts.get(receiver.id)! + 1);
      moves.push(this.moveBucket(pick, receiver.id));
    }
    return moves;
  }

  /**
   * resilient: nh_res_group_rebalance() then nh_res_table_upkeep(). force:
   * treat the unbalanced timer as expired.
   */
  upkeep(usable: SelPort[], now: number, force: boolean): BucketMove[] {
    const B = this.buckets, t = this.table, moves: BucketMove[] = [];
    const counts = this.bucketCounts(usable);
    // wants: cumulative rounding (round half up) of B by weight, in team order
    const wants = new Map<number, number>();
    const total = usable.reduce((s, p) => s + p.weight, 0);
    let cum = 0, prev = 0;
    for (const p of usable) {
      cum += p.weight;
      const upper = Math.floor((B * cum + Math.floor(total / 2)) / total);
      wants.set(p.id, upper - prev);
      prev = upper;
    }
    // underweight ports, the last in team order first
    const uw = usable.filter((p) => counts.get(p.id)! < wants.get(p.id)!).reverse();
    if (uw.length && this.unbalancedSince === null) this.unbalancedSince = now;
    const timedOut = force || (this.options.unbalancedTimer > 0 && this.unbalancedSince !== null &&
      ((now - this.unbalancedSince) >>> 0) > this.options.unbalancedTimer);
    for (let b = 0; b < B && uw.length; b++) {
      const cur = t[b];
      const occupied = counts.has(cur);
      if (occupied) {
        if (counts.get(cur)! <= wants.get(cur)!) continue;
        const used = t[B + b];
        const idle = used === this.migratedAt[b] || ((now - used) >>> 0) >= this.options.idleTimer;
        if (!idle && !timedOut) continue;
        counts.set(cur, counts.get(cur)! - 1);
      }
      const to = uw[0];
      counts.set(to.id, counts.get(to.id)! + 1);
      if (counts.get(to.id) === wants.get(to.id)) uw.shift();
      moves.push(this.moveBucket(b, to.id));
      t[B + b] = now;
      this.migratedAt[b] = now;
    }
    if (!usable.length)
      for (let b = 0; b < B; b++) if (t[b] !== S.PORT_NONE) moves.push(this.moveBucket(b, S.PORT_NONE));
    this.unbalancedSince = uw.length ? this.unbalancedSince : null;
    return moves;
  }

  private moveBucket(b: number, to: number): BucketMove {
    const from = this.table[b];
    this.table[b] = to;
    return { bucket: b, from: from === S.PORT_NONE ? null : from, to: to === S.PORT_NONE ? null : to };
  }

  /** table: the initial dealing, smooth weighted round robin over the usable ports in team order. */
  private deal(usable: SelPort[]): void {
    const B = this.buckets, t = this.table;
    if (!usable.length) return;
    const W = usable.reduce((s, p) => s + p.weight, 0);
    const current = usable.map(() => 0);
    for (let b = 0; b < B; b++) {
      let pick = 0;
      for (let i = 0; i < usable.length; i++) {
        current[i] += usable[i].weight;
        if (current[i] > current[pick]) pick = i;
      }
      current[pick] -= W;
      t[b] = usable[pick].id;
    }
  }

  /** A copy of the spec and table that neither counts nor stamps (a snapshot: later changes do not show). */
  frozen(): { spec: Uint32Array; table: Uint32Array } {
    const spec = Uint32Array.from(this.spec);
    spec[S.SEL_FLAGS] &= ~(S.SF_STAMP | S.SF_COUNT);
    return { spec, table: Uint32Array.from(this.table) };
  }

  /** The selector as the twin reads it, over a snapshot (a new one by default). */
  decoded(f: { spec: Uint32Array; table: Uint32Array } = this.frozen()): Selector {
    const s = selector_decode(f.spec, f.table, null);
    if (!s) throw new Error('selector state is inconsistent');
    return s;
  }
}

/**
 * The share of the hash space that moved between two selector states, per
 * (from, to) pair: exact for the team selector (256 hash bytes) and for
 * modulo when the two list lengths have a small common multiple, else
 * measured over 2^18 hashes spread over the 32-bit space.
 */
export function shareMoves(before: Selector, after: Selector): ShareMove[] {
  const acc = new Map<string, ShareMove>();
  const add = (from: number, to: number, w: number) => {
    if (from === to) return;
    const key = `${from}>${to}`;
    const m = acc.get(key) ?? { from: from === S.NO_PORT ? null : from, to: to === S.NO_PORT ? null : to, share: 0 };
    m.share += w;
    acc.set(key, m);
  };
  if (before.kind === S.SK_TEAM && after.kind === S.SK_TEAM) {
    for (let b = 0; b < 256; b++) add(select_hash(before, b, 0), select_hash(after, b, 0), 1 / 256);
  } else if (before.kind === S.SK_MODULO && after.kind === S.SK_MODULO && lcm(before.count || 1, after.count || 1) <= 1 << 22) {
    const L = lcm(before.count || 1, after.count || 1);
    for (let r = 0; r < L; r++) add(select_hash(before, r, 0), select_hash(after, r, 0), 1 / L);
  } else {
    const N = 1 << 18, step = 2 ** 32 / N;
    for (let i = 0; i < N; i++) {
      const h = Math.floor(i * step + step / 2) >>> 0;
      add(select_hash(before, h, 0), select_hash(after, h, 0), 1 / N);
    }
  }
  return [...acc.values()].sort((a, b) => b.share - a.share);
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}
