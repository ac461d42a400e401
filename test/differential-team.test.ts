/**
 * The differential test for Teams: the same random sequence of sends,
 * receives, failures, recoveries, additions, removals, weight changes, clock
 * steps, upkeep and rebalancing is run on a Team over the native addon and on
 * one over the TypeScript twin; every output, counter, table and change
 * report must be identical. Every mode and selector kind, both same-port keys,
 * tables small enough to evict and idle times short enough to expire.
 *
 * LAGHASH_DIFF_TEAM_RUNS sets the number of random sequences (default 300).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../lib/backend.js';
import { FrameBatch } from '../lib/batch.js';
import { compileSelector, hashBatchWith, selectBatchWith, type StaticSelector } from '../lib/hash.js';
import { getBackend } from '../lib/native.js';
import type { SelectorOptions } from '../lib/selectors.js';
import { Team, type ChangeEvent, type TeamMode, type TeamOptions } from '../lib/team.js';
import { anyFrame, structuredFrame, type LinkedFrame } from './helpers/arbitrary.js';
import { nativeAvailable } from './helpers/backends.js';
import { toHex } from './helpers/frames.js';

const RUNS = Number(process.env.LAGHASH_DIFF_TEAM_RUNS ?? 300);
const POLICIES = ['linux:layer2', 'linux:layer3+4', 'dpdk:l34', 'team', 'src-dst-ip-port', 'rss:toeplitz'];
const MODES: TeamMode[] = ['balance', 'lacp', 'active-backup', 'round-robin', 'broadcast', 'same-port'];

const selectorArb: fc.Arbitrary<SelectorOptions> = fc.oneof(
  fc.constant<SelectorOptions>({ kind: 'modulo' }),
  fc.constant<SelectorOptions>({ kind: 'team' }),
  fc.constantFrom(1, 2, 8, 64, 256).map((buckets): SelectorOptions => ({ kind: 'table', buckets })),
  fc.record({ buckets: fc.integer({ min: 1, max: 96 }), idleTimer: fc.integer({ min: 0, max: 40 }), unbalancedTimer: fc.integer({ min: 0, max: 80 }) })
    .map((o): SelectorOptions => ({ kind: 'resilient', ...o })),
  fc.constantFrom(0, 1, 16, 4096).map((buckets): SelectorOptions => ({ kind: 'rendezvous', buckets })),
);

const optionsArb: fc.Arbitrary<TeamOptions> = fc.record({
  mode: fc.constantFrom(...MODES),
  policy: fc.constantFrom(...POLICIES),
  selector: selectorArb,
  ports: fc.array(fc.record({ weight: fc.integer({ min: 1, max: 5 }), up: fc.boolean(), distributing: fc.boolean() }), { minLength: 0, maxLength: 6 })
    .map((ps) => ps.map((p, i) => ({ name: `p${i}`, ...p }))),
  primary: fc.option(fc.constantFrom('p0', 'p1'), { nil: undefined }),
  reselect: fc.constantFrom('always' as const, 'better' as const, 'failure' as const),
  packetsPerPort: fc.integer({ min: 1, max: 4 }),
  samePort: fc.record({ key: fc.constantFrom('mac' as const, 'flow' as const), capacity: fc.constantFrom(8, 16, 64), maxIdle: fc.integer({ min: 0, max: 60 }) }),
}).map((o) => {
  const balance = o.mode === 'balance' || o.mode === 'lacp';
  return { ...o, selector: balance ? o.selector : undefined, primary: o.primary !== undefined && o.ports.some((p) => p.name === o.primary) ? o.primary : undefined };
});

type Op =
  | { op: 'send'; frames: number[] }
  | { op: 'receive'; frames: number[]; ports: number[] }
  | { op: 'up' | 'distributing'; port: number; on: boolean }
  | { op: 'add'; weight: number }
  | { op: 'remove'; port: number }
  | { op: 'weight'; port: number; weight: number }
  | { op: 'clock'; dt: number }
  | { op: 'tick' }
  | { op: 'rebalance'; minBytes: number };

const idx = fc.nat(1000);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('send' as const), frames: fc.array(idx, { minLength: 1, maxLength: 40 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('receive' as const), frames: fc.array(idx, { minLength: 1, maxLength: 20 }), ports: fc.array(idx, { minLength: 20, maxLength: 20 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('up' as const, 'distributing' as const), port: idx, on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('add' as const), weight: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), port: idx }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('weight' as const), port: idx, weight: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('clock' as const), dt: fc.integer({ min: 0, max: 50 }) }) },
  { weight: 1, arbitrary: fc.constant<Op>({ op: 'tick' }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rebalance' as const), minBytes: fc.constantFrom(0, 100, 100_000) }) },
);

/** The frame as its peer would send it back: MAC addresses swapped (Ethernet only). */
function reply(f: LinkedFrame): LinkedFrame {
  if (f.link !== 1 || f.bytes.length < 12) return f;
  const b = f.bytes.slice();
  b.set(f.bytes.subarray(0, 6), 6);
  b.set(f.bytes.subarray(6, 12), 0);
  return { link: f.link, bytes: b };
}

function batchOf(frames: LinkedFrame[]): FrameBatch {
  return FrameBatch.fromBuffers(frames.map((f) => f.bytes), { linkType: Uint16Array.from(frames, (f) => f.link) });
}

/** Everything observable about a team, for comparison. */
function snapshot(t: Team) {
  const conv = (t as unknown as { conv: { table: Uint32Array } | null }).conv;
  return {
    ports: t.ports,
    active: t.activePort?.name ?? null,
    stats: t.portStats(),
    bucketBytes: t.bucketBytes() && Array.from(t.bucketBytes()!),
    bucketPorts: t.bucketPorts(),
    conversations: t.conversations(),
    convTable: conv && Array.from(conv.table),
  };
}

/** Run one op on a team; what it returned (or the error it threw). */
function apply(t: Team, op: Op, pool: LinkedFrame[], clock: { now: number }): unknown {
  const ports = t.ports;
  const name = (i: number) => (ports.length ? ports[i % ports.length].name : 'none');
  try {
    switch (op.op) {
      case 'send': return Array.from(t.selectBatch(batchOf(op.frames.map((i) => pool[i % pool.length]))));
      case 'receive': {
        const frames = op.frames.map((i) => reply(pool[i % pool.length]));
        t.receive(batchOf(frames), frames.map((_, k) => (ports.length ? ports[op.ports[k] % ports.length].id : 0)));
        return null;
      }
      case 'up': return t.setPortUp(name(op.port), op.on);
      case 'distributing': return t.setDistributing(name(op.port), op.on);
      case 'add': return t.addPort({ name: `n${clock.now}-${ports.length}`, weight: op.weight });
      case 'remove': return t.removePort(name(op.port));
      case 'weight': return t.setWeight(name(op.port), op.weight);
      case 'clock': clock.now += op.dt; return null;
      case 'tick': return t.tick();
      case 'rebalance': return t.rebalance({ minBytes: op.minBytes });
    }
  } catch (e) {
    return { error: (e as Error).message };
  }
}

describe.skipIf(!nativeAvailable)(nativeAvailable ? 'native and TypeScript Teams agree' : 'native and TypeScript Teams agree (skipped: native addon not loaded)', () => {
  const nat = nativeAvailable ? getBackend('native') : (null as unknown as Backend);
  const js = getBackend('js');

  it(`over ${RUNS} random sequences of traffic and changes, every mode and selector`, () => {
    fc.assert(
      fc.property(
        optionsArb,
        fc.array(fc.oneof(structuredFrame, anyFrame), { minLength: 4, maxLength: 24 }),
        fc.array(opArb, { minLength: 1, maxLength: 30 }),
        (options, pool, ops) => {
          const clocks = [{ now: 1 }, { now: 1 }];
          const teams = [nat, js].map((b, k) => new Team({ ...options, clock: () => clocks[k].now }, b));
          const events: ChangeEvent[][] = [[], []];
          teams.forEach((t, k) => t.on('change', (e) => events[k].push(e)));
          expect(snapshot(teams[0])).toEqual(snapshot(teams[1]));
          for (const [step, op] of ops.entries()) {
            const [a, b] = teams.map((t, k) => apply(t, op, pool, clocks[k]));
            if (JSON.stringify(a) !== JSON.stringify(b) || JSON.stringify(snapshot(teams[0])) !== JSON.stringify(snapshot(teams[1]))) {
              const frames = 'frames' in op ? op.frames.map((i) => `${pool[i % pool.length].link}:${toHex(pool[i % pool.length].bytes)}`) : [];
              throw new Error(`step ${step} ${JSON.stringify(op)} (${options.mode}): native ${JSON.stringify(a)}, js ${JSON.stringify(b)}\n${frames.join('\n')}`);
            }
          }
          expect(events[0]).toEqual(events[1]);
        },
      ),
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 600_000 + RUNS * 100);

  it('stateless selectors in selectBatch and selectHashes, every kind, on random frames', () => {
    const kinds: StaticSelector[] = [
      { kind: 'modulo', ports: 5 }, { kind: 'team', ports: 3 }, { kind: 'table', ports: 3, buckets: 8 },
      { kind: 'table', ports: ['a', 'b', 'c', 'd'], weights: [10, 25, 25, 40] }, { kind: 'resilient', ports: 6, buckets: 100, weights: [1, 2, 3, 1, 2, 3] },
      { kind: 'rendezvous', ports: ['x', 'y', 'z'], weights: [1, 4, 9] }, { kind: 'rendezvous', ports: 7, buckets: 0, weights: [1, 4, 9, 1, 1, 2, 2] },
    ];
    fc.assert(
      fc.property(fc.array(anyFrame, { minLength: 200, maxLength: 200 }), fc.constantFrom(...POLICIES), (frames, p) => {
        const batch = batchOf(frames);
        const hashes = hashBatchWith(nat, batch, p);
        for (const s of kinds) {
          const direct = Array.from(selectBatchWith(nat, batch, p, s));
          expect(direct).toEqual(Array.from(selectBatchWith(js, batch, p, s)));
          // the same ports from the hashes alone (what-if analysis), in both backends
          const c = compileSelector(s);
          for (const b of [nat, js]) {
            const out = new Uint16Array(batch.count);
            b.selectHashes(hashes, 0, batch.count, c.spec, c.table, out);
            expect(Array.from(out)).toEqual(direct);
          }
        }
      }),
      { numRuns: 50 },
    );
  }, 120_000);
});
