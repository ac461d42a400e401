/**
 * LACP state machines: two (or three) laghash systems over simulated links in
 * simulated time. Bounds come from the standard's timers (802.1AX-2008 5.4.4):
 * aggregation waits Aggregate_Wait_Time after a port selects; a silent partner
 * is dropped after Short_Timeout_Time (3 s) or Long_Timeout_Time (90 s).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMERS, formatLacpStatus, Lacp } from '../lib/lacp/lacp.js';
import { decodeSlowFrame, encodeLacpdu, encodeMarker, STATE } from '../lib/lacp/codec.js';
import { FrameBatch } from '../lib/batch.js';
import { HOLD, NO_PORT, Team } from '../lib/team.js';
import { LaghashError } from '../lib/errors.js';
import { Sim, distributing, type SimSystem } from './helpers/lacp-sim.js';
import { pcap } from './helpers/pcap.js';
import { lacpFromCapture } from '../lib/lacp/capture-report.js';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const T = DEFAULT_TIMERS;
const MAC_A = '02:00:00:00:00:0a', MAC_B = '02:00:00:00:00:0b', MAC_C = '02:00:00:00:00:0c';
const ports = (n: number, prefix = 'eth') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** A and B joined by n links (eth_i to eth_i), each with its own delay. */
function pair(n: number, a: Partial<ConstructorParameters<typeof Lacp>[0]> = {}, b: Partial<ConstructorParameters<typeof Lacp>[0]> = {}, delays: number[] = []) {
  const sim = new Sim();
  const A = sim.system('A', { system: MAC_A, ports: ports(n), ...a }, { ports: ports(n) });
  const B = sim.system('B', { system: MAC_B, ports: ports(n), ...b }, { ports: ports(n) });
  const links = ports(n).map((p, i) => sim.connect(A, p, B, p, delays[i] ?? 1));
  return { sim, A, B, links };
}

const allDistributing = (n: number, ...s: SimSystem[]) => () => s.every((x) => distributing(x).length === n);

describe('negotiation', () => {
  for (const rate of ['fast', 'slow'] as const) {
    it(`all ports reach distributing within aggregate-wait plus a few round trips (${rate})`, () => {
      const { sim, A, B } = pair(3, { rate }, { rate });
      const t = sim.runUntil(allDistributing(3, A, B), 60_000);
      expect(t).not.toBeNull();
      // the wait, then sync, collecting and distributing cross the 1 ms links
      expect(t!).toBeGreaterThanOrEqual(T.aggregateWait);
      // at most one rate-limit delay (3 LACPDUs per Fast_Periodic_Time) on top
      expect(t!).toBeLessThanOrEqual(T.aggregateWait + T.fastPeriodic + 10);
      // the team follows: every port usable on both sides
      expect(A.team!.ports.every((p) => p.usable)).toBe(true);
      expect(B.team!.ports.every((p) => p.usable)).toBe(true);
      const st = A.lacp.status();
      expect(new Set(st.ports.map((p) => p.aggregator)).size).toBe(1);
      for (const p of st.ports) {
        expect(p.partner.system).toBe(MAC_B);
        expect(p.actor.state & (STATE.synchronization | STATE.collecting | STATE.distributing)).toBe(STATE.synchronization | STATE.collecting | STATE.distributing);
        expect(p.rx).toBe('current');
      }
    });
  }

  it('the partner sets our periodic rate: a fast actor gets LACPDUs every second, a slow one every 30 s', () => {
    const { sim, A, B } = pair(1, { rate: 'fast' }, { rate: 'slow' });
    sim.run(10_000);
    const count = (s: SimSystem, from: number, to: number) => (s.sent.get('eth0') ?? []).filter((x) => x.at >= from && x.at < to).length;
    // B sends to fast A every second; A sends to slow B every 30 s
    expect(count(B, 5000, 10_000)).toBe(5);
    sim.run(100_000);
    expect(count(A, 40_000, 100_000)).toBe(2);
    // rate change: A asks for slow, B for fast
    A.lacp.setRate('slow');
    B.lacp.setRate('fast');
    sim.run(200_000);
    expect(count(B, 140_000, 200_000)).toBe(2);
    expect(count(A, 140_000, 200_000)).toBe(60);
    expect(distributing(A)).toEqual(['eth0']);
  });

  it('active with passive aggregates; passive with passive never sends and never aggregates', () => {
    const ap = pair(2, { activity: 'active' }, { activity: 'passive' });
    expect(ap.sim.runUntil(allDistributing(2, ap.A, ap.B), 10_000)).not.toBeNull();
    const pp = pair(2, { activity: 'passive' }, { activity: 'passive' });
    pp.sim.run(200_000);
    expect(distributing(pp.A)).toEqual([]);
    expect(distributing(pp.B)).toEqual([]);
    expect(pp.A.sent.size + pp.B.sent.size).toBe(0);
    expect(pp.A.lacp.status().ports.every((p) => p.rx === 'defaulted')).toBe(true);
  });

  it('a port cabled to another system lands in another aggregator, standby; ad_select decides which is active', () => {
    for (const [selection, speedC, want] of [['count', 100, 'B'], ['bandwidth', 100, 'C'], ['stable', 1, 'B']] as const) {
      const sim = new Sim();
      const A = sim.system('A', {
        system: MAC_A, aggregatorSelection: selection, rate: 'fast',
        ports: [{ name: 'eth0' }, { name: 'eth1' }, { name: 'eth2', speed: speedC }],
      }, { ports: ports(3) });
      const B = sim.system('B', { system: MAC_B, ports: ports(2), rate: 'fast' });
      const C = sim.system('C', { system: MAC_C, ports: ['eth0'], rate: 'fast' });
      sim.connect(A, 'eth0', B, 'eth0');
      sim.connect(A, 'eth1', B, 'eth1');
      sim.connect(A, 'eth2', C, 'eth0');
      sim.run(10_000);
      const st = A.lacp.status();
      const [p0, p1, p2] = st.ports;
      expect(p0.aggregator).toBe(p1.aggregator);
      expect(p2.aggregator).not.toBe(p0.aggregator);
      if (want === 'B') {
        expect(distributing(A)).toEqual(['eth0', 'eth1']);
        expect(p2.selected).toBe('standby');
        expect(distributing(C)).toEqual([]);
        // the standby port never syncs: both ends see churn after Churn_Detection_Time
        sim.run(10_000 + T.churnDetection + 1000);
        expect(A.lacp.status().ports[2].actorChurn).toBe(true);
        expect(C.lacp.status().ports[0].partnerChurn).toBe(true);
        expect(A.lacp.status().ports[0].actorChurn).toBe(false);
      } else {
        expect(distributing(A)).toEqual(['eth2']);
        expect(p0.selected).toBe('standby');
        expect(p1.selected).toBe('standby');
        expect(distributing(B)).toEqual([]);
      }
      expect(A.team!.ports.filter((p) => p.usable).map((p) => p.name)).toEqual(distributing(A));
    }
  });
});

describe('failure detection', () => {
  it('carrier loss takes the port out at once on both sides, with a change report', () => {
    const { sim, A, B, links } = pair(2, { rate: 'fast' }, { rate: 'fast' });
    sim.run(5000);
    const changes: string[] = [];
    A.team!.on('change', (e) => changes.push(`${e.type}:${e.port}`));
    sim.setCarrier(links[1], false);
    expect(distributing(A)).toEqual(['eth0']);
    expect(distributing(B)).toEqual(['eth0']);
    expect(changes).toContain('down:eth1');
    sim.setCarrier(links[1], true);
    expect(sim.runUntil(allDistributing(2, A, B), sim.now + 10_000)).not.toBeNull();
  });

  for (const [rate, timeout] of [['fast', T.shortTimeout], ['slow', T.longTimeout]] as const) {
    it(`a cut link (carrier up, frames lost) leaves within the ${rate} timeout`, () => {
      const { sim, A, B, links } = pair(2, { rate }, { rate });
      sim.run(5000);
      expect(distributing(A)).toHaveLength(2);
      links[0].cut = true;
      const cutAt = sim.now;
      const gone = () => distributing(A).length === 1 && distributing(B).length === 1;
      const t = sim.runUntil(gone, cutAt + timeout + 100);
      expect(t).not.toBeNull();
      expect(t! - cutAt).toBeLessThanOrEqual(timeout + 10);
      if (rate === 'slow') expect(t! - cutAt).toBeGreaterThan(T.shortTimeout);
      const st = A.lacp.status().ports[0];
      expect(['expired', 'defaulted']).toContain(st.rx);
      // repaired: back within the aggregation bound (the next PDU may take a periodic interval)
      links[0].cut = false;
      expect(sim.runUntil(allDistributing(2, A, B), sim.now + T.slowPeriodic + T.aggregateWait + 1000)).not.toBeNull();
    });
  }
});

describe('port_moved', () => {
  it('a partner port recabled to another of our ports clears the old port (port_moved, 5.4.12)', () => {
    const sim = new Sim();
    const A = sim.system('A', { system: MAC_A, ports: ports(3), rate: 'fast' }, { ports: ports(3) });
    const B = sim.system('B', { system: MAC_B, ports: ports(2), rate: 'fast' });
    const l0 = sim.connect(A, 'eth0', B, 'eth0');
    sim.connect(A, 'eth1', B, 'eth1');
    sim.run(5000);
    expect(A.lacp.status().ports[0].partner).toMatchObject({ system: MAC_B, port: 1 });
    // B's eth0 moves from A's eth0 to A's eth2
    sim.setCarrier(l0, false);
    expect(A.lacp.status().ports[0].partner).toMatchObject({ system: MAC_B, port: 1 });  // PORT_DISABLED keeps it
    sim.links.splice(sim.links.indexOf(l0), 1);
    const l2 = sim.connect(A, 'eth2', B, 'eth0');
    B.lacp.setPortUp('eth0', true);
    A.lacp.setPortUp('eth2', true);
    sim.run(sim.now + 5000);
    const st = A.lacp.status();
    expect(st.ports[0].partner.system).toBe('00:00:00:00:00:00');  // INITIALIZE: recordDefault
    expect(st.ports[0].rx).toBe('port-disabled');
    expect(st.ports[2].partner).toMatchObject({ system: MAC_B, port: 1 });
    expect(distributing(A)).toEqual(['eth1', 'eth2']);
    expect(l2.carrier).toBe(true);
  });
});

describe('configuration changes', () => {
  it('a key change moves the port to another aggregator; restoring it brings it back', () => {
    const { sim, A, B } = pair(3, { rate: 'fast' }, { rate: 'fast' });
    sim.run(5000);
    A.lacp.setPortKey('eth2', 7);
    sim.run(10_000);
    expect(distributing(A)).toEqual(['eth0', 'eth1']);
    expect(A.lacp.status().ports[2].selected).toBe('standby');
    expect(B.lacp.status().ports[2].partner.key).toBe(7);
    A.lacp.setPortKey('eth2', 1);
    sim.run(15_000);
    expect(distributing(A)).toEqual(['eth0', 'eth1', 'eth2']);
  });

  it('priority changes reach the partner at once and keep the aggregate', () => {
    const { sim, A, B } = pair(2, { rate: 'slow' }, { rate: 'slow' });
    sim.run(5000);
    A.lacp.setPortPriority('eth1', 9);
    A.lacp.setSystemPriority(100);
    sim.run(15_000);
    const p = B.lacp.status().ports[1].partner;
    expect(p.portPriority).toBe(9);
    expect(p.systemPriority).toBe(100);
    expect(distributing(A)).toEqual(['eth0', 'eth1']);
    expect(distributing(B)).toEqual(['eth0', 'eth1']);
  });

  it('sends at most 3 LACPDUs per second on a port', () => {
    const { sim, A } = pair(1, { rate: 'fast' }, { rate: 'fast' });
    for (let i = 0; i < 20; i++) {
      A.lacp.setPortPriority('eth0', 10 + i);
      sim.run(sim.now + 10);
    }
    const times = A.sent.get('eth0')!.map((x) => x.at);
    for (let i = 3; i < times.length; i++) expect(times[i] - times[i - 3]).toBeGreaterThanOrEqual(T.fastPeriodic);
    expect(A.lacp.status().ports[0].counters.txLimited).toBeGreaterThan(0);
  });
});

describe('no partner', () => {
  const lonely = (noPartner: 'standard' | 'manual' | 'fallback-ab') => {
    const sim = new Sim();
    const A = sim.system('A', { system: MAC_A, ports: ports(3), noPartner, rate: 'fast' }, { ports: ports(3) });
    const B = sim.system('B', { system: MAC_B, ports: ports(3), activity: 'passive' });
    // the other ends do not speak LACP: frames to B are dropped
    const links = ports(3).map((p) => sim.connect(A, p, B, p));
    for (const l of links) l.drop = (to) => to === B;
    return { sim, A, B, links };
  };

  it('standard: a port without a partner stays out', () => {
    const { sim, A } = lonely('standard');
    sim.run(20_000);
    expect(distributing(A)).toEqual([]);
    expect(A.team!.ports.some((p) => p.usable)).toBe(false);
    expect(A.lacp.status().ports.every((p) => p.rx === 'defaulted')).toBe(true);
  });

  it('manual: every port that is up joins', () => {
    const { sim, A, links } = lonely('manual');
    sim.run(20_000);
    expect(distributing(A)).toEqual(ports(3));
    sim.setCarrier(links[1], false);
    expect(distributing(A)).toEqual(['eth0', 'eth2']);
  });

  it('fallback-ab: one port carries traffic, the next takes over when it fails; a partner ends the fallback', () => {
    const { sim, A, links } = lonely('fallback-ab');
    sim.run(20_000);
    expect(A.team!.ports.filter((p) => p.usable).map((p) => p.name)).toEqual(['eth0']);
    expect(A.lacp.status().fallbackPort).toBe('eth0');
    sim.setCarrier(links[0], false);
    expect(A.team!.ports.filter((p) => p.usable).map((p) => p.name)).toEqual(['eth1']);
    // B starts to speak LACP on every link
    for (const l of links) l.drop = undefined;
    sim.setCarrier(links[0], true);
    expect(A.lacp.status().fallbackPort).toBe('eth1');  // no move back while eth1 stays up
    sim.run(sim.now + T.fastPeriodic + 10);
    expect(A.lacp.status().ports.some((p) => p.rx === 'current')).toBe(true);
    expect(A.lacp.status().fallbackPort).toBeNull();
    expect(sim.runUntil(() => distributing(A).length === 3, sim.now + 10_000)).not.toBeNull();
    expect(A.team!.ports.every((p) => p.usable)).toBe(true);
  });
});

describe('marker protocol', () => {
  it('answers a Marker Information PDU with a Marker Response carrying the same fields, on the same port', () => {
    const sent: [string, Uint8Array][] = [];
    const l = new Lacp({ system: MAC_A, ports: ['p0', 'p1'], clock: () => 0 });
    l.on('send', (port, frame) => sent.push([port, frame]));
    const info = encodeMarker(MAC_B, { type: 'marker-information', requesterPort: 7, requesterSystem: MAC_B, transactionId: 0xdeadbeef });
    expect(l.receive('p1', info)).toBe('marker-information');
    const resp = sent.filter(([, f]) => f[14] === 2);
    expect(resp).toHaveLength(1);
    expect(resp[0][0]).toBe('p1');
    expect(decodeSlowFrame(resp[0][1])).toEqual({
      source: MAC_A, destination: '01:80:c2:00:00:02',
      pdu: { type: 'marker-response', requesterPort: 7, requesterSystem: MAC_B, transactionId: 0xdeadbeef },
    });
    expect(l.status().ports[1].counters).toMatchObject({ markerRx: 1, markerResponseTx: 1 });
  });

  it('a malformed Slow Protocols frame is counted, never thrown', () => {
    const l = new Lacp({ system: MAC_A, ports: ['p0'], clock: () => 0 });
    const f = encodeLacpdu(MAC_B, {
      actor: { systemPriority: 1, system: MAC_B, key: 1, portPriority: 1, port: 1, state: 0x3d },
      partner: { systemPriority: 0, system: '00:00:00:00:00:00', key: 0, portPriority: 0, port: 0, state: 0 }, collectorMaxDelay: 0,
    });
    for (const bad of [f.subarray(0, 30), Uint8Array.from(f, (x, i) => (i === 17 ? 99 : x)), Uint8Array.from(f, (x, i) => (i === 14 ? 9 : x))]) {
      expect(l.receive('p0', bad)).toBeNull();
    }
    expect(l.status().ports[0].counters.illegalRx).toBe(3);
    expect(l.receive('p0', new Uint8Array(60))).toBeNull();  // not Slow Protocols: ignored
    expect(() => l.receive('nope', f)).toThrow(LaghashError);
  });

  /** Frames of 16 flows (different destination MACs), each with a sequence number. */
  function flowFrame(flow: number, seq: number): Uint8Array {
    const f = new Uint8Array(64);
    f.set([0x02, 0, 0, 0, 0x10, flow], 0);
    f.set([0x02, 0, 0, 0, 0x20, 0x01], 6);
    f[12] = 0x88;
    f[13] = 0xb5;
    new DataView(f.buffer).setUint32(14, flow);
    new DataView(f.buffer).setUint32(18, seq);
    return f;
  }

  /**
   * A sends 16 flows, one frame per flow every ms, over eth0 (20 ms) while
   * eth1 (1 ms) is down; eth1 comes up at 3 s, LACP adds it, and half the
   * flows move to the faster link. B checks that every flow arrives in order.
   */
  function moveRun(markers: boolean, dropResponses = false) {
    const { sim, A, B, links } = pair(2, { rate: 'fast', markers }, { rate: 'fast' }, [20, 1]);
    sim.setCarrier(links[1], false);
    const last = new Map<number, number>();
    let reordered = 0, received = 0;
    const moved = new Set<number>();
    B.data = (port, f) => {
      const v = new DataView(f.buffer, f.byteOffset);
      const flow = v.getUint32(14), seq = v.getUint32(18);
      if ((last.get(flow) ?? -1) > seq) reordered++;
      last.set(flow, Math.max(seq, last.get(flow) ?? -1));
      if (port === 'eth1') moved.add(flow);
      received++;
    };
    if (dropResponses) links[0].drop = (to, f) => to === A && f[14] === 2 && f[16] === 2;
    const held: Uint8Array[] = [];
    let seq = 0, sentCount = 0;
    const transmit = (frames: Uint8Array[]) => {
      if (!frames.length) return;
      const out = A.team!.selectBatch(FrameBatch.fromBuffers(frames));
      frames.forEach((f, i) => {
        if (out[i] === HOLD) held.push(f);
        else if (out[i] !== NO_PORT) {
          sim.send(A, A.team!.port(out[i])!.name, f);
          sentCount++;
        }
      });
    };
    A.team!.on('release', () => transmit(held.splice(0)));
    sim.every(1, () => transmit(Array.from({ length: 16 }, (_, flow) => flowFrame(flow, seq))) , 0, 8000);
    sim.every(1, () => seq++, 0, 8000);
    sim.at(3000, () => sim.setCarrier(links[1], true));
    sim.run(9000);
    return { A, B, reordered, received, moved, sentCount, held };
  }

  it('the generator moves conversations with nothing reordered: held until the Marker Response', () => {
    const r = moveRun(true);
    expect(r.moved.size).toBeGreaterThan(0);
    expect(r.moved.size).toBeLessThan(16);
    expect(r.reordered).toBe(0);
    expect(r.received).toBe(r.sentCount);
    expect(r.held).toHaveLength(0);
    const st = r.A.lacp.status();
    expect(st.markers).toMatchObject({ sent: 1, answered: 1, timedOut: 0, pending: 0 });
    expect(st.ports[0].counters.markerTx).toBe(1);
    expect(r.B.lacp.status().ports[0].counters.markerResponseTx).toBe(1);
    const hs = r.A.team!.holdStats();
    expect(hs.heldFrames).toBeGreaterThan(0);
    expect(hs).toMatchObject({ pending: 0, holds: 1, released: 1 });
  });

  it('without markers the same move reorders (the test can see reordering)', () => {
    const r = moveRun(false);
    expect(r.moved.size).toBeGreaterThan(0);
    expect(r.reordered).toBeGreaterThan(0);
  });

  it('a lost Marker Response releases the hold on timeout', () => {
    const r = moveRun(true, true);
    const st = r.A.lacp.status();
    expect(st.markers).toMatchObject({ sent: 1, answered: 0, timedOut: 1, pending: 0 });
    expect(r.held).toHaveLength(0);
    expect(r.received).toBe(r.sentCount);
  });
});

describe('status', () => {
  it('names states and both ends, as lacp/show does', () => {
    const { sim, A } = pair(2, { rate: 'fast' }, { rate: 'fast' });
    sim.run(5000);
    const text = formatLacpStatus(A.lacp.status());
    expect(text).toContain(`system id: 32768,${MAC_A}`);
    expect(text).toContain(`system id: 32768,${MAC_B}`);
    expect(text).toContain('activity timeout aggregation synchronization collecting distributing');
    expect(text).toMatch(/port eth0: up, current, distributing, selected, aggregator \d+/);
  });

  it('checks its arguments with typed errors', () => {
    const bad: unknown[] = [
      {}, { system: 'x', ports: ['a'] }, { system: MAC_A, ports: [] }, { system: MAC_A, ports: ['a', 'a'] },
      { system: MAC_A, ports: ['a'], rate: 'medium' }, { system: MAC_A, ports: ['a'], markers: true },
      { system: MAC_A, ports: ['a'], team: new Team({ ports: ['a'] }) }, { system: MAC_A, ports: [{ name: 'a', number: 0 }] },
      { system: MAC_A, ports: ['a'], timers: { fastPeriodic: -1 } },
    ];
    for (const o of bad) expect(() => new Lacp(o as never)).toThrow(LaghashError);
  });
});

describe('laghash lacp on a capture', () => {
  /** Every Slow Protocols frame both systems sent, in time order, as a pcap with their simulated times. */
  function capture(...systems: SimSystem[]): Uint8Array {
    const all = systems.flatMap((s) => [...s.sent.values()].flat()).sort((a, b) => a.at - b.at);
    return pcap(all.map((x) => ({ sec: Math.floor(x.at / 1000), frac: (x.at % 1000) * 1000, data: x.frame })));
  }

  it('reports ports, rates, state changes, aggregates and markers with their responses', () => {
    const { sim, A, B, links } = pair(2, { rate: 'fast', markers: true }, { rate: 'slow' }, [5, 1]);
    sim.setCarrier(links[1], false);
    sim.at(5000, () => sim.setCarrier(links[1], true));
    sim.run(120_000);
    const r = lacpFromCapture(FrameBatch.fromCapture(capture(A, B)));
    expect(r.malformed).toEqual([]);
    expect(r.ports.map((p) => p.port).sort()).toEqual([`${MAC_A}/1`, `${MAC_A}/2`, `${MAC_B}/1`, `${MAC_B}/2`]);
    const a = r.ports.find((p) => p.port === `${MAC_A}/1`)!, b = r.ports.find((p) => p.port === `${MAC_B}/1`)!;
    // A asked for fast: B sends every second; B asked for slow: A every 30 s
    expect([b.rate, b.askedRate]).toEqual(['fast', 'fast']);
    expect([a.rate, a.askedRate]).toEqual(['slow', 'slow']);
    expect(a.interval).toBeCloseTo(30, 1);
    expect(b.interval).toBeCloseTo(1, 1);
    expect(a.changes.length).toBeGreaterThan(0);
    expect(r.aggregates).toContainEqual(expect.objectContaining({ system: MAC_A, partnerSystem: MAC_B, ports: [`${MAC_A}/1`, `${MAC_A}/2`] }));
    expect(b.markerResponses).toBe(1);
    expect(a.markerInformation).toBe(1);
    expect(r.markers).toHaveLength(1);
    expect(r.markers[0].responseFrame).not.toBeNull();
    expect(r.markers[0].latency * 1000).toBeCloseTo(5, 6);  // frames are stamped when sent: the 5 ms link, one way
  });

  const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
  it.skipIf(!existsSync(cli))('prints it as text and JSON (laghash lacp)', () => {
    const { sim, A, B } = pair(2, { rate: 'fast' }, { rate: 'fast' });
    sim.run(10_000);
    const dir = mkdtempSync(join(tmpdir(), 'laghash-lacp-'));
    try {
      const file = join(dir, 'lacp.pcap');
      writeFileSync(file, capture(A, B));
      const text = spawnSync(process.execPath, [cli, 'lacp', file], { encoding: 'utf8' });
      expect(text.status).toBe(0);
      expect(text.stdout).toContain(`port ${MAC_A}/1:`);
      expect(text.stdout).toMatch(/state activity timeout aggregation synchronization collecting distributing/);
      const json = spawnSync(process.execPath, [cli, 'lacp', file, '--json'], { encoding: 'utf8' });
      expect(JSON.parse(json.stdout).ports).toHaveLength(4);
      const none = spawnSync(process.execPath, [cli, 'lacp'], { encoding: 'utf8' });
      expect(none.status).toBe(2);
      expect(none.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
