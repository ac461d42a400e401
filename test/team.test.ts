/**
 * Team modes, counters, change reports and rebalancing, on both backends.
 */
import { describe, expect, it } from 'vitest';
import { FrameBatch } from '../lib/batch.js';
import { selectBatchWith } from '../lib/hash.js';
import { BROADCAST, NO_PORT, Team, type ChangeEvent, type TeamOptions } from '../lib/team.js';
import { backends } from './helpers/backends.js';
import { concat, ethernet, ethIpv4Tcp } from './helpers/frames.js';

const HASH_IS_ETHERTYPE = 'fields?fields=ether-type&hash=xor&l2Fallback=0';

/** A frame from MAC `src` to MAC `dst` (last byte given), hashing to 0x0600 + k under HASH_IS_ETHERTYPE. */
function frame(dst: number, src: number, k = 0, size = 60): Uint8Array {
  const hex = (b: number) => `02:00:00:00:00:${b.toString(16).padStart(2, '0')}`;
  return concat(ethernet(hex(dst), hex(src), 0x0600 + k), new Uint8Array(size - 14));
}

describe.each(backends())('team modes (%s)', (_name, backend) => {
  const team = (o: TeamOptions) => new Team(o, backend);
  const names = (t: Team, out: Uint16Array) => Array.from(out, (id) => (id === NO_PORT ? '-' : id === BROADCAST ? '*' : t.port(id)!.name));

  it('balance: hash and select over the ports that are up, with per-port counters', () => {
    const t = team({ ports: ['a', 'b', 'c'], policy: HASH_IS_ETHERTYPE });
    const batch = FrameBatch.fromBuffers([frame(1, 2, 0), frame(1, 2, 1, 100), frame(1, 2, 2), frame(1, 2, 3, 200)]);
    // 0x600 % 3 = 0
    expect(names(t, t.selectBatch(batch))).toEqual(['a', 'b', 'c', 'a']);
    expect(t.portStats().map((s) => [s.name, s.txFrames, s.txBytes])).toEqual([['a', 2, 260], ['b', 1, 100], ['c', 1, 60]]);
    t.setPortUp('a', false);
    expect(names(t, t.selectBatch(batch))).toEqual(['b', 'c', 'b', 'c']);
  });

  it('lacp: only ports marked distributing carry traffic', () => {
    const t = team({ mode: 'lacp', ports: ['a', { name: 'b', distributing: true }, 'c'], policy: HASH_IS_ETHERTYPE });
    const batch = FrameBatch.fromBuffers([frame(1, 2, 0), frame(1, 2, 1)]);
    expect(names(t, t.selectBatch(batch))).toEqual(['b', 'b']);
    const ev = t.setDistributing('c', true)!;
    expect(ev.type).toBe('distributing');
    expect(names(t, t.selectBatch(batch))).toEqual(['b', 'c']);
    t.setPortUp('b', false);
    expect(names(t, t.selectBatch(batch))).toEqual(['c', 'c']);
    expect(t.ports.map((p) => p.usable)).toEqual([false, false, true]);
  });

  it('active-backup: the primary, failover in port order, and the reselect rules', () => {
    const batch = FrameBatch.fromBuffers([frame(1, 2), frame(3, 4)]);
    for (const [reselect, afterRecovery] of [['always', 'p'], ['better', 'p'], ['failure', 'x']] as const) {
      const events: ChangeEvent[] = [];
      const t = team({ mode: 'active-backup', ports: ['x', { name: 'p', weight: 2 }, 'y'], primary: 'p', reselect });
      t.on('change', (e) => events.push(e));
      expect(t.activePort?.name).toBe('p');
      expect(names(t, t.selectBatch(batch))).toEqual(['p', 'p']);
      t.setPortUp('p', false);
      expect(t.activePort?.name).toBe('x');
      expect(events.at(-1)!.shares).toEqual([{ from: 'p', to: 'x', share: 1 }]);
      t.setPortUp('p', true);
      expect([reselect, t.activePort?.name]).toEqual([reselect, afterRecovery]);
    }
    // better: a primary that is not better than the active port does not take over
    const t = team({ mode: 'active-backup', ports: [{ name: 'x', weight: 5 }, 'p'], primary: 'p', reselect: 'better' });
    t.setPortUp('p', false);
    t.setPortUp('p', true);
    expect(t.activePort?.name).toBe('x');
    t.setPortUp('x', false);
    expect(t.activePort?.name).toBe('p');
    t.setPortUp('p', false);
    expect(t.activePort).toBeNull();
    expect(names(t, t.selectBatch(batch))).toEqual(['-', '-']);
  });

  it('round-robin: packetsPerPort at a time, skipping ports that are down, across calls', () => {
    const t = team({ mode: 'round-robin', ports: ['a', 'b', 'c'], packetsPerPort: 2 });
    const six = FrameBatch.fromBuffers(Array.from({ length: 6 }, () => frame(1, 2)));
    expect(names(t, t.selectBatch(six))).toEqual(['a', 'a', 'b', 'b', 'c', 'c']);
    expect(names(t, t.selectBatch(FrameBatch.fromBuffers([frame(1, 2), frame(1, 2), frame(1, 2)])))).toEqual(['a', 'a', 'b']);
    t.setPortUp('b', false);
    expect(names(t, t.selectBatch(six)).every((p) => p !== 'b')).toBe(true);
  });

  it('broadcast: every frame on every usable port, said once, counted on each', () => {
    const t = team({ mode: 'broadcast', ports: ['a', 'b', 'c'] });
    t.setPortUp('c', false);
    const out = t.selectBatch(FrameBatch.fromBuffers([frame(1, 2, 0, 64), frame(1, 2, 0, 100)]));
    expect(Array.from(out)).toEqual([BROADCAST, BROADCAST]);
    expect(t.portStats().map((s) => [s.txFrames, s.txBytes])).toEqual([[2, 164], [2, 164], [0, 0]]);
  });

  it('same-port: a conversation starts on the first usable port and follows its peer', () => {
    let now = 1000;
    const t = team({ mode: 'same-port', ports: ['a', 'b', 'c'], samePort: { capacity: 64, maxIdle: 10_000 }, clock: () => now });
    const toPeer5 = FrameBatch.fromBuffers([frame(5, 1), frame(5, 1, 3)]);
    const toPeer6 = FrameBatch.fromBuffers([frame(6, 1)]);
    expect(names(t, t.selectBatch(toPeer5))).toEqual(['a', 'a']);
    // the peer answers on c: the conversation moves there; peer 6 is untouched
    const b = t.port(2)!;
    t.receive(FrameBatch.fromBuffers([frame(1, 5)]), [b.id]);
    expect(names(t, t.selectBatch(toPeer5))).toEqual(['c', 'c']);
    expect(names(t, t.selectBatch(toPeer6))).toEqual(['a']);
    // replies keep arriving on c: it stays
    t.receive(FrameBatch.fromBuffers([frame(1, 5)]), [b.id]);
    expect(names(t, t.selectBatch(toPeer5))).toEqual(['c', 'c']);
    // c fails: the conversation goes back to the first usable port
    t.setPortUp('c', false);
    expect(names(t, t.selectBatch(toPeer5))).toEqual(['a', 'a']);
    const st = t.conversations()!;
    expect(st).toMatchObject({ capacity: 64, live: 2, inserted: 2, evicted: 0, expired: 0, moved: 2 });
    expect(t.portStats().find((s) => s.name === 'c')).toMatchObject({ rxFrames: 2, rxBytes: 120 });
    // forgotten after maxIdle: a new conversation, started on the first usable port again
    t.setPortUp('c', true);
    t.receive(FrameBatch.fromBuffers([frame(1, 5)]), [b.id]);
    now += 10_001;
    expect(names(t, t.selectBatch(toPeer5))).toEqual(['a', 'a']);
    expect(t.conversations()!.expired).toBeGreaterThanOrEqual(1);
  });

  it('same-port: keyed by flow, a reply of the same flow (reversed) is the same conversation', () => {
    const t = team({ mode: 'same-port', ports: ['a', 'b'], samePort: { key: 'flow', capacity: 64 } });
    const fwd = FrameBatch.fromBuffers([ethIpv4Tcp('10.0.0.1', '10.0.0.2', 40000, 80)]);
    const rev = FrameBatch.fromBuffers([ethIpv4Tcp('10.0.0.2', '10.0.0.1', 80, 40000)]);
    const other = FrameBatch.fromBuffers([ethIpv4Tcp('10.0.0.1', '10.0.0.2', 40001, 80)]);
    expect(names(t, t.selectBatch(fwd))).toEqual(['a']);
    t.receive(rev, [t.port(1)!.id]);
    expect(names(t, t.selectBatch(fwd))).toEqual(['b']);
    expect(names(t, t.selectBatch(other))).toEqual(['a']);
  });

  it('same-port: the table is bounded; full sets evict their stalest conversation', () => {
    let now = 0;
    const t = team({ mode: 'same-port', ports: ['a', 'b'], samePort: { capacity: 8, maxIdle: 1 << 30 }, clock: () => now });
    for (let i = 0; i < 100; i++) {
      now++;
      t.selectBatch(FrameBatch.fromBuffers([frame(i % 250, 1)]));
    }
    const st = t.conversations()!;
    expect(st.live).toBe(8);
    expect(st.inserted).toBe(100);
    expect(st.evicted).toBe(92);
  });

  it('rebalance (table): busy buckets move from the most to the least loaded port, counters halve', () => {
    const t = team({ ports: ['a', 'b'], policy: HASH_IS_ETHERTYPE, selector: { kind: 'table', buckets: 8 } });
    // hashes 0x600 + k go to bucket k & 7: buckets 0..7 alternate a, b; make a's buckets busy
    const big = (k: number) => frame(1, 2, k, 1500);
    const frames = [];
    for (let i = 0; i < 200; i++) frames.push(big(0), big(2), big(4), big(6), frame(1, 2, 1, 60));
    t.selectBatch(FrameBatch.fromBuffers(frames));
    const before = t.bucketBytes()!;
    const ev = t.rebalance()!;
    expect(ev.type).toBe('rebalance');
    expect(ev.buckets.length).toBeGreaterThan(0);
    for (const m of ev.buckets) expect([m.from, m.to]).toEqual(['a', 'b']);
    expect(Array.from(t.bucketBytes()!)).toEqual(Array.from(before, (x) => Math.floor(x / 2)));
    // small imbalances do not churn
    const quiet = team({ ports: ['a', 'b'], policy: HASH_IS_ETHERTYPE, selector: { kind: 'table', buckets: 8 } });
    quiet.selectBatch(FrameBatch.fromBuffers([big(0), big(1)]));
    expect(quiet.rebalance()).toBeNull();
  });

  it('rebalance (team): teamd fills the hash-to-port table, busiest hash first', () => {
    const t = team({ ports: ['a', 'b'], policy: HASH_IS_ETHERTYPE, selector: 'team' });
    // hash bytes 6 ^ k: k = 0 and 2 both land on a (even bytes), 1 on b
    const frames = [];
    for (let i = 0; i < 100; i++) frames.push(frame(1, 2, 0, 1000), frame(1, 2, 2, 900), frame(1, 2, 1, 100));
    const batch = FrameBatch.fromBuffers(frames);
    expect(new Set(names(t, t.selectBatch(FrameBatch.fromBuffers([frame(1, 2, 0), frame(1, 2, 2)])))).size).toBe(1);
    t.selectBatch(batch);
    const ev = t.rebalance()!;
    expect(ev.buckets.length).toBeGreaterThan(0);
    expect(Array.from(t.bucketBytes()!).every((x) => x === 0)).toBe(true);  // teamd starts each period afresh
    const after = names(t, t.selectBatch(FrameBatch.fromBuffers([frame(1, 2, 0), frame(1, 2, 2)])));
    expect(new Set(after).size).toBe(2);  // the two busy hashes now on different ports
  });

  it('ports can be added and removed; ids stay valid; events name the ports', () => {
    const events: ChangeEvent[] = [];
    const t = team({ ports: ['a', 'b'], selector: { kind: 'table', buckets: 16 } });
    t.on('change', (e) => events.push(e));
    t.addPort({ name: 'c', weight: 2 });
    expect(events.at(-1)!).toMatchObject({ type: 'add', port: 'c' });
    expect(events.at(-1)!.buckets.every((m) => m.to === 'c')).toBe(true);
    expect(t.bucketPorts()!.filter((p) => p === 'c').length).toBe(8);
    t.removePort('a');
    expect(events.at(-1)!.buckets.every((m) => m.from === 'a')).toBe(true);
    expect(t.ports.map((p) => [p.name, p.id])).toEqual([['b', 1], ['c', 2]]);
    t.addPort('d');
    expect(t.port(0)!.name).toBe('d');  // the lowest free id
    for (let i = 0; i < 10; i++) t.addPort(`x${i}`);  // grows past the initial capacity
    expect(t.ports.length).toBe(13);
    expect(() => t.addPort('d')).toThrow(/already in the team/);
    expect(() => t.setPortUp('nope', false)).toThrow(/Expected the name of a port/);
    expect(() => t.setWeight('b', 0)).toThrow(expect.objectContaining({ code: 'ERR_LAGHASH_OUT_OF_RANGE' }));
  });
});

describe.each(backends())('team arguments (%s)', (_name, backend) => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as { code?: string }).code;
    }
    return 'no error';
  };

  it('bad options and arguments get typed errors that say what was expected', () => {
    const bad: [Partial<TeamOptions> & Record<string, unknown>, string][] = [
      [{ mode: 'lb' as never }, 'ERR_LAGHASH_INVALID_ARGUMENT'],
      [{ reselect: 'sometimes' as never }, 'ERR_LAGHASH_INVALID_ARGUMENT'],
      [{ mode: 'active-backup', selector: 'table' }, 'ERR_LAGHASH_INVALID_ARGUMENT'],
      [{ primary: 'nope' }, 'ERR_LAGHASH_INVALID_ARGUMENT'],
      [{ packetsPerPort: 0 }, 'ERR_LAGHASH_OUT_OF_RANGE'],
      [{ mode: 'same-port', samePort: { capacity: 100 } }, 'ERR_LAGHASH_OUT_OF_RANGE'],
      [{ mode: 'same-port', samePort: { key: 'ip' as never } }, 'ERR_LAGHASH_INVALID_ARGUMENT'],
      [{ selector: { kind: 'table', buckets: 12 } }, 'ERR_LAGHASH_OUT_OF_RANGE'],
      [{ selector: { kind: 'hrw' as never } }, 'ERR_LAGHASH_INVALID_ARGUMENT'],
      [{ ports: [{ name: 'a', weight: 0 }] }, 'ERR_LAGHASH_OUT_OF_RANGE'],
      [{ ports: ['a', 'a'] }, 'ERR_LAGHASH_INVALID_ARGUMENT'],
      [{ policy: 'linux:layer5' }, 'ERR_LAGHASH_UNKNOWN_POLICY'],
    ];
    for (const [o, c] of bad) expect([o, code(() => new Team({ ports: ['a', 'b'], ...o } as TeamOptions, backend))]).toEqual([o, c]);
    const t = new Team({ mode: 'same-port', ports: ['a', 'b'] }, backend);
    const batch = FrameBatch.fromBuffers([frame(1, 2), frame(1, 3)]);
    expect(code(() => t.receive(batch, [0, 9]))).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
    expect(code(() => t.receive(batch, [0]))).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
    expect(t.portStats().every((p) => p.rxFrames === 0)).toBe(true);  // nothing counted from a rejected call
    expect(code(() => t.selectBatch(batch, new Uint16Array(1)))).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
    expect(code(() => t.selectBatch([] as never))).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
    const outside = FrameBatch.packed(new Uint8Array(100), Uint32Array.from([0, 90]), Uint32Array.from([60, 60]));
    expect(code(() => t.selectBatch(outside))).toBe('ERR_LAGHASH_FRAME_BOUNDS');
    expect(code(() => t.receive(outside, [0, 1]))).toBe('ERR_LAGHASH_FRAME_BOUNDS');
    expect(t.conversations()!.inserted).toBe(0);
    expect(code(() => new Team({ ports: ['a'] }, backend).rebalance())).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
  });
});

describe.each(backends())('stateless selectors in selectBatch (%s)', (_name, backend) => {
  const batch = FrameBatch.fromBuffers(Array.from({ length: 300 }, (_, i) => ethIpv4Tcp('10.0.0.1', `10.0.${i >> 8}.${i & 255}`, 1000 + i, 80)));
  const POLICY = 'dpdk:l34';
  const kinds = ['modulo', 'team', { kind: 'table', buckets: 8 }, { kind: 'resilient', buckets: 64 }, 'rendezvous'] as const;

  it.each(kinds)('%o over fixed ports chooses as a Team with those ports, all up', (k) => {
    const kind = typeof k === 'string' ? { kind: k } : k;
    const weights = kind.kind === 'modulo' || kind.kind === 'team' ? undefined : [1, 3, 2];
    const t = new Team({ ports: ['x', 'y', 'z'].map((name, i) => ({ name, weight: weights?.[i] })), policy: POLICY, selector: kind }, backend);
    const expected = Array.from(t.selectBatch(batch));
    expect(Array.from(selectBatchWith(backend, batch, POLICY, { ...kind, ports: ['x', 'y', 'z'], weights }))).toEqual(expected);
    if (kind.kind !== 'rendezvous')  // rendezvous seeds each port from its name
      expect(Array.from(selectBatchWith(backend, batch, POLICY, { ...kind, ports: 3, weights }))).toEqual(expected);
  });

  it('rejects weights where the selector has none, and malformed port lists', () => {
    expect(() => selectBatchWith(backend, batch, POLICY, { kind: 'modulo', ports: 2, weights: [1, 2] })).toThrow(/cannot honour weights/);
    expect(() => selectBatchWith(backend, batch, POLICY, { kind: 'table', ports: ['a', 'a'] })).toThrow(/distinct/);
    expect(() => selectBatchWith(backend, batch, POLICY, { kind: 'table', ports: 2, weights: [1] })).toThrow(/weights/);
    expect(() => selectBatchWith(backend, batch, POLICY, { kind: 'table', ports: 2, buckets: 6 })).toThrow(expect.objectContaining({ code: 'ERR_LAGHASH_OUT_OF_RANGE' }));
  });
});
