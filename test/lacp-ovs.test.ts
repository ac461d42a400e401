/**
 * Interop with a real LACP implementation: laghash's engine (lib/lacp) on one
 * end of three veth pairs, Open vSwitch's userspace LACP (a bond with
 * lacp=active, netdev datapath, miimon) on the other, in a network namespace
 * the harness creates (test/helpers/ovs.ts). Real time, real frames.
 *
 * Shown: both sides reach collecting and distributing (OVS's lacp/show names
 * our system as partner and enables the members); a link taken down leaves on
 * both sides at once (carrier) and a silent partner within the short timeout;
 * markers: OVS neither answers Marker PDUs nor sends them (lib/lacp.c counts
 * them as "RX Marker Request PDUs"), so our generator's markers time out and
 * release their holds, and OVS's counters show they arrived.
 *
 * Skips, saying why, where network namespaces cannot be created or OVS is not
 * installed (in CI a missing OVS is a failure: .ci/run installs it).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Lacp, formatLacpStatus } from '../lib/lacp/lacp.js';
import { isSlowProtocolsFrame } from '../lib/lacp/codec.js';
import { Team } from '../lib/team.js';
import { type OvsLacp, ovsTestGate, startOvsLacp, waitFor } from './helpers/ovs.js';

const { available, skipReason } = ovsTestGate('LACP interop test with Open vSwitch');

const N = 3;
const SYSTEM = '02:6c:61:67:00:01';
const names = Array.from({ length: N }, (_, i) => `p${i}`);

describe.skipIf(!available)(available ? 'LACP interop with Open vSwitch' : `LACP interop with Open vSwitch (skipped: ${skipReason})`, () => {
  const t0 = performance.now();
  let ovs: OvsLacp | undefined;
  let lacp: Lacp | undefined;
  let team: Team | undefined;
  /** Frames from OVS on these ports are dropped before laghash sees them (a silent partner). */
  const deaf = new Set<number>();
  const pending: [number, Uint8Array][] = [];

  afterAll(async () => {
    lacp?.stop();
    try {
      await ovs?.stop();
    } finally {
      const ms = performance.now() - t0;
      console.log(`lacp-ovs: wall time ${(ms / 1000).toFixed(2)} s`);
      if (lacp) console.log(formatLacpStatus(lacp.status()));
    }
  });

  const need = () => {
    if (!ovs || !lacp || !team) throw new Error('the interop setup did not start (see the first test)');
    return { ovs, lacp, team };
  };
  const usable = () => need().team.ports.filter((p) => p.usable).map((p) => p.name);
  /** Every port distributing on our side and enabled on OVS's. */
  const allBack = (port: string) => waitFor(`${port} distributing again on both sides`, async () => {
    const b = await need().ovs.bondShow();
    return need().lacp.status().distributing.length === N && b.members.every((m) => m.enabled);
  }, { timeoutMs: 10_000 });

  it('aggregates with OVS: both sides collecting and distributing, OVS names laghash as partner', async () => {
    ovs = await startOvsLacp({
      ports: N, lacpTime: 'fast',
      // OVS speaks first, before startOvsLacp resolves: keep its frames until LACP exists
      onFrame: (i, frame) => {
        if (!isSlowProtocolsFrame(frame) || deaf.has(i)) return;
        if (lacp) lacp.receive(names[i], frame);
        else pending.push([i, frame]);
      },
    });
    team = new Team({ mode: 'lacp', ports: names, policy: 'linux:layer3+4' });
    lacp = new Lacp({
      system: SYSTEM, team, rate: 'fast', markers: { timeout: 200 },
      ports: names.map((name, i) => ({ name, mac: ovs!.peerMacs[i] })),
    });
    lacp.on('send', (port, frame) => ovs!.send(names.indexOf(port), frame));
    lacp.start();
    for (const [i, f] of pending.splice(0)) lacp.receive(names[i], f);
    const start = performance.now();

    await waitFor('laghash distributing on every port', () => lacp!.status().distributing.length === N, { timeoutMs: 15_000 });
    const show = await waitFor('OVS current and in sync with laghash on every member', async () => {
      const s = await ovs!.lacpShow();
      return s.members.length === N && s.members.every((m) => m.status === 'current' && m.partner.systemId === SYSTEM && m.partner.state.synchronization && m.partner.state.distributing) && s;
    }, { timeoutMs: 15_000 });
    const elapsed = performance.now() - start;
    console.log(`lacp-ovs: aggregated in ${elapsed.toFixed(0)} ms`);
    // Aggregate_Wait_Time on our side, plus at most one rate-limit second
    expect(elapsed).toBeLessThan(2000 + 1000 + 2000);
    expect(show.negotiated).toBe(true);
    for (const m of show.members) {
      expect(m.attached).toBe(true);
      expect(m.partner.key).toBe(1);
      expect(m.actor.state.collecting && m.actor.state.distributing).toBe(true);
    }
    await waitFor('OVS enables every member', async () => {
      const b = await ovs!.bondShow();
      return b.members.length === N && b.members.every((m) => m.enabled);
    }, { timeoutMs: 5000 });
    // and laghash sees OVS's system as its partner on every port, in one aggregator
    const st = lacp.status();
    expect(new Set(st.ports.map((p) => p.partner.system))).toEqual(new Set([ovs.systemId]));
    expect(new Set(st.ports.map((p) => p.aggregator)).size).toBe(1);
    expect(usable()).toEqual(names);
  }, 40_000);

  it('a link taken down leaves on both sides at once; back up, it rejoins', async () => {
    const { ovs, lacp } = need();
    const t = performance.now();
    await ovs.setLinkUp(1, false);
    lacp.setPortUp('p1', false);
    expect(usable()).toEqual(['p0', 'p2']);
    await waitFor('OVS disables the member', async () => {
      const b = await ovs.bondShow();
      return !b.members[1].enabled && b.members[0].enabled && b.members[2].enabled;
    }, { timeoutMs: 3500 });
    console.log(`lacp-ovs: OVS saw the link down after ${(performance.now() - t).toFixed(0)} ms`);
    await ovs.setLinkUp(1, true);
    lacp.setPortUp('p1', true);
    await allBack('p1');
  }, 30_000);

  it('a partner gone silent is dropped within the short timeout (3 s)', async () => {
    const { lacp } = need();
    deaf.add(2);
    const t = performance.now();
    await waitFor('laghash takes p2 out', () => !lacp.status().distributing.includes('p2'), { timeoutMs: 5000 });
    const ms = performance.now() - t;
    console.log(`lacp-ovs: silent partner dropped after ${ms.toFixed(0)} ms`);
    expect(ms).toBeLessThan(3000 + 500);
    expect(ms).toBeGreaterThan(1000);  // not before the timeout: OVS sends every second
    expect(['expired', 'defaulted']).toContain(lacp.status().ports[2].rx);
    expect(usable()).toEqual(['p0', 'p1']);
    deaf.delete(2);
    await allBack('p2');
  }, 30_000);

  it('markers: OVS receives ours and does not answer, so each hold is released by timeout', async () => {
    const { ovs, lacp } = need();
    const st = lacp.status().markers;
    // the re-joins above moved conversations onto returning ports: markers went out on the others
    expect(st.sent).toBeGreaterThan(0);
    await waitFor('every marker settled', () => lacp.status().markers.pending === 0, { timeoutMs: 2000 });
    const after = lacp.status().markers;
    expect(after.answered).toBe(0);
    expect(after.timedOut).toBe(after.sent);
    expect(need().team.holdStats().pending).toBe(0);
    const stats = await ovs.lacpStats();
    const rxMarkers = stats.members.reduce((s, m) => s + m.rxMarkerPdus, 0);
    expect(rxMarkers).toBe(after.sent);
    // OVS sends no markers of its own: nothing for our responder to answer
    expect(lacp.status().ports.reduce((s, p) => s + p.counters.markerRx, 0)).toBe(0);
  }, 10_000);
});
