/**
 * LACP as seen in a capture: every Slow Protocols frame decoded, grouped by
 * the port that sent it (source MAC), with the last actor and partner
 * information, the LACPDU interval (fast or slow), every change of the actor
 * state, and the markers with their responses. `laghash lacp CAPTURE` prints it
 * in the spirit of ovs-appctl lacp/show.
 *
 * Link types: Ethernet (1), Linux SLL (113) and SLL2 (276): for the cooked
 * ones the Ethernet header is rebuilt from the sender's address and protocol
 * (the destination is not captured; it reads as the Slow Protocols address).
 */
import type { FrameBatch } from '../batch.js';
import { PduFormatError } from '../errors.js';
import * as S from '../spec.js';
import { SLOW_PROTOCOLS_ETHERTYPE, STATE, decodeSlowFrame, isSlowProtocolsFrame, stateNames, type LacpInfo } from './codec.js';

export interface LacpCapturePort {
  /** The sending port: its source MAC and port number, "mac/number" (SLL2 adds the interface index: "mac%ifindex/number"). */
  port: string;
  lacpdus: number;
  markerInformation: number;
  markerResponses: number;
  /** Capture time (s) of the first and last LACPDU; NaN without timestamps. */
  first: number;
  last: number;
  /**
   * Median seconds between periodic LACPDUs (gaps under 0.9 s are PDUs sent on
   * a change, left out), NaN without two; and the rate it shows.
   */
  interval: number;
  rate: 'fast' | 'slow' | 'unknown';
  /** The rate the partner asks for (the Timeout bit the port echoes as its partner's), from the last LACPDU. */
  askedRate: 'fast' | 'slow' | 'unknown';
  actor: LacpInfo | null;
  partner: LacpInfo | null;
  /** Each change of the actor state byte: when, from, to. */
  changes: { time: number; frame: number; from: number; to: number }[];
}

export interface LacpCaptureReport {
  frames: number;
  slowFrames: number;
  /** Slow Protocols frames that did not decode: frame number (1-based) and the field named. */
  malformed: { frame: number; field: string; message: string }[];
  ports: LacpCapturePort[];
  /** Aggregates as the actors declare them: system and key, with their ports and partner. */
  aggregates: { system: string; key: number; partnerSystem: string; partnerKey: number; ports: string[]; distributing: string[] }[];
  markers: { frame: number; time: number; port: string; requesterSystem: string; requesterPort: number; transactionId: number; responseFrame: number | null; latency: number }[];
}

/** The frame as Ethernet (rebuilt for cooked captures), or null when it is not a Slow Protocols frame. */
function asEthernet(f: Uint8Array, link: number): { eth: Uint8Array; ifindex: number | null } | null {
  let proto: number, src: Uint8Array, payload: Uint8Array, ifindex: number | null = null;
  if (link === S.LINK_ETHERNET) {
    return isSlowProtocolsFrame(f) ? { eth: f, ifindex } : null;
  } else if (link === 113 && f.length >= 16) {
    proto = (f[14] << 8) | f[15];
    src = f.subarray(6, 12);
    payload = f.subarray(16);
  } else if (link === 276 && f.length >= 20) {
    proto = (f[0] << 8) | f[1];
    ifindex = ((f[4] << 24) | (f[5] << 16) | (f[6] << 8) | f[7]) >>> 0;
    src = f.subarray(12, 18);
    payload = f.subarray(20);
  } else return null;
  if (proto !== SLOW_PROTOCOLS_ETHERTYPE) return null;
  const eth = new Uint8Array(14 + payload.length);
  eth.set([0x01, 0x80, 0xc2, 0x00, 0x00, 0x02], 0);
  eth.set(src, 6);
  eth[12] = 0x88;
  eth[13] = 0x09;
  eth.set(payload, 14);
  return { eth, ifindex };
}

function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

export function lacpFromCapture(batch: FrameBatch): LacpCaptureReport {
  const times = batch.capture?.timestamps;
  const ports = new Map<string, LacpCapturePort & { times: number[] }>();
  const report: LacpCaptureReport = { frames: batch.count, slowFrames: 0, malformed: [], ports: [], aggregates: [], markers: [] };
  const pending = new Map<string, LacpCaptureReport['markers'][number]>();
  for (let i = 0; i < batch.count; i++) {
    const e = asEthernet(batch.frame(i), batch.linkTypeOf(i));
    if (!e) continue;
    report.slowFrames++;
    const time = times ? times[i] : NaN;
    let frame;
    try {
      frame = decodeSlowFrame(e.eth);
    } catch (err) {
      if (!(err instanceof PduFormatError)) throw err;
      report.malformed.push({ frame: i + 1, field: err.field, message: err.message });
      continue;
    }
    const src = e.ifindex === null ? frame.source : `${frame.source}%${e.ifindex}`;
    const pdu = frame.pdu;
    // a port is its MAC and port number: systems may send from one MAC on every port
    let key: string;
    if (pdu.type === 'lacp') key = `${src}/${pdu.actor.port}`;
    else if (pdu.type === 'marker-information') key = `${src}/${pdu.requesterPort}`;
    else {
      // the responder is the requester's partner port
      const responder = [...ports.values()].find((q) => q.port.startsWith(`${src}/`) && q.partner?.system === pdu.requesterSystem && q.partner.port === pdu.requesterPort);
      key = responder?.port ?? `${src}/?`;
    }
    let p = ports.get(key);
    if (!p) {
      p = {
        port: key, lacpdus: 0, markerInformation: 0, markerResponses: 0, first: NaN, last: NaN, interval: NaN, rate: 'unknown', askedRate: 'unknown',
        actor: null, partner: null, changes: [], times: [],
      };
      ports.set(key, p);
    }
    if (pdu.type === 'lacp') {
      if (p.actor && p.actor.state !== pdu.actor.state) p.changes.push({ time, frame: i + 1, from: p.actor.state, to: pdu.actor.state });
      p.lacpdus++;
      p.actor = pdu.actor;
      p.partner = pdu.partner;
      p.times.push(time);
    } else {
      const id = `${pdu.requesterSystem}|${pdu.requesterPort}|${pdu.transactionId}`;
      if (pdu.type === 'marker-information') {
        p.markerInformation++;
        const m = { frame: i + 1, time, port: key, requesterSystem: pdu.requesterSystem, requesterPort: pdu.requesterPort, transactionId: pdu.transactionId, responseFrame: null, latency: NaN };
        report.markers.push(m);
        pending.set(id, m);
      } else {
        p.markerResponses++;
        const m = pending.get(id);
        if (m) {
          m.responseFrame = i + 1;
          m.latency = time - m.time;
          pending.delete(id);
        }
      }
    }
  }
  for (const p of ports.values()) {
    const { times: t, ...rest } = p;
    const gaps = t.slice(1).map((x, k) => x - t[k]).filter((g) => Number.isFinite(g) && g >= 0.9);
    rest.first = t.length ? t[0] : NaN;
    rest.last = t.length ? t[t.length - 1] : NaN;
    rest.interval = median(gaps);
    // fast is 1 s, slow 30 s (802.1AX-2008 5.4.4); extra PDUs on changes only shorten gaps
    rest.rate = !Number.isFinite(rest.interval) ? 'unknown' : rest.interval < 5 ? 'fast' : 'slow';
    rest.askedRate = !rest.partner ? 'unknown' : rest.partner.state & STATE.timeout ? 'fast' : 'slow';
    report.ports.push(rest);
  }
  const aggs = new Map<string, LacpCaptureReport['aggregates'][number]>();
  for (const p of report.ports) {
    if (!p.actor || !p.partner) continue;
    const k = `${p.actor.system}|${p.actor.key}|${p.partner.system}|${p.partner.key}`;
    const a = aggs.get(k) ?? { system: p.actor.system, key: p.actor.key, partnerSystem: p.partner.system, partnerKey: p.partner.key, ports: [], distributing: [] };
    a.ports.push(p.port);
    if (p.actor.state & STATE.distributing) a.distributing.push(p.port);
    aggs.set(k, a);
  }
  report.aggregates = [...aggs.values()];
  return report;
}

/** The report as text: per port, the actor and partner as lacp/show prints them. */
export function formatLacpCapture(r: LacpCaptureReport, file: string): string {
  const out = [`${file}: ${r.frames} frames, ${r.slowFrames} Slow Protocols frames, ${r.ports.length} ports, ${r.malformed.length} malformed`];
  const info = (label: string, i: LacpInfo) =>
    `  ${label} system ${i.systemPriority},${i.system}  key ${i.key}  port ${i.portPriority},${i.port}  state ${stateNames(i.state).join(' ') || '(none)'}`;
  const t = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
  for (const a of r.aggregates) out.push(`aggregate: actor ${a.system} key ${a.key} <-> partner ${a.partnerSystem} key ${a.partnerKey}: ports ${a.ports.join(', ')}; distributing ${a.distributing.join(', ') || 'none'}`);
  for (const p of r.ports) {
    out.push('', `port ${p.port}: ${p.lacpdus} LACPDUs${Number.isFinite(p.interval) ? `, every ${p.interval.toFixed(1)} s (${p.rate})` : ''}${p.partner ? `, asked for ${p.askedRate}` : ''}, ${p.markerInformation} markers, ${p.markerResponses} marker responses`);
    if (p.actor) out.push(info('actor:  ', p.actor));
    if (p.partner) out.push(info('partner:', p.partner));
    for (const c of p.changes) out.push(`  at ${t(c.time)} (frame ${c.frame}): ${stateNames(c.from).join(' ') || '(none)'} -> ${stateNames(c.to).join(' ') || '(none)'}`);
  }
  if (r.markers.length) out.push('');
  for (const m of r.markers)
    out.push(`marker frame ${m.frame} on ${m.port}: requester ${m.requesterSystem} port ${m.requesterPort} id ${m.transactionId}: ${m.responseFrame === null ? 'no response' : `response in frame ${m.responseFrame} after ${(m.latency * 1000).toFixed(3)} ms`}`);
  for (const m of r.malformed) out.push(`malformed frame ${m.frame}: ${m.message}`);
  return out.join('\n') + '\n';
}
