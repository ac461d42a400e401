/**
 * Slow Protocols (IEEE 802.3 Annex 57A; 802.1AX): LACPDU version 1 and the
 * Marker PDUs, encoded to the bytes the standard lays out and decoded to typed
 * objects. A frame is 124 bytes without FCS: the Ethernet header (to
 * 01:80:c2:00:00:02, ethertype 0x8809) and a 110-byte PDU:
 *
 *   LACPDU   subtype 1, version 1;
 *            TLV 1 actor (20): system priority, system, key, port priority,
 *            port, state, 3 reserved; TLV 2 partner (20), the same;
 *            TLV 3 collector (16): max delay, 12 reserved;
 *            TLV 0 terminator (0); 50 reserved bytes
 *   Marker   subtype 2, version 1;
 *            TLV 1 information or 2 response (16): requester port, system,
 *            transaction id, 2 pad; TLV 0 terminator; 90 reserved bytes
 *
 * Multi-byte fields are big-endian. Decoding checks every length and type and
 * throws PduFormatError naming the field; reserved bytes are ignored on input
 * and zero on output, as the standard asks.
 */
import { InvalidArgumentError, PduFormatError, describe } from '../errors.js';
import { checkInt, checkOneOf, checkOptions, checkTyped } from '../validate.js';

export const SLOW_PROTOCOLS_ETHERTYPE = 0x8809;
export const SLOW_PROTOCOLS_MAC = '01:80:c2:00:00:02';
export const SUBTYPE_LACP = 1;
export const SUBTYPE_MARKER = 2;
/** Ethernet header and PDU, no FCS. */
export const SLOW_FRAME_LENGTH = 124;
const PDU_LENGTH = 110;

/** Actor and partner state bits (LACP_Activity is bit 0). */
export const STATE = {
  activity: 0x01, timeout: 0x02, aggregation: 0x04, synchronization: 0x08,
  collecting: 0x10, distributing: 0x20, defaulted: 0x40, expired: 0x80,
} as const;
export type StateBit = keyof typeof STATE;

/** The bits of a state byte by name: activity true is active, timeout true is short. */
export type PortState = Record<StateBit, boolean>;

export function stateFromByte(b: number): PortState {
  checkInt(b, 0, 0xff, 'state byte');
  const s = {} as PortState;
  for (const k of Object.keys(STATE) as StateBit[]) s[k] = (b & STATE[k]) !== 0;
  return s;
}

/** The state byte of named bits (a bit left out is clear). */
export function stateToByte(s: Partial<PortState>): number {
  checkOptions(s, Object.keys(STATE), 'port state');
  let b = 0;
  for (const k of Object.keys(STATE) as StateBit[]) {
    if (s[k] !== undefined && typeof s[k] !== 'boolean') throw new InvalidArgumentError(`Expected port state ${k} to be true or false, got ${describe(s[k])}`);
    if (s[k]) b |= STATE[k];
  }
  return b;
}

/** The bits set, by name, in standard order: for status output. */
export function stateNames(b: number): string[] {
  checkInt(b, 0, 0xff, 'state byte');
  return (Object.keys(STATE) as StateBit[]).filter((k) => b & STATE[k]);
}

/** Actor or partner information of a LACPDU. */
export interface LacpInfo {
  systemPriority: number;
  /** MAC address, lower case, colon-separated. */
  system: string;
  key: number;
  portPriority: number;
  port: number;
  /** The state byte (see STATE). */
  state: number;
}

export interface Lacpdu {
  type: 'lacp';
  actor: LacpInfo;
  partner: LacpInfo;
  /** Collector max delay, in tens of microseconds. */
  collectorMaxDelay: number;
}

export interface MarkerPdu {
  type: 'marker-information' | 'marker-response';
  requesterPort: number;
  /** MAC address of the requester's system. */
  requesterSystem: string;
  transactionId: number;
}

export type SlowPdu = Lacpdu | MarkerPdu;

/** A decoded frame: who sent it and what. */
export interface SlowFrame {
  source: string;
  destination: string;
  pdu: SlowPdu;
}

/**
 * The six bytes of a MAC address written like 02:00:00:00:00:01. With
 * `individual`, a group address is refused: 802.3 3.2.3, a source address is
 * an individual address.
 */
function macBytes(mac: unknown, what: string, individual = false): Uint8Array {
  const m = typeof mac === 'string' ? /^([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2}):([0-9a-f]{2})$/i.exec(mac) : null;
  if (!m) throw new InvalidArgumentError(`Expected ${what} to be a MAC address like 02:00:00:00:00:01, got ${describe(mac)}`);
  const b = Uint8Array.from(m.slice(1), (h) => parseInt(h, 16));
  if (individual && b[0] & 1) throw new InvalidArgumentError(`Expected ${what} to be an individual (unicast) MAC address, got the group address ${mac}`);
  return b;
}

/** A MAC address checked as macBytes does, in lower case. */
export function checkMac(mac: unknown, what: string, individual = false): string {
  macBytes(mac, what, individual);
  return (mac as string).toLowerCase();
}

/** Whether an Ethernet frame carries the Slow Protocols ethertype (LACP, Marker). */
export function isSlowProtocolsFrame(frame: Uint8Array): boolean {
  return frame.length >= 14 && ((frame[12] << 8) | frame[13]) === SLOW_PROTOCOLS_ETHERTYPE;
}

function macString(b: Uint8Array, o: number): string {
  return Array.from(b.subarray(o, o + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
}

function u16(v: number, what: string): number {
  return checkInt(v, 0, 0xffff, what);
}

const INFO_KEYS = ['systemPriority', 'system', 'key', 'portPriority', 'port', 'state'];

function header(frame: Uint8Array, source: string): DataView {
  frame.set(macBytes(SLOW_PROTOCOLS_MAC, 'destination'), 0);
  frame.set(macBytes(source, 'source', true), 6);
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  v.setUint16(12, SLOW_PROTOCOLS_ETHERTYPE);
  return v;
}

function writeInfo(frame: Uint8Array, v: DataView, o: number, type: number, info: LacpInfo, what: string): void {
  checkOptions(info, INFO_KEYS, `${what} information`);
  frame[o] = type;
  frame[o + 1] = 20;
  v.setUint16(o + 2, u16(info.systemPriority, `${what} system priority`));
  frame.set(macBytes(info.system, `${what} system`), o + 4);
  v.setUint16(o + 10, u16(info.key, `${what} key`));
  v.setUint16(o + 12, u16(info.portPriority, `${what} port priority`));
  v.setUint16(o + 14, u16(info.port, `${what} port`));
  frame[o + 16] = checkInt(info.state, 0, 0xff, `${what} state`);
}

/** The 124-byte frame of a LACPDU sent from MAC `source`. */
export function encodeLacpdu(source: string, pdu: Omit<Lacpdu, 'type'>): Uint8Array {
  checkOptions(pdu, ['actor', 'partner', 'collectorMaxDelay'], 'LACPDU');
  const frame = new Uint8Array(SLOW_FRAME_LENGTH);
  const v = header(frame, source);
  const p = 14;
  frame[p] = SUBTYPE_LACP;
  frame[p + 1] = 1;
  writeInfo(frame, v, p + 2, 1, pdu.actor, 'actor');
  writeInfo(frame, v, p + 22, 2, pdu.partner, 'partner');
  frame[p + 42] = 3;
  frame[p + 43] = 16;
  v.setUint16(p + 44, u16(pdu.collectorMaxDelay, 'collector max delay'));
  // terminator (type 0, length 0) and reserved bytes stay zero
  return frame;
}

/** The 124-byte frame of a Marker Information or Marker Response PDU sent from MAC `source`. */
export function encodeMarker(source: string, pdu: Omit<MarkerPdu, 'type'> & { type: MarkerPdu['type'] }): Uint8Array {
  checkOptions(pdu, ['type', 'requesterPort', 'requesterSystem', 'transactionId'], 'Marker PDU');
  checkOneOf(pdu.type, ['marker-information', 'marker-response'], 'marker type');
  const frame = new Uint8Array(SLOW_FRAME_LENGTH);
  const v = header(frame, source);
  const p = 14;
  frame[p] = SUBTYPE_MARKER;
  frame[p + 1] = 1;
  frame[p + 2] = pdu.type === 'marker-information' ? 1 : 2;
  frame[p + 3] = 16;
  v.setUint16(p + 4, u16(pdu.requesterPort, 'requester port'));
  frame.set(macBytes(pdu.requesterSystem, 'requester system'), p + 6);
  v.setUint32(p + 12, checkInt(pdu.transactionId, 0, 0xffffffff, 'transaction id'));
  return frame;
}

function expect(cond: boolean, field: string, message: string): void {
  if (!cond) throw new PduFormatError(field, `Malformed Slow Protocols PDU: ${field}: ${message}`);
}

function readInfo(b: Uint8Array, v: DataView, o: number, type: number, what: string): LacpInfo {
  expect(b[o] === type, `${what} information type`, `expected ${type}, got ${b[o]}`);
  expect(b[o + 1] === 20, `${what} information length`, `expected 20, got ${b[o + 1]}`);
  return {
    systemPriority: v.getUint16(o + 2), system: macString(b, o + 4), key: v.getUint16(o + 10),
    portPriority: v.getUint16(o + 12), port: v.getUint16(o + 14), state: b[o + 16],
  };
}

/**
 * Decode a Slow Protocols frame (Ethernet header first). Throws PduFormatError
 * naming the field for a truncated or malformed frame or an unknown subtype.
 */
export function decodeSlowFrame(frame: Uint8Array): SlowFrame {
  checkTyped(frame, Uint8Array, 'frame');
  expect(frame.length >= 14, 'ethernet header', `expected 14 bytes, got ${frame.length}`);
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  expect(v.getUint16(12) === SLOW_PROTOCOLS_ETHERTYPE, 'ethertype', `expected 0x8809, got 0x${v.getUint16(12).toString(16).padStart(4, '0')}`);
  const p = 14;
  expect(frame.length >= p + 2, 'subtype', 'expected a subtype and version, the frame ends before them');
  const subtype = frame[p], version = frame[p + 1];
  const need = (n: number, field: string) => expect(frame.length >= p + n, field, `expected ${n} bytes of PDU, the frame ends after ${Math.max(0, frame.length - p)}`);
  const source = macString(frame, 6), destination = macString(frame, 0);
  if (subtype === SUBTYPE_LACP) {
    expect(version >= 1, 'version', `expected 1 or later, got ${version}`);
    need(22, 'actor information');
    const actor = readInfo(frame, v, p + 2, 1, 'actor');
    need(42, 'partner information');
    const partner = readInfo(frame, v, p + 22, 2, 'partner');
    need(58, 'collector information');
    expect(frame[p + 42] === 3, 'collector information type', `expected 3, got ${frame[p + 42]}`);
    expect(frame[p + 43] === 16, 'collector information length', `expected 16, got ${frame[p + 43]}`);
    const collectorMaxDelay = v.getUint16(p + 44);
    need(60, 'terminator');
    if (version === 1) {
      expect(frame[p + 58] === 0 && frame[p + 59] === 0, 'terminator', `expected type 0 length 0, got type ${frame[p + 58]} length ${frame[p + 59]}`);
      need(PDU_LENGTH, 'reserved');
    }
    return { source, destination, pdu: { type: 'lacp', actor, partner, collectorMaxDelay } };
  }
  if (subtype === SUBTYPE_MARKER) {
    expect(version === 1, 'version', `expected 1, got ${version}`);
    need(4, 'marker information');
    const tlv = frame[p + 2];
    expect(tlv === 1 || tlv === 2, 'marker TLV type', `expected 1 (information) or 2 (response), got ${tlv}`);
    expect(frame[p + 3] === 16, 'marker information length', `expected 16, got ${frame[p + 3]}`);
    need(20, 'marker information');
    expect(frame[p + 18] === 0 && frame[p + 19] === 0, 'terminator', `expected type 0 length 0, got type ${frame[p + 18]} length ${frame[p + 19]}`);
    need(PDU_LENGTH, 'reserved');
    return {
      source, destination,
      pdu: {
        type: tlv === 1 ? 'marker-information' : 'marker-response',
        requesterPort: v.getUint16(p + 4), requesterSystem: macString(frame, p + 6), transactionId: v.getUint32(p + 12),
      },
    };
  }
  throw new PduFormatError('subtype', `Malformed Slow Protocols PDU: subtype: expected 1 (LACP) or 2 (Marker), got ${subtype}`);
}
