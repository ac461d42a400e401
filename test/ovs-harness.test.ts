/**
 * The Open vSwitch LACP harness (test/helpers/ovs.ts), proven on its own,
 * without our LACP engine: OVS's bond sends LACPDUs on every member at its
 * rate; a partner made of hand-built LACPDUs (lib/lacp/codec.ts) brings the
 * members to enabled; a link taken down is noticed by miimon; a Marker PDU is
 * counted and not answered. Skips, saying why, where network namespaces
 * cannot be created or OVS is not installed (except that in CI a missing OVS
 * is a failure: .ci/run installs it).
 */
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Lacpdu, type LacpInfo, SLOW_PROTOCOLS_MAC, STATE, decodeSlowFrame, encodeLacpdu, encodeMarker, isSlowProtocolsFrame, stateNames,
} from '../lib/lacp/codec.js';
import { type OvsLacp, ovsTestGate, startOvsLacp, waitFor } from './helpers/ovs.js';

const { available, skipReason } = ovsTestGate('Open vSwitch LACP harness test');

const PORTS = 2;
/** The fake partner: our hand-made LACP system. */
const PARTNER = { systemPriority: 0x8000, system: '02:11:22:33:44:55', key: 0x1234, portPriority: 0x8000 };
const IN_SYNC = STATE.activity | STATE.timeout | STATE.aggregation | STATE.synchronization | STATE.collecting | STATE.distributing;

interface Seen {
  port: number;
  at: number;
  source: string;
  destination: string;
  pdu: ReturnType<typeof decodeSlowFrame>['pdu'];
}

describe.skipIf(!available)(
  available ? 'Open vSwitch LACP harness' : `Open vSwitch LACP harness (skipped: ${skipReason})`,
  () => {
    const t0 = performance.now();
    const seen: Seen[] = [];
    let ovs: OvsLacp | undefined;
    let partnerTimer: ReturnType<typeof setInterval> | undefined;
    /** OVS's actor information per port, as last received: what our partner echoes. */
    const ovsActor: (LacpInfo | undefined)[] = [];
    const linkUp = Array<boolean>(PORTS).fill(true);
    let answering = false;

    afterAll(async () => {
      clearInterval(partnerTimer);
      try {
        await ovs?.stop();
      } finally {
        const ms = performance.now() - t0;
        console.log(`ovs-harness: wall time ${(ms / 1000).toFixed(2)} s`);
        expect(ms).toBeLessThan(60_000);
      }
    });

    const need = (): OvsLacp => {
      if (!ovs) throw new Error('the harness did not start (see the first test)');
      return ovs;
    };
    const lacpdus = (port: number) =>
      seen.filter((s): s is Seen & { pdu: Lacpdu } => s.port === port && s.pdu.type === 'lacp');

    function answer(port: number): void {
      const actor = ovsActor[port];
      if (!ovs || !actor || !linkUp[port]) return;
      ovs.send(port, encodeLacpdu(ovs.peerMacs[port]!, {
        actor: { ...PARTNER, port: 0x100 + port, state: IN_SYNC },
        partner: actor,
        collectorMaxDelay: 0,
      }));
    }

    it('starts OVS in its own namespace; OVS sends LACPDUs on every member at the fast rate', async () => {
      ovs = await startOvsLacp({
        ports: PORTS,
        lacpTime: 'fast',
        onFrame(port, frame) {
          if (!isSlowProtocolsFrame(frame)) return;
          const f = decodeSlowFrame(frame);
          seen.push({ port, at: performance.now(), source: f.source, destination: f.destination, pdu: f.pdu });
          if (f.pdu.type === 'lacp') {
            ovsActor[port] = f.pdu.actor;
            if (answering) answer(port);
          }
        },
      });
      const started = performance.now();
      // OVS starts each member expired (partner timeout assumed short): one LACPDU a second.
      await waitFor('two LACPDUs from OVS on every member', () => ovs!.members.every((_, i) => lacpdus(i).length >= 2), { timeoutMs: 5000 });
      for (let i = 0; i < PORTS; i++) {
        const [a, b] = lacpdus(i);
        expect(a!.destination).toBe(SLOW_PROTOCOLS_MAC);
        expect(a!.pdu.actor.system).toBe(ovs.systemId);
        expect(a!.pdu.actor.port).toBe(ovs.portIds[i]);
        expect(a!.pdu.actor.state & (STATE.activity | STATE.timeout | STATE.aggregation)).toBe(STATE.activity | STATE.timeout | STATE.aggregation);
        expect(a!.pdu.partner.system).toBe('00:00:00:00:00:00');
        const gap = b!.at - a!.at;
        expect(gap).toBeGreaterThan(600);
        expect(gap).toBeLessThan(1600);
      }
      const show = await ovs.lacpShow();
      expect(show.systemId).toBe(ovs.systemId);
      expect(show.lacpTime).toBe('fast');
      expect(show.members.map((m) => m.name)).toEqual(ovs.members);
      for (const m of show.members) expect(m.status).not.toBe('current');
      const bond = await ovs.bondShow();
      expect(bond.members.every((m) => !m.enabled)).toBe(true);
      console.log(`ovs-harness: first LACPDUs at ${JSON.stringify(ovs.members.map((_, i) => lacpdus(i).map((s) => Math.round(s.at - started))))} ms`
        + ` from start-up's end, from ${lacpdus(0)[0]!.source}, actor state ${stateNames(lacpdus(0)[0]!.pdu.actor.state).join(',')}`);
    }, 20_000);

    it('our hand-made partner brings every member to current, attached and enabled', async () => {
      const o = need();
      const t = performance.now();
      answering = true;
      for (let i = 0; i < PORTS; i++) answer(i);
      partnerTimer = setInterval(() => {
        for (let i = 0; i < PORTS; i++) answer(i);
      }, 1000);
      const bond = await waitFor('every member enabled in bond/show', async () => {
        const b = await o.bondShow();
        return b.members.length === PORTS && b.members.every((m) => m.enabled) && b;
      }, { timeoutMs: 10_000, intervalMs: 50 });
      const enabledAfter = performance.now() - t;
      expect(bond.lacpStatus).toBe('negotiated');
      const show = await o.lacpShow();
      expect(show.negotiated).toBe(true);
      for (const [i, m] of show.members.entries()) {
        expect(m.status).toBe('current');
        expect(m.attached).toBe(true);
        expect(m.mayEnable).toBe(true);
        expect(m.partner.systemId).toBe(PARTNER.system);
        expect(m.partner.key).toBe(PARTNER.key);
        expect(m.partner.portId).toBe(0x100 + i);
        expect(m.partner.stateByte).toBe(IN_SYNC);
        expect(m.actor.systemId).toBe(o.systemId);
        expect(m.actor.state.synchronization && m.actor.state.collecting && m.actor.state.distributing).toBe(true);
      }
      // And OVS's LACPDUs now name us as its partner.
      const since = performance.now();
      const next = await o.nextFrame((_, f) => isSlowProtocolsFrame(f) && decodeSlowFrame(f).pdu.type === 'lacp', 3000);
      const pdu = decodeSlowFrame(next.frame).pdu as Lacpdu;
      expect(pdu.partner.system).toBe(PARTNER.system);
      expect(pdu.partner.port).toBe(0x100 + next.portIndex);
      expect(pdu.actor.state & IN_SYNC).toBe(IN_SYNC);
      console.log(`ovs-harness: all members enabled ${Math.round(enabledAfter)} ms after our first LACPDUs; next LACPDU from OVS after ${Math.round(performance.now() - since)} ms`);
    }, 20_000);

    it('a link taken down is noticed by OVS (miimon), and comes back', async () => {
      const o = need();
      const t = performance.now();
      linkUp[1] = false;
      await o.setLinkUp(1, false);
      const down = await waitFor('member 1 disabled in bond/show', async () => {
        const b = await o.bondShow();
        return !b.members[1]!.enabled && b;
      }, { timeoutMs: 5000, intervalMs: 50 });
      const noticed = performance.now() - t;
      expect(down.members[0]!.enabled).toBe(true);
      // OVS marks the member expired at once (partner out of sync, short
      // timeout assumed) and stops counting on it; member 0 carries on.
      const show = await o.lacpShow();
      expect(show.members[1]!.status).toBe('expired');
      expect(show.members[1]!.mayEnable).toBe(false);
      expect(show.members[1]!.partner.state.synchronization).toBe(false);
      expect(show.members[0]!.status).toBe('current');
      expect(show.members[0]!.mayEnable).toBe(true);

      const t2 = performance.now();
      linkUp[1] = true;
      await o.setLinkUp(1, true);
      answer(1);
      await waitFor('member 1 enabled again', async () => (await o.bondShow()).members[1]!.enabled, { timeoutMs: 10_000, intervalMs: 50 });
      console.log(`ovs-harness: link down noticed in ${Math.round(noticed)} ms (lacp/show status ${show.members[1]!.status}); re-enabled ${Math.round(performance.now() - t2)} ms after link up`);
    }, 20_000);

    it('OVS counts a Marker Information PDU and sends no Marker Response', async () => {
      const o = need();
      const before = (await o.lacpStats()).members[0]!;
      const t = performance.now();
      o.send(0, encodeMarker(o.peerMacs[0]!, { type: 'marker-information', requesterPort: 0x100, requesterSystem: PARTNER.system, transactionId: 0xdecaf }));
      await waitFor('the marker counted', async () => (await o.lacpStats()).members[0]!.rxMarkerPdus === before.rxMarkerPdus + 1, { timeoutMs: 3000, intervalMs: 50 });
      await new Promise((r) => setTimeout(r, 1000));
      const markers = seen.filter((s) => s.at >= t && s.pdu.type !== 'lacp');
      expect(markers).toEqual([]);
      expect(seen.every((s) => s.pdu.type === 'lacp')).toBe(true); // OVS never sent a marker of its own either
    }, 20_000);
  },
);
