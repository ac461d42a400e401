/**
 * LACP (IEEE 802.1AX-2008 clause 5, formerly 802.3ad clause 43): the per-port
 * state machines of the standard, the selection logic, the marker responder and
 * a marker generator, with I/O left to the caller.
 *
 *   lacp.receive(port, frame)   a Slow Protocols frame arrived on a port
 *   lacp.on('send', fn)         fn(port, frame): put this frame on that port
 *   lacp.tick()                 run the machines at clock() (timers expire here)
 *   lacp.setPortUp(port, up)    link state (MAC_Operational)
 *
 * Time comes from an injected clock in milliseconds (default Date.now), so
 * tests run in simulated time; start() drives tick() from real timers.
 *
 * Machines (names as in the standard, 802.1AX-2008 5.4):
 *   Receive      INITIALIZE, PORT_DISABLED, EXPIRED, DEFAULTED, CURRENT, with
 *                recordPDU, recordDefault, update_Selected, update_NTT and
 *                update_Default_Selected (5.4.9). port_moved as in 5.4.12.
 *   Periodic     NO_PERIODIC, FAST_PERIODIC, SLOW_PERIODIC, PERIODIC_TX: the
 *                partner's Timeout bit sets our rate (5.4.13).
 *   Selection    each port chooses the aggregator of its LAG ID (actor and
 *                partner system priority, system and key; an individual link
 *                gets one of its own); one aggregator is active, chosen as
 *                the bonding driver's ad_select does (stable, bandwidth,
 *                count); ports of the others are STANDBY (5.4.14).
 *   Mux          independent control: DETACHED, WAITING (aggregate wait),
 *                ATTACHED, COLLECTING, DISTRIBUTING (5.4.15, figure 5-15).
 *   Transmit     on NTT, at most 3 LACPDUs per Fast_Periodic_Time (5.4.16).
 *   Churn        actor and partner churn detection (5.4.17).
 *
 * A Team in mode lacp follows the ports in DISTRIBUTING (setDistributing),
 * so every change gives the Team's change report. With markers on, a change
 * that moves conversations off a port that stays in use holds their frames
 * (Team HOLD), sends a Marker PDU on that port, and releases the hold when
 * the Marker Response comes back or the marker times out (802.1AX-2008 5.5).
 */
import { InvalidArgumentError, describe } from '../errors.js';
import { Team, type ChangeEvent } from '../team.js';
import { checkArray, checkBoolean, checkObject, checkFunction, checkInt, checkNumber, checkOneOf, checkOptions, checkTyped } from '../validate.js';

const OPTIONS = ['system', 'systemPriority', 'ports', 'key', 'rate', 'activity', 'aggregatorSelection', 'noPartner', 'team', 'markers', 'clock', 'timers'];
const PORT_OPTIONS = ['name', 'mac', 'number', 'priority', 'key', 'speed', 'up'];
import {
  STATE, checkMac, decodeSlowFrame, encodeLacpdu, encodeMarker, isSlowProtocolsFrame, stateNames,
  type LacpInfo, type Lacpdu, type MarkerPdu,
} from './codec.js';

export type LacpRate = 'fast' | 'slow';
export type LacpActivity = 'active' | 'passive';
/** How the active aggregator is chosen, as the bonding driver's ad_select. */
export type AggregatorSelection = 'stable' | 'bandwidth' | 'count';
/**
 * A port with no LACP partner (DEFAULTED):
 *   standard     stays out of the aggregate (the partner's admin state is not in sync);
 *   fallback-ab  when no port has a partner, one port carries traffic, as Open
 *                vSwitch's lacp-fallback-ab (the first up port by priority and
 *                number; it keeps the traffic until it goes down);
 *   manual       joins the aggregate when its link is up (admin partner state in
 *                sync, collecting and distributing: manual aggregation).
 */
export type NoPartner = 'standard' | 'fallback-ab' | 'manual';

export type RxState = 'initialize' | 'port-disabled' | 'expired' | 'defaulted' | 'current';
export type MuxState = 'detached' | 'waiting' | 'attached' | 'collecting' | 'distributing';
export type PeriodicState = 'no-periodic' | 'fast-periodic' | 'slow-periodic';
export type Selected = 'unselected' | 'selected' | 'standby';

/** Timer values in milliseconds (802.1AX-2008 5.4.4). */
export interface LacpTimers {
  fastPeriodic: number;
  slowPeriodic: number;
  shortTimeout: number;
  longTimeout: number;
  churnDetection: number;
  aggregateWait: number;
}

export const DEFAULT_TIMERS: Readonly<LacpTimers> = Object.freeze({
  fastPeriodic: 1000, slowPeriodic: 30_000, shortTimeout: 3000, longTimeout: 90_000, churnDetection: 60_000, aggregateWait: 2000,
});

/** At most this many LACPDUs per Fast_Periodic_Time on a port (5.4.16). */
export const MAX_TX_PER_PERIOD = 3;

export interface LacpPortOptions {
  name: string;
  /** Source MAC of the port's PDUs. Default: the system MAC. */
  mac?: string;
  /** Port number, 1..65535. Default: position in the list + 1. */
  number?: number;
  /** Port priority (lower is better). Default 255. */
  priority?: number;
  /** Operational key. Default: the system's key. */
  key?: number;
  /** Link speed in any unit, for aggregator selection by bandwidth. Default 1. */
  speed?: number;
  /** Link state. Default true. */
  up?: boolean;
}

export interface LacpOptions {
  /** The actor's system MAC address. */
  system: string;
  /** Default 32768. */
  systemPriority?: number;
  /** The ports; with a team and no ports, the team's ports. */
  ports?: readonly (string | LacpPortOptions)[];
  /** Default key of the ports. Default 1. */
  key?: number;
  /** The timeout the actor asks the partner for: fast (short timeout, 1 s PDUs) or slow (long, 30 s). Default slow. */
  rate?: LacpRate;
  /** Default active. */
  activity?: LacpActivity;
  /** Default stable. */
  aggregatorSelection?: AggregatorSelection;
  /** Default standard. */
  noPartner?: NoPartner;
  /** A Team in mode lacp: it carries traffic on the ports this LACP puts in DISTRIBUTING. */
  team?: Team;
  /** Marker generator: hold moving conversations until a Marker Response (or timeout, ms; default 100). Default off. */
  markers?: boolean | { timeout?: number };
  /** Milliseconds. Default Date.now. */
  clock?: () => number;
  /** Timer values; default the standard's. */
  timers?: Partial<LacpTimers>;
}

/** Per-port counters. */
export interface LacpPortCounters {
  lacpduRx: number;
  lacpduTx: number;
  markerRx: number;
  markerResponseTx: number;
  markerTx: number;
  markerResponseRx: number;
  /** Slow Protocols frames that did not decode (bad length, type, version...). */
  illegalRx: number;
  /** Transmissions delayed by the rate limit. */
  txLimited: number;
  actorChurns: number;
  partnerChurns: number;
}

export interface LacpPortStatus {
  name: string;
  up: boolean;
  rx: RxState;
  mux: MuxState;
  periodic: PeriodicState;
  selected: Selected;
  aggregator: number | null;
  actor: LacpInfo;
  partner: LacpInfo;
  actorChurn: boolean;
  partnerChurn: boolean;
  counters: LacpPortCounters;
}

export interface LacpStatus {
  system: string;
  systemPriority: number;
  activity: LacpActivity;
  rate: LacpRate;
  aggregatorSelection: AggregatorSelection;
  noPartner: NoPartner;
  /** The active aggregator's id, or null. A port founding an aggregator gives it its own port number when that is free. */
  activeAggregator: number | null;
  /** fallback-ab: the port carrying traffic without a partner, or null. */
  fallbackPort: string | null;
  /** Ports in DISTRIBUTING (or the fallback port). */
  distributing: string[];
  ports: LacpPortStatus[];
  markers: { sent: number; answered: number; timedOut: number; pending: number };
}

/** Events: 'send' (port, frame), 'state' (a port's machine changed state), 'release' (a marker hold ended). */
export interface LacpStateEvent {
  port: string;
  machine: 'rx' | 'mux' | 'selected';
  from: string;
  to: string;
}

export interface LacpReleaseEvent {
  hold: number;
  reason: 'response' | 'timeout';
}

type SendListener = (port: string, frame: Uint8Array) => void;
type StateListener = (e: LacpStateEvent) => void;
type ReleaseListener = (e: LacpReleaseEvent) => void;

const ZERO_MAC = '00:00:00:00:00:00';
const NEVER = Number.POSITIVE_INFINITY;
/** Bits compared by update_NTT (5.4.9): activity, timeout, synchronization, aggregation. */
const NTT_BITS = STATE.activity | STATE.timeout | STATE.synchronization | STATE.aggregation;

interface Port {
  name: string;
  index: number;
  mac: string;
  number: number;
  priority: number;
  key: number;
  speed: number;
  up: boolean;
  rx: RxState;
  mux: MuxState;
  periodic: PeriodicState;
  selected: Selected;
  aggregator: number | null;
  /** Actor_Oper_Port_State. */
  actorState: number;
  /** Partner operational information (from the last LACPDU, or the admin values). */
  partner: LacpInfo;
  ntt: boolean;
  portMoved: boolean;
  /** A received LACPDU not yet taken by the Receive machine. */
  pdu: Lacpdu | null;
  currentWhile: number;
  periodicAt: number;
  waitWhile: number;
  actorChurnAt: number;
  partnerChurnAt: number;
  actorChurn: boolean;
  partnerChurn: boolean;
  /** Times of the last transmissions (rate limit). */
  txTimes: number[];
  counters: LacpPortCounters;
}

interface PendingMarker {
  hold: number;
  port: Port;
  transactionId: number;
  deadline: number;
}

function sameInfo(a: LacpInfo, b: LacpInfo): boolean {
  return a.port === b.port && a.portPriority === b.portPriority && a.system === b.system && a.systemPriority === b.systemPriority && a.key === b.key;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], what: string, dflt: T): T {
  return v === undefined ? dflt : checkOneOf(v, allowed, what);
}

export class Lacp {
  readonly system: string;
  private systemPriority: number;
  private activity: LacpActivity;
  private rate: LacpRate;
  readonly aggregatorSelection: AggregatorSelection;
  readonly noPartner: NoPartner;
  readonly team: Team | null;
  private readonly clock: () => number;
  private readonly timers: LacpTimers;
  private readonly markerTimeout: number | null;
  private readonly ports: Port[] = [];
  private activeAggregator: number | null = null;
  private fallbackPort: Port | null = null;
  private now = 0;
  private running = false;
  private started = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private transactionSeq = 0;
  private pending: PendingMarker[] = [];
  private markerCounts = { sent: 0, answered: 0, timedOut: 0 };
  private sendListeners: SendListener[] = [];
  private stateListeners: StateListener[] = [];
  private releaseListeners: ReleaseListener[] = [];

  constructor(options: LacpOptions) {
    checkOptions(options, OPTIONS, 'LACP options');
    this.system = checkMac(options.system, 'system', true);  // the ports' default source address
    this.systemPriority = options.systemPriority === undefined ? 32768 : checkInt(options.systemPriority, 0, 0xffff, 'systemPriority');
    this.activity = oneOf(options.activity, ['active', 'passive'], 'activity', 'active');
    this.rate = oneOf(options.rate, ['fast', 'slow'], 'rate', 'slow');
    this.aggregatorSelection = oneOf(options.aggregatorSelection, ['stable', 'bandwidth', 'count'], 'aggregatorSelection', 'stable');
    this.noPartner = oneOf(options.noPartner, ['standard', 'fallback-ab', 'manual'], 'noPartner', 'standard');
    this.clock = options.clock === undefined ? Date.now : checkFunction(options.clock, 'clock');
    const timers = options.timers === undefined ? {} : checkOptions(options.timers, Object.keys(DEFAULT_TIMERS), 'timers');
    this.timers = { ...DEFAULT_TIMERS };
    for (const k of Object.keys(DEFAULT_TIMERS) as (keyof LacpTimers)[])
      if (timers[k] !== undefined) this.timers[k] = checkInt(timers[k], 1, 0x7fffffff, `timers.${k}`);
    const m = options.markers;
    if (m === undefined || m === false) this.markerTimeout = null;
    else if (m === true) this.markerTimeout = 100;
    else {
      const t = checkOptions(m, ['timeout'], 'markers').timeout;
      this.markerTimeout = t === undefined ? 100 : checkInt(t, 1, 0x7fffffff, 'markers.timeout');
    }
    if (options.team !== undefined && !(options.team instanceof Team)) throw new InvalidArgumentError(`Expected team to be a Team, got ${describe(options.team)}`);
    this.team = options.team ?? null;
    if (this.team && this.team.mode !== 'lacp') throw new InvalidArgumentError(`Expected a Team in mode lacp, got mode ${this.team.mode}`);
    if (this.markerTimeout !== null && !this.team) throw new InvalidArgumentError('Expected a team with markers (they move the conversations of a team), got none');
    const key = options.key === undefined ? 1 : checkInt(options.key, 0, 0xffff, 'key');
    const list = options.ports === undefined && this.team ? this.team.ports.map((p) => p.name) : checkArray(options.ports, 'ports');
    if (list.length === 0) throw new InvalidArgumentError('Expected ports to be a non-empty array of names or port options, got an empty array');
    this.now = this.clock();
    list.forEach((p, i) => this.addPort(typeof p === 'string' ? { name: p } : (p as LacpPortOptions), i, key));
    if (this.team) {
      const names = new Set(this.ports.map((p) => p.name));
      for (const tp of this.team.ports) if (!names.has(tp.name)) throw new InvalidArgumentError(`Expected the team's ports to be the LACP ports, got team port ${JSON.stringify(tp.name)} that is not an LACP port`);
      for (const p of this.ports) {
        if (!this.team.ports.some((tp) => tp.name === p.name)) throw new InvalidArgumentError(`Expected the LACP ports to be the team's ports, got LACP port ${JSON.stringify(p.name)} that is not in the team`);
      }
      for (const p of this.ports) {
        this.team.setPortUp(p.name, p.up);
        this.team.setDistributing(p.name, false);
      }
      if (this.markerTimeout !== null) {
        this.team.holdMoves(true);
        this.team.on('change', (ev) => this.onTeamChange(ev));
      }
    }
    // The machines start at the first tick() (or start()), once the caller listens for 'send'.
  }

  private addPort(o: LacpPortOptions, index: number, key: number): void {
    checkOptions(o, PORT_OPTIONS, 'port');
    if (typeof o.name !== 'string' || o.name === '') throw new InvalidArgumentError(`Expected a port name (a non-empty string), got ${describe(o.name)}`);
    if (this.ports.some((p) => p.name === o.name)) throw new InvalidArgumentError(`Expected unique port names, got ${JSON.stringify(o.name)} twice`);
    const number = o.number === undefined ? index + 1 : checkInt(o.number, 1, 0xffff, 'port number');
    if (this.ports.some((p) => p.number === number)) throw new InvalidArgumentError(`Expected unique port numbers, got ${number} twice`);
    const speed = o.speed === undefined ? 1 : checkNumber(o.speed, Number.MIN_VALUE, Number.MAX_VALUE, 'speed');
    const p: Port = {
      name: o.name, index, mac: o.mac === undefined ? this.system : checkMac(o.mac, 'port mac', true), number,
      priority: o.priority === undefined ? 255 : checkInt(o.priority, 0, 0xffff, 'port priority'),
      key: o.key === undefined ? key : checkInt(o.key, 0, 0xffff, 'port key'),
      speed, up: o.up === undefined ? true : checkBoolean(o.up, 'up'),
      rx: 'initialize', mux: 'detached', periodic: 'no-periodic', selected: 'unselected', aggregator: null,
      actorState: 0, partner: this.partnerAdmin(), ntt: false, portMoved: false, pdu: null,
      currentWhile: NEVER, periodicAt: NEVER, waitWhile: NEVER, actorChurnAt: NEVER, partnerChurnAt: NEVER,
      actorChurn: false, partnerChurn: false, txTimes: [],
      counters: {
        lacpduRx: 0, lacpduTx: 0, markerRx: 0, markerResponseTx: 0, markerTx: 0, markerResponseRx: 0,
        illegalRx: 0, txLimited: 0, actorChurns: 0, partnerChurns: 0,
      },
    };
    p.actorState = this.adminState();
    p.ntt = true;  // BEGIN enters Mux DETACHED, which sets NTT
    this.ports.push(p);
    this.enterRx(p, 'initialize');
  }

  // ---- events ------------------------------------------------------------------

  on(event: 'send', listener: SendListener): () => void;
  on(event: 'state', listener: StateListener): () => void;
  on(event: 'release', listener: ReleaseListener): () => void;
  on(event: 'send' | 'state' | 'release', listener: SendListener | StateListener | ReleaseListener): () => void {
    checkOneOf(event, ['send', 'state', 'release'], 'event');
    checkFunction(listener, 'listener');
    const lists: Record<string, unknown[]> = { send: this.sendListeners, state: this.stateListeners, release: this.releaseListeners };
    const list = lists[event];
    list.push(listener);
    return () => {
      const i = list.indexOf(listener);
      if (i >= 0) list.splice(i, 1);
    };
  }

  private emitState(p: Port, machine: LacpStateEvent['machine'], from: string, to: string): void {
    if (from === to) return;
    for (const l of this.stateListeners) l({ port: p.name, machine, from, to });
  }

  private transmit(p: Port, frame: Uint8Array): void {
    for (const l of this.sendListeners) l(p.name, frame);
  }

  // ---- inputs ------------------------------------------------------------------

  /**
   * A Slow Protocols frame (Ethernet header first) received on a port. LACPDUs
   * feed the port's Receive machine; Marker Information is answered on the same
   * port; a Marker Response ends its marker. Returns what the frame was, or
   * null for a frame that does not decode (counted as illegalRx) or that is
   * not a Slow Protocols frame.
   */
  receive(port: string, frame: Uint8Array): 'lacp' | 'marker-information' | 'marker-response' | null {
    const p = this.port(port);
    checkTyped(frame, Uint8Array, 'frame');
    if (!isSlowProtocolsFrame(frame)) return null;
    let pdu;
    try {
      pdu = decodeSlowFrame(frame).pdu;
    } catch {
      p.counters.illegalRx++;
      return null;
    }
    this.now = Math.max(this.now, this.clock());
    if (pdu.type === 'lacp') {
      p.counters.lacpduRx++;
      if (!p.up) return 'lacp';
      p.pdu = pdu;
      // port_moved (5.4.12): the partner's port now talks to us on another port
      for (const q of this.ports)
        if (q !== p && q.rx === 'port-disabled' && q.partner.system === pdu.actor.system && q.partner.port === pdu.actor.port && q.partner.systemPriority === pdu.actor.systemPriority)
          q.portMoved = true;
    } else if (pdu.type === 'marker-information') {
      p.counters.markerRx++;
      if (p.up) this.respond(p, pdu);
    } else {
      p.counters.markerResponseRx++;
      this.markerResponse(p, pdu);
    }
    this.run();
    return pdu.type;
  }

  /** Link up or down (the port's MAC_Operational). */
  setPortUp(port: string, up: boolean): void {
    const p = this.port(port);
    p.up = checkBoolean(up, 'up');
    this.now = Math.max(this.now, this.clock());
    this.team?.setPortUp(p.name, p.up);
    this.run();
  }

  /** Run the machines at clock(): expired timers take effect, due LACPDUs go out. */
  tick(): void {
    this.now = Math.max(this.now, this.clock());
    this.run();
  }

  /** The clock value at which tick() next has something to do (Infinity when nothing is scheduled). */
  nextDeadline(): number {
    if (!this.started) return this.clock();
    let t = NEVER;
    const later = (d: number) => {
      if (d > this.now && d < t) t = d;
    };
    for (const p of this.ports) {
      later(p.currentWhile);
      later(p.periodicAt);
      later(p.actorChurnAt);
      later(p.partnerChurnAt);
      if (p.mux === 'waiting') later(p.waitWhile);
      if (p.ntt && p.txTimes.length >= MAX_TX_PER_PERIOD) later(p.txTimes[0] + this.timers.fastPeriodic);
    }
    for (const m of this.pending) later(m.deadline);
    return t;
  }

  /** Drive tick() from real timers (with the default clock, Date.now). */
  start(): void {
    this.running = true;
    this.tick();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    const t = this.nextDeadline();
    const delay = t === NEVER ? 1000 : Math.max(0, Math.min(t - this.clock(), 1000));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.tick();
    }, delay);
    this.timer.unref?.();
  }

  // ---- configuration -----------------------------------------------------------

  /** Ask the partner for fast (1 s) or slow (30 s) LACPDUs: the actor's Timeout bit. */
  setRate(rate: LacpRate): void {
    this.rate = checkOneOf(rate, ['fast', 'slow'], 'rate');
    this.reconfigure(() => undefined);
  }

  setActivity(activity: LacpActivity): void {
    this.activity = checkOneOf(activity, ['active', 'passive'], 'activity');
    this.reconfigure(() => undefined);
  }

  setSystemPriority(priority: number): void {
    const v = checkInt(priority, 0, 0xffff, 'systemPriority');
    this.reconfigure(() => {
      this.systemPriority = v;
    }, true);
  }

  /** A port's operational key: the port leaves its aggregator and selects again. */
  setPortKey(port: string, key: number): void {
    const p = this.port(port);
    const v = checkInt(key, 0, 0xffff, 'key');
    if (v === p.key) return;
    this.reconfigure(() => {
      p.key = v;
      this.setSelected(p, 'unselected');
    });
  }

  setPortPriority(port: string, priority: number): void {
    const p = this.port(port);
    const v = checkInt(priority, 0, 0xffff, 'port priority');
    this.reconfigure(() => {
      p.priority = v;
    });
  }

  private reconfigure(change: () => void, lagIdChanges = false): void {
    this.now = Math.max(this.now, this.clock());
    change();
    const bits = STATE.activity | STATE.timeout;
    for (const p of this.ports) {
      p.actorState = (p.actorState & ~bits) | (this.adminState() & bits);
      if (lagIdChanges) this.setSelected(p, 'unselected');
      p.ntt = true;
    }
    this.run();
  }

  // ---- state machines ----------------------------------------------------------

  /** Actor admin state: activity, timeout and aggregation from the configuration. */
  private adminState(): number {
    return (this.activity === 'active' ? STATE.activity : 0) | (this.rate === 'fast' ? STATE.timeout : 0) | STATE.aggregation;
  }

  /**
   * Partner admin values (recordDefault). Standard: an unknown partner, not in
   * sync, so a port without one stays out; manual: a partner in sync,
   * collecting and distributing, so the port joins when its link is up.
   */
  private partnerAdmin(): LacpInfo {
    const manual = this.noPartner === 'manual';
    return {
      systemPriority: 0, system: ZERO_MAC, key: 0, portPriority: 0, port: 0,
      state: STATE.timeout | STATE.aggregation | (manual ? STATE.synchronization | STATE.collecting | STATE.distributing : 0),
    };
  }

  private actorInfo(p: Port): LacpInfo {
    return { systemPriority: this.systemPriority, system: this.system, key: p.key, portPriority: p.priority, port: p.number, state: p.actorState };
  }

  private expired(deadline: number): boolean {
    return this.now >= deadline;
  }

  private setSelected(p: Port, s: Selected): void {
    const from = p.selected;
    p.selected = s;
    this.emitState(p, 'selected', from, s);
  }

  private setBit(p: Port, bit: number, on: boolean): void {
    p.actorState = on ? p.actorState | bit : p.actorState & ~bit;
  }

  private run(): void {
    this.started = true;
    // Each pass runs every machine once; a pass without a change ends the loop.
    for (let pass = 0; pass < 64; pass++) {
      let changed = false;
      for (const p of this.ports) changed = this.rxMachine(p) || changed;
      changed = this.selectionLogic() || changed;
      for (const p of this.ports) changed = this.muxMachine(p) || changed;
      for (const p of this.ports) changed = this.periodicMachine(p) || changed;
      for (const p of this.ports) this.churnMachines(p);
      if (!changed) break;
    }
    this.fallback();
    for (const p of this.ports) this.transmitMachine(p);
    this.markerTimeouts();
    this.schedule();
  }

  // Receive machine (5.4.12); true when it entered a state (re-entering CURRENT counts)
  private rxMachine(p: Port): boolean {
    if (!p.up && !p.portMoved && p.rx !== 'port-disabled' && p.rx !== 'initialize') {
      p.pdu = null;
      this.enterRx(p, 'port-disabled');
      return true;
    }
    switch (p.rx) {
      case 'initialize':
        this.enterRx(p, 'port-disabled');
        return true;
      case 'port-disabled':
        p.pdu = null;
        if (p.portMoved) this.enterRx(p, 'initialize');
        else if (p.up) this.enterRx(p, 'expired');
        else return false;
        return true;
      default:
        if (p.pdu) this.enterRx(p, 'current');
        else if (p.rx !== 'defaulted' && this.expired(p.currentWhile)) this.enterRx(p, p.rx === 'current' ? 'expired' : 'defaulted');
        else return false;
        return true;
    }
  }

  private enterRx(p: Port, s: RxState): void {
    const from = p.rx;
    p.rx = s;
    switch (s) {
      case 'initialize':
        this.setSelected(p, 'unselected');
        this.recordDefault(p);
        this.setBit(p, STATE.expired, false);
        p.portMoved = false;
        break;
      case 'port-disabled':
        p.partner = { ...p.partner, state: p.partner.state & ~STATE.synchronization };
        p.currentWhile = NEVER;
        break;
      case 'expired':
        p.partner = { ...p.partner, state: (p.partner.state & ~STATE.synchronization) | STATE.timeout };
        p.currentWhile = this.now + this.timers.shortTimeout;
        this.setBit(p, STATE.expired, true);
        break;
      case 'defaulted':
        this.updateDefaultSelected(p);
        this.recordDefault(p);
        this.setBit(p, STATE.expired, false);
        p.currentWhile = NEVER;
        break;
      case 'current': {
        const pdu = p.pdu!;
        p.pdu = null;
        this.updateSelected(p, pdu);
        this.updateNtt(p, pdu);
        this.recordPdu(p, pdu);
        p.currentWhile = this.now + (p.actorState & STATE.timeout ? this.timers.shortTimeout : this.timers.longTimeout);
        this.setBit(p, STATE.expired, false);
        break;
      }
    }
    this.emitState(p, 'rx', from, s);
  }

  /** recordPDU (5.4.9): the partner's information, and whether it is in sync with ours. */
  private recordPdu(p: Port, pdu: Lacpdu): void {
    const actor = this.actorInfo(p);
    const matched =
      (sameInfo(pdu.partner, actor) && (pdu.partner.state & STATE.aggregation) === (p.actorState & STATE.aggregation)) ||
      !(pdu.actor.state & STATE.aggregation);
    const active = (p.actorState & STATE.activity) !== 0 || (pdu.actor.state & STATE.activity) !== 0;
    const sync = matched && active && (pdu.actor.state & STATE.synchronization) !== 0;
    p.partner = { ...pdu.actor, state: sync ? pdu.actor.state | STATE.synchronization : pdu.actor.state & ~STATE.synchronization };
    this.setBit(p, STATE.defaulted, false);
  }

  /** recordDefault (5.4.9). */
  private recordDefault(p: Port): void {
    p.partner = this.partnerAdmin();
    this.setBit(p, STATE.defaulted, true);
  }

  /** update_Selected (5.4.9): a different partner, or a change of its aggregation bit, unselects. */
  private updateSelected(p: Port, pdu: Lacpdu): void {
    if (!sameInfo(pdu.actor, p.partner) || (pdu.actor.state & STATE.aggregation) !== (p.partner.state & STATE.aggregation))
      this.setSelected(p, 'unselected');
  }

  /** update_Default_Selected (5.4.9). */
  private updateDefaultSelected(p: Port): void {
    const admin = this.partnerAdmin();
    if (!sameInfo(admin, p.partner) || (admin.state & STATE.aggregation) !== (p.partner.state & STATE.aggregation))
      this.setSelected(p, 'unselected');
  }

  /** update_NTT (5.4.9): the partner's view of us is out of date. */
  private updateNtt(p: Port, pdu: Lacpdu): void {
    if (!sameInfo(pdu.partner, this.actorInfo(p)) || (pdu.partner.state & NTT_BITS) !== (p.actorState & NTT_BITS)) p.ntt = true;
  }

  /** The LAG ID of a port, or null while it has no partner information to select on. */
  private lagId(p: Port): string | null {
    if (!p.up || (p.rx !== 'current' && p.rx !== 'defaulted' && p.rx !== 'expired')) return null;
    const individual = !(p.actorState & STATE.aggregation) || !(p.partner.state & STATE.aggregation);
    if (individual) return `individual:${p.number}`;
    const q = p.partner;
    return `${this.systemPriority},${this.system},${p.key}|${q.systemPriority},${q.system},${q.key}`;
  }

  // Selection Logic (5.4.14)
  private selectionLogic(): boolean {
    let changed = false;
    // Ports detached from their aggregator choose again.
    for (const p of this.ports) {
      if (p.selected === 'unselected' && p.mux === 'detached' && p.aggregator !== null) {
        p.aggregator = null;
        changed = true;
      }
    }
    for (const p of this.ports) {
      if (p.aggregator !== null || p.selected !== 'unselected' || p.mux !== 'detached') continue;
      const id = this.lagId(p);
      if (id === null) continue;
      const mate = id.startsWith('individual:') ? undefined : this.ports.find((q) => q !== p && q.aggregator !== null && this.lagId(q) === id);
      if (mate) p.aggregator = mate.aggregator;
      else {
        // the port's own aggregator (numbered as the port), or the first free one
        const used = new Set(this.ports.map((q) => q.aggregator));
        let a = p.number;
        if (used.has(a)) for (a = 1; used.has(a); a++);
        p.aggregator = a;
      }
      this.setSelected(p, 'selected');
      changed = true;
    }
    // One aggregator is active; the others' ports are standby.
    const active = this.chooseAggregator();
    if (active !== this.activeAggregator) {
      this.activeAggregator = active;
      changed = true;
    }
    for (const p of this.ports) {
      if (p.aggregator === null || p.selected === 'unselected') continue;
      const want: Selected = p.aggregator === active ? 'selected' : 'standby';
      if (p.selected !== want) {
        this.setSelected(p, want);
        changed = true;
      }
    }
    return changed;
  }

  /** The bonding driver's ad_agg_selection_logic(): prefer a partner, then by bandwidth or count; stable keeps the current one while it has ports. */
  private chooseAggregator(): number | null {
    const aggs = new Map<number, { ports: number; bandwidth: number; partner: boolean }>();
    for (const p of this.ports) {
      if (p.aggregator === null || p.selected === 'unselected' || !p.up) continue;
      const a = aggs.get(p.aggregator) ?? { ports: 0, bandwidth: 0, partner: false };
      a.ports++;
      a.bandwidth += p.speed;
      a.partner ||= p.rx === 'current';
      aggs.set(p.aggregator, a);
    }
    if (!aggs.size) return null;
    const cur = this.activeAggregator === null ? undefined : aggs.get(this.activeAggregator);
    const anyPartner = [...aggs.values()].some((a) => a.partner);
    if (this.aggregatorSelection === 'stable' && cur && (cur.partner || !anyPartner)) return this.activeAggregator;
    let best: number | null = null;
    let bestScore: number[] = [];
    for (const [id, a] of [...aggs].sort((x, y) => x[0] - y[0])) {
      const score = this.aggregatorSelection === 'count' ? [+a.partner, a.ports, a.bandwidth] : [+a.partner, a.bandwidth, a.ports];
      if (best === null || score[0] > bestScore[0] || (score[0] === bestScore[0] && (score[1] > bestScore[1] || (score[1] === bestScore[1] && score[2] > bestScore[2])))) {
        best = id;
        bestScore = score;
      }
    }
    return best;
  }

  /** Ready (5.4.8): every port waiting for the aggregator has waited aggregate-wait. */
  private ready(agg: number): boolean {
    return this.ports.every((q) => q.aggregator !== agg || q.mux !== 'waiting' || q.selected !== 'selected' || this.expired(q.waitWhile));
  }

  // Mux machine, independent control (5.4.15)
  private muxMachine(p: Port): boolean {
    const selected = p.selected === 'selected';
    const partnerSync = (p.partner.state & STATE.synchronization) !== 0;
    const partnerCollecting = (p.partner.state & STATE.collecting) !== 0;
    switch (p.mux) {
      case 'detached':
        if (p.selected !== 'unselected' && p.aggregator !== null) return this.enterMux(p, 'waiting');
        break;
      case 'waiting':
        if (p.selected === 'unselected') return this.enterMux(p, 'detached');
        if (selected && this.ready(p.aggregator!)) return this.enterMux(p, 'attached');
        break;
      case 'attached':
        if (!selected) return this.enterMux(p, 'detached');
        if (partnerSync) return this.enterMux(p, 'collecting');
        break;
      case 'collecting':
        if (!selected || !partnerSync) return this.enterMux(p, 'attached');
        if (partnerCollecting) return this.enterMux(p, 'distributing');
        break;
      case 'distributing':
        if (!selected || !partnerSync || !partnerCollecting) return this.enterMux(p, 'collecting');
        break;
    }
    return false;
  }

  private enterMux(p: Port, s: MuxState): boolean {
    const from = p.mux;
    p.mux = s;
    switch (s) {
      case 'detached':
        this.setBit(p, STATE.synchronization | STATE.collecting | STATE.distributing, false);
        p.ntt = true;
        p.waitWhile = NEVER;
        break;
      case 'waiting':
        p.waitWhile = this.now + this.timers.aggregateWait;
        break;
      case 'attached':
        this.setBit(p, STATE.synchronization, true);
        this.setBit(p, STATE.collecting | STATE.distributing, false);
        p.ntt = true;
        break;
      case 'collecting':
        this.setBit(p, STATE.collecting, true);
        this.setBit(p, STATE.distributing, false);
        p.ntt = true;
        break;
      case 'distributing':
        // the 2008 text sets no NTT here; we tell the partner at once, as the bonding driver does
        this.setBit(p, STATE.distributing, true);
        p.ntt = true;
        break;
    }
    this.emitState(p, 'mux', from, s);
    if (from === 'distributing' || s === 'distributing') this.team?.setDistributing(p.name, s === 'distributing');
    return true;
  }

  // Periodic Transmission machine (5.4.13)
  private periodicMachine(p: Port): boolean {
    const off = !p.up || (!(p.actorState & STATE.activity) && !(p.partner.state & STATE.activity));
    const fast = (p.partner.state & STATE.timeout) !== 0;
    const before = p.periodic, beforeAt = p.periodicAt;
    if (off) {
      p.periodic = 'no-periodic';
      p.periodicAt = NEVER;
    } else if (p.periodic === 'no-periodic') {
      p.periodic = 'fast-periodic';
      p.periodicAt = this.now + this.timers.fastPeriodic;
      if (!fast) this.slow(p);
    } else if (this.expired(p.periodicAt) || (p.periodic === 'slow-periodic' && fast)) {
      p.ntt = true;  // PERIODIC_TX
      p.periodic = fast ? 'fast-periodic' : 'slow-periodic';
      p.periodicAt = this.now + (fast ? this.timers.fastPeriodic : this.timers.slowPeriodic);
    } else if (p.periodic === 'fast-periodic' && !fast) {
      this.slow(p);
    }
    return p.periodic !== before || (p.periodicAt !== beforeAt && before === 'no-periodic');
  }

  private slow(p: Port): void {
    p.periodic = 'slow-periodic';
    p.periodicAt = this.now + this.timers.slowPeriodic;
  }

  // Churn Detection machines (5.4.17): no sync within Churn_Detection_Time is churn.
  private churnMachines(p: Port): void {
    const actorSync = (p.actorState & STATE.synchronization) !== 0;
    const partnerSync = (p.partner.state & STATE.synchronization) !== 0;
    if (!p.up) {
      p.actorChurnAt = p.partnerChurnAt = NEVER;
      p.actorChurn = p.partnerChurn = false;
      return;
    }
    this.churn(p, 'actor', actorSync);
    this.churn(p, 'partner', partnerSync);
  }

  private churn(p: Port, who: 'actor' | 'partner', sync: boolean): void {
    const at = who === 'actor' ? 'actorChurnAt' : 'partnerChurnAt';
    const flag = who === 'actor' ? 'actorChurn' : 'partnerChurn';
    if (sync) {
      p[at] = NEVER;  // NO_CHURN
      p[flag] = false;
      return;
    }
    if (p[flag]) return;  // CHURN until in sync
    if (p[at] === NEVER) p[at] = this.now + this.timers.churnDetection;  // CHURN_MONITOR
    else if (this.expired(p[at])) {
      p[flag] = true;
      p[at] = NEVER;
      p.counters[who === 'actor' ? 'actorChurns' : 'partnerChurns']++;
    }
  }

  // Transmit machine (5.4.16)
  private transmitMachine(p: Port): void {
    // NTT waits while the link is down or neither end is active
    if (!p.ntt || !p.up || p.periodic === 'no-periodic') return;
    while (p.txTimes.length && p.txTimes[0] + this.timers.fastPeriodic <= this.now) p.txTimes.shift();
    if (p.txTimes.length >= MAX_TX_PER_PERIOD) {
      p.counters.txLimited++;
      return;
    }
    p.ntt = false;
    p.txTimes.push(this.now);
    p.counters.lacpduTx++;
    this.transmit(p, encodeLacpdu(p.mac, { actor: this.actorInfo(p), partner: p.partner, collectorMaxDelay: 0 }));
  }

  /**
   * fallback-ab: with no partner on any port, the first up port (by priority,
   * then number) carries traffic alone, as Open vSwitch's lacp-fallback-ab.
   */
  private fallback(): void {
    if (this.noPartner !== 'fallback-ab') return;
    const up = this.ports.filter((p) => p.up);
    const anyPartner = this.ports.some((p) => p.rx === 'current' || p.mux === 'distributing');
    let pick: Port | null = null;
    if (!anyPartner && up.length)
      pick = this.fallbackPort?.up ? this.fallbackPort : [...up].sort((a, b) => a.priority - b.priority || a.number - b.number)[0];
    if (pick === this.fallbackPort) return;
    const old = this.fallbackPort;
    this.fallbackPort = pick;
    if (old && old.mux !== 'distributing') this.team?.setDistributing(old.name, false);
    if (pick) this.team?.setDistributing(pick.name, true);
  }

  // ---- marker protocol (5.5) -------------------------------------------------------

  /** Marker responder: the same information back, as a Marker Response, on the same port. */
  private respond(p: Port, pdu: MarkerPdu): void {
    p.counters.markerResponseTx++;
    this.transmit(p, encodeMarker(p.mac, { type: 'marker-response', requesterPort: pdu.requesterPort, requesterSystem: pdu.requesterSystem, transactionId: pdu.transactionId }));
  }

  /** Marker generator: a team change holds conversations leaving a port; a marker on that port ends the hold. */
  private onTeamChange(ev: ChangeEvent): void {
    if (!ev.hold) return;
    this.now = Math.max(this.now, this.clock());
    const hold = ev.hold.id;
    let sent = 0;
    for (const name of ev.hold.from) {
      const p = this.ports.find((q) => q.name === name);
      if (!p || !p.up) continue;
      const transactionId = this.transactionSeq = (this.transactionSeq + 1) >>> 0;
      this.pending.push({ hold, port: p, transactionId, deadline: this.now + this.markerTimeout! });
      p.counters.markerTx++;
      this.markerCounts.sent++;
      sent++;
      this.transmit(p, encodeMarker(p.mac, { type: 'marker-information', requesterPort: p.number, requesterSystem: this.system, transactionId }));
    }
    if (!sent) this.team!.release(hold, 'response');
    this.schedule();  // the marker timeout, when the change came from outside run()
  }

  private markerResponse(p: Port, pdu: MarkerPdu): void {
    const i = this.pending.findIndex((m) => m.port === p && m.transactionId === pdu.transactionId && pdu.requesterPort === p.number && pdu.requesterSystem === this.system);
    if (i < 0) return;
    const m = this.pending.splice(i, 1)[0];
    this.markerCounts.answered++;
    if (!this.pending.some((x) => x.hold === m.hold)) this.endHold(m.hold, 'response');
  }

  private markerTimeouts(): void {
    // a hold ends with its first late marker; its others (sent with it) end with it
    const holds = new Set(this.pending.filter((m) => this.expired(m.deadline)).map((m) => m.hold));
    if (!holds.size) return;
    const kept = this.pending.filter((m) => !holds.has(m.hold));
    this.markerCounts.timedOut += this.pending.length - kept.length;
    this.pending = kept;
    for (const hold of holds) this.endHold(hold, 'timeout');
  }

  private endHold(hold: number, reason: LacpReleaseEvent['reason']): void {
    this.team!.release(hold, reason);
    for (const l of this.releaseListeners) l({ hold, reason });
  }

  // ---- status ------------------------------------------------------------------

  private port(name: string): Port {
    const p = typeof name === 'string' ? this.ports.find((x) => x.name === name) : undefined;
    if (!p) throw new InvalidArgumentError(`Expected the name of an LACP port (${this.ports.map((x) => x.name).join(', ')}), got ${describe(name)}`);
    return p;
  }

  status(): LacpStatus {
    return {
      system: this.system, systemPriority: this.systemPriority, activity: this.activity, rate: this.rate,
      aggregatorSelection: this.aggregatorSelection, noPartner: this.noPartner, activeAggregator: this.activeAggregator,
      fallbackPort: this.fallbackPort?.name ?? null,
      distributing: this.ports.filter((p) => p.mux === 'distributing' || p === this.fallbackPort).map((p) => p.name),
      ports: this.ports.map((p) => ({
        name: p.name, up: p.up, rx: p.rx, mux: p.mux, periodic: p.periodic, selected: p.selected, aggregator: p.aggregator,
        actor: this.actorInfo(p), partner: { ...p.partner }, actorChurn: p.actorChurn, partnerChurn: p.partnerChurn, counters: { ...p.counters },
      })),
      markers: { ...this.markerCounts, pending: this.pending.length },
    };
  }
}

/** LACP status as text, in the spirit of /proc/net/bonding/bond0 and ovs-appctl lacp/show. */
export function formatLacpStatus(s: LacpStatus): string {
  checkObject(s, 'status');
  for (const p of checkArray(s.ports, 'status ports')) {
    checkObject(p, 'a port of the status');
    const q = p as Partial<LacpPortStatus>;
    checkObject(q.actor, 'port actor');
    checkObject(q.partner, 'port partner');
    checkObject(q.counters, 'port counters');
  }
  checkObject(s.markers, 'status markers');
  checkArray(s.distributing, 'status distributing');
  const info = (i: LacpInfo) => [
    `    system id: ${i.systemPriority},${i.system}`,
    `    key: ${i.key}`,
    `    port id: ${i.portPriority},${i.port}`,
    `    state: ${stateNames(i.state).join(' ') || '(none)'} (0x${i.state.toString(16).padStart(2, '0')})`,
  ];
  const lines = [
    `system id: ${s.systemPriority},${s.system}`,
    `activity: ${s.activity}    rate: ${s.rate}    aggregator selection: ${s.aggregatorSelection}    no partner: ${s.noPartner}`,
    `active aggregator: ${s.activeAggregator ?? 'none'}`,
    `distributing: ${s.distributing.join(', ') || 'none'}${s.fallbackPort ? ` (fallback active-backup on ${s.fallbackPort})` : ''}`,
    `markers: sent ${s.markers.sent}, answered ${s.markers.answered}, timed out ${s.markers.timedOut}, pending ${s.markers.pending}`,
  ];
  for (const p of s.ports) {
    lines.push('', `port ${p.name}: ${p.up ? 'up' : 'down'}, ${p.rx}, ${p.mux}, ${p.selected}${p.aggregator === null ? '' : `, aggregator ${p.aggregator}`}${p.actorChurn ? ', actor churn' : ''}${p.partnerChurn ? ', partner churn' : ''}`);
    lines.push('  actor:', ...info(p.actor), '  partner:', ...info(p.partner));
    const c = p.counters;
    lines.push(`  lacpdus rx ${c.lacpduRx} tx ${c.lacpduTx}, markers rx ${c.markerRx} tx ${c.markerTx}, responses rx ${c.markerResponseRx} tx ${c.markerResponseTx}, illegal rx ${c.illegalRx}`);
  }
  return lines.join('\n') + '\n';
}
