/**
 * A real LACP partner for tests: Open vSwitch's userspace LACP (ovs-vswitchd
 * with the netdev datapath), started privately for one test and driven frame
 * by frame from Node.
 *
 * Topology, all inside a network namespace of our own (lh-<pid>-<n>):
 *
 *   ovs-vswitchd --disable-system          relay.py (python3, AF_PACKET)
 *     bridge br0 (datapath_type=netdev)       stdin/stdout <-> Node
 *       port bond0, lacp=active
 *         lhb0  <-------- veth -------->  lhp0
 *         lhb1  <-------- veth -------->  lhp1   ...
 *
 * ovs-vswitchd runs in the namespace (`ip netns exec`) and opens its ends
 * (lhbN) with AF_PACKET; the relay opens the peer ends (lhpN) and carries
 * whole Ethernet frames to and from Node: send(i, frame) puts a frame on the
 * wire towards OVS's member i, onFrame sees what OVS sends there. The bond
 * watches its links by miimon (other_config:bond-detect-mode=miimon; link
 * notifications do not reach OVS on every machine), so setLinkUp(i, false),
 * which takes the peer end down, is a cable pulled on the partner's side:
 * OVS's end loses carrier.
 *
 * ovsdb-server and ovs-vswitchd have their own database, unix sockets, pid and
 * log files in a temporary directory (OVS_RUNDIR, OVS_DBDIR, OVS_LOGDIR and
 * OVS_SYSCONFDIR point there too), so no system instance is used or touched.
 * Every process is started here, without --detach, and stopped by its pid;
 * the veths and the namespace are deleted by name; the directory is removed.
 * That happens in stop(), and, for a harness still running, on SIGINT,
 * SIGTERM, process exit and (in a forked test worker) the loss of the
 * runner's IPC channel. The daemons also get a parent-death signal
 * (setpriv --pdeathsig) so a test process killed outright does not leave them
 * running; the namespace and directory left behind that way (named after
 * the dead pid) are removed by the next start.
 *
 * What OVS 3.1's LACP does (lib/lacp.c; seen through this harness):
 *  - A new member starts expired, the partner assumed to want short
 *    timeouts: LACPDUs every second, the actor claiming synchronization,
 *    collecting and distributing already. With nothing heard for 3 s (fast)
 *    it is defaulted: partner information zeroed, actor not in sync, and
 *    LACPDUs only every 30 s, because OVS sends at the rate the partner's
 *    timeout bit asks for (1 s if set, 30 s if not). lacp=passive sends
 *    nothing until it hears from a partner.
 *  - One LACPDU from a partner makes the member current and attached at once
 *    (OVS answers immediately: its sync bit changed); it is enabled as soon
 *    as the partner's synchronization bit is set: no wait-while timer, no
 *    separate collecting/distributing steps.
 *  - Partner silent for 3 receive periods: expired (partner sync cleared,
 *    member disabled), then defaulted 3 s later. Carrier lost: expired at
 *    once.
 *  - Marker PDUs are counted ("RX Marker Request PDUs" in lacp/show-stats,
 *    and in "RX PDUs") and otherwise ignored: no Marker Response; OVS never
 *    sends a Marker PDU itself.
 *  - The key is other_config:lacp-aggregation-key, else the port id of one
 *    member; port ids are other_config:lacp-port-id (set here to index + 1).
 *
 * Needs Linux, root (or CAP_NET_ADMIN and CAP_SYS_ADMIN for `ip netns`), the
 * OVS binaries (Debian's openvswitch-switch; the system service is not used),
 * iproute2 and python3. ovsHarnessAvailability() says whether all of that is
 * there and, if not, why.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STATE, type PortState, type StateBit, stateToByte } from '../../lib/lacp/codec.js';

const RELAY = fileURLToPath(new URL('./relay.py', import.meta.url));
const SCHEMA_CANDIDATES = [
  process.env.OVS_PKGDATADIR && join(process.env.OVS_PKGDATADIR, 'vswitch.ovsschema'),
  '/usr/share/openvswitch/vswitch.ovsschema',
  '/usr/local/share/openvswitch/vswitch.ovsschema',
];
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];
const PATH = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SBIN].join(delimiter);
const BRIDGE = 'br0';
const BOND = 'bond0';
const CONTROL = 255;

// ---------------------------------------------------------------------------
// Availability

export type OvsAvailability =
  | { available: true }
  | { available: false; reason: string; /** Programs not found; empty when only the privileges are missing. */ missing: string[] };

function isProgram(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function which(name: string): string | null {
  if (!name) return null;
  if (name.includes('/')) return isProgram(name) ? name : null;
  for (const dir of PATH.split(delimiter)) {
    const p = join(dir, name);
    if (isProgram(p)) return p;
  }
  return null;
}

function pythonPath(): string | null {
  return which(process.env.LAGHASH_PYTHON ?? '') ?? which('/usr/bin/python3') ?? which('python3');
}

function schemaPath(): string | null {
  return SCHEMA_CANDIDATES.find((p): p is string => !!p && existsSync(p)) ?? null;
}

let availability: OvsAvailability | undefined;

/**
 * Whether startOvsLacp can run here: the programs (ovs-vswitchd, ovsdb-server,
 * ovs-vsctl, ovs-appctl, ovsdb-tool, ip, python3), OVS's schema, and the
 * privilege to create a network namespace with a veth pair in it (tried, then
 * removed). Synchronous and cached, for describe.skipIf.
 */
/**
 * For a test file: whether OVS tests can run here, and if not why (the reason,
 * also printed). In CI a missing OVS is an error (.ci/run installs it); only
 * an environment without network namespaces may skip there.
 */
export function ovsTestGate(what: string): { available: boolean; skipReason: string } {
  const avail = ovsHarnessAvailability();
  if (!avail.available && avail.missing.length && process.env.CI === 'true')
    throw new Error(`CI must have Open vSwitch for the ${what} (.ci/run installs it): ${avail.reason}`);
  const skipReason = avail.available ? '' : avail.reason;
  if (skipReason) console.warn(`laghash tests: ${what} skipped: ${skipReason}`);
  return { available: avail.available, skipReason };
}

export function ovsHarnessAvailability(): OvsAvailability {
  if (availability) return availability;
  availability = probe();
  return availability;
}

function probe(): OvsAvailability {
  if (process.platform !== 'linux') return { available: false, reason: `needs Linux network namespaces (this is ${process.platform})`, missing: [] };
  const missing = ['ovs-vswitchd', 'ovsdb-server', 'ovs-vsctl', 'ovs-appctl', 'ovsdb-tool', 'ip'].filter((p) => !which(p));
  if (!pythonPath()) missing.push('python3');
  if (!schemaPath()) missing.push('vswitch.ovsschema');
  if (missing.length)
    return { available: false, missing, reason: `missing ${missing.join(', ')} (Debian: apt-get install openvswitch-switch iproute2 python3)` };
  const ns = `lh-${process.pid}-probe`;
  const add = run(['ip', 'netns', 'add', ns]);
  if (add.status !== 0)
    return { available: false, missing: [], reason: `cannot create a network namespace (ip netns add: ${add.stderr.trim() || `exit ${add.status}`}); run as root or with CAP_NET_ADMIN and CAP_SYS_ADMIN` };
  try {
    const veth = run(['ip', '-n', ns, 'link', 'add', 'lhprobe0', 'type', 'veth', 'peer', 'name', 'lhprobe1']);
    if (veth.status !== 0)
      return { available: false, missing: [], reason: `cannot create a veth pair in a network namespace (ip link add: ${veth.stderr.trim() || `exit ${veth.status}`})` };
  } finally {
    run(['ip', 'netns', 'del', ns]);
  }
  return { available: true };
}

function run(argv: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { ...process.env, PATH }, timeout: 10_000 });
  return { status: r.error ? -1 : r.status, stdout: r.stdout ?? '', stderr: r.error ? String(r.error.message) : (r.stderr ?? '') };
}

/** Thrown by startOvsLacp when the harness cannot run here; `reason` says why. */
export class OvsUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`Open vSwitch LACP harness unavailable: ${reason}`);
    this.name = 'OvsUnavailableError';
  }
}

// ---------------------------------------------------------------------------
// Parsers for ovs-appctl output

/** One side of a member's LACP information as lacp/show prints it. */
export interface LacpShowParty {
  systemId: string;
  systemPriority: number;
  portId: number;
  portPriority: number;
  key: number;
  /** The state flags by the codec's names (OVS prints "synchronized" for synchronization). */
  state: PortState;
  /** The same flags as the state byte. */
  stateByte: number;
}

export interface LacpShowMember {
  /** The interface name, e.g. lhb0. */
  name: string;
  /** current: partner information up to date; expired: rx timer ran out once; defaulted: no partner. */
  status: 'current' | 'expired' | 'defaulted';
  /** Attached to the aggregator. */
  attached: boolean;
  portId: number;
  portPriority: number;
  /** Attached and the partner is in sync (or fallback to active-backup applies). */
  mayEnable: boolean;
  actor: LacpShowParty;
  partner: LacpShowParty;
}

export interface LacpShow {
  /** The LACP object's name: the port (bond) name. */
  bond: string;
  active: boolean;
  negotiated: boolean;
  systemId: string;
  systemPriority: number;
  /** null when OVS prints "none". */
  aggregationKey: number | null;
  lacpTime: 'fast' | 'slow';
  /** In the order printed (by name). */
  members: LacpShowMember[];
}

const OVS_STATE_WORDS: Record<string, StateBit> = {
  activity: 'activity', timeout: 'timeout', aggregation: 'aggregation', synchronized: 'synchronization',
  collecting: 'collecting', distributing: 'distributing', defaulted: 'defaulted', expired: 'expired',
};

function parseStateWords(words: string, where: string): { state: PortState; stateByte: number } {
  const state = Object.fromEntries(Object.keys(STATE).map((k) => [k, false])) as PortState;
  for (const w of words.split(/\s+/).filter(Boolean)) {
    const bit = OVS_STATE_WORDS[w];
    if (!bit) throw new Error(`lacp/show: unknown state word ${JSON.stringify(w)} in ${where}`);
    state[bit] = true;
  }
  return { state, stateByte: stateToByte(state) };
}

function num(v: string | undefined, what: string): number {
  const n = Number(v);
  if (v === undefined || v.trim() === '' || !Number.isInteger(n)) throw new Error(`expected an integer for ${what}, got ${JSON.stringify(v)}`);
  return n;
}

/** `key: value` after the indentation; null for other lines. */
function keyValue(line: string): [string, string] | null {
  const m = /^\s*([^:]+?):\s?(.*)$/.exec(line);
  return m ? [m[1]!, m[2]!.trim()] : null;
}

function party(fields: Map<string, string>, side: 'actor' | 'partner', where: string): LacpShowParty {
  const get = (k: string) => {
    const v = fields.get(`${side} ${k}`);
    if (v === undefined) throw new Error(`lacp/show: no "${side} ${k}" for ${where}`);
    return v;
  };
  return {
    systemId: get('sys_id').toLowerCase(),
    systemPriority: num(get('sys_priority'), `${where} ${side} sys_priority`),
    portId: num(get('port_id'), `${where} ${side} port_id`),
    portPriority: num(get('port_priority'), `${where} ${side} port_priority`),
    key: num(get('key'), `${where} ${side} key`),
    ...parseStateWords(get('state'), `${where} ${side} state`),
  };
}

/**
 * Parse `ovs-appctl lacp/show [port]`: one entry per LACP object (bond). Takes
 * OVS 2.x output ("slave:", tab indents) as well as 3.x ("member:"). Throws,
 * naming the line, on output it does not understand.
 */
export function parseLacpShow(text: string): LacpShow[] {
  const out: LacpShow[] = [];
  let bond: { head: Map<string, string>; name: string; members: { name: string; status: string; attached: string; fields: Map<string, string> }[] } | null = null;
  const finish = () => {
    if (!bond) return;
    const h = bond.head;
    const status = (h.get('status') ?? '').split(/\s+/);
    const key = h.get('aggregation key');
    const time = h.get('lacp_time');
    if (time !== 'fast' && time !== 'slow') throw new Error(`lacp/show: ${bond.name}: lacp_time ${JSON.stringify(time)}`);
    out.push({
      bond: bond.name,
      active: status.includes('active'),
      negotiated: status.includes('negotiated'),
      systemId: (h.get('sys_id') ?? '').toLowerCase(),
      systemPriority: num(h.get('sys_priority'), `${bond.name} sys_priority`),
      aggregationKey: key === 'none' ? null : num(key, `${bond.name} aggregation key`),
      lacpTime: time,
      members: bond.members.map((m) => {
        const where = `${bond!.name} member ${m.name}`;
        if (m.status !== 'current' && m.status !== 'expired' && m.status !== 'defaulted') throw new Error(`lacp/show: ${where}: status ${JSON.stringify(m.status)}`);
        return {
          name: m.name,
          status: m.status,
          attached: m.attached === 'attached',
          portId: num(m.fields.get('port_id'), `${where} port_id`),
          portPriority: num(m.fields.get('port_priority'), `${where} port_priority`),
          mayEnable: m.fields.get('may_enable') === 'true',
          actor: party(m.fields, 'actor', where),
          partner: party(m.fields, 'partner', where),
        };
      }),
    });
  };
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const head = /^---- (.+) ----$/.exec(line.trim());
    if (head) {
      finish();
      bond = { head: new Map(), name: head[1]!, members: [] };
      continue;
    }
    if (!bond) throw new Error(`lacp/show: text before the first "---- name ----" line: ${JSON.stringify(line)}`);
    const member = /^(?:member|slave): (.+): (\S+) (attached|detached)$/.exec(line.trim());
    if (member) {
      bond.members.push({ name: member[1]!, status: member[2]!, attached: member[3]!, fields: new Map() });
      continue;
    }
    const kv = keyValue(line);
    if (!kv) throw new Error(`lacp/show: cannot read the line ${JSON.stringify(line)}`);
    const last = bond.members[bond.members.length - 1];
    (last ? last.fields : bond.head).set(kv[0], kv[1]);
  }
  finish();
  return out;
}

export interface BondShowMember {
  name: string;
  enabled: boolean;
  mayEnable: boolean;
  /** The active member of an active-backup bond (OVS prints "active member"). */
  active: boolean;
  /** Hash buckets assigned to the member (balance-tcp, balance-slb). */
  hashes: number[];
}

export interface BondShow {
  bond: string;
  /** bond_mode, e.g. balance-tcp. */
  mode: string;
  /** lacp_status: negotiated, configured or off. */
  lacpStatus: string;
  /** Every `key: value` line of the bond's header, verbatim. */
  settings: Record<string, string>;
  members: BondShowMember[];
}

/** Parse `ovs-appctl bond/show [port]`: one entry per bond. */
export function parseBondShow(text: string): BondShow[] {
  const out: BondShow[] = [];
  let cur: BondShow | null = null;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const head = /^---- (.+) ----$/.exec(line.trim());
    if (head) {
      cur = { bond: head[1]!, mode: '', lacpStatus: '', settings: {}, members: [] };
      out.push(cur);
      continue;
    }
    if (!cur) throw new Error(`bond/show: text before the first "---- name ----" line: ${JSON.stringify(line)}`);
    const member = /^(?:member|slave) (.+): (enabled|disabled)$/.exec(line.trim());
    if (member) {
      cur.members.push({ name: member[1]!, enabled: member[2] === 'enabled', mayEnable: false, active: false, hashes: [] });
      continue;
    }
    const m = cur.members[cur.members.length - 1];
    if (m) {
      const t = line.trim();
      if (t === 'active member' || t === 'active slave') m.active = true;
      else if (/^may_enable:/.test(t)) m.mayEnable = t.endsWith('true');
      else {
        const hash = /^hash (\d+):/.exec(t);
        if (hash) m.hashes.push(Number(hash[1]));
      }
      continue;
    }
    const kv = keyValue(line);
    if (kv) cur.settings[kv[0]] = kv[1];
  }
  for (const b of out) {
    b.mode = b.settings.bond_mode ?? '';
    b.lacpStatus = b.settings.lacp_status ?? '';
  }
  return out;
}

export interface LacpStatsMember {
  name: string;
  txPdus: number;
  /** LACPDUs and Marker PDUs alike: OVS counts every Slow Protocols frame here. */
  rxPdus: number;
  rxBadPdus: number;
  rxMarkerPdus: number;
  linkExpired: number;
  linkDefaulted: number;
  carrierChanged: number;
  /** Every counter by OVS's label. */
  counters: Record<string, number>;
}

export interface LacpStats {
  bond: string;
  members: LacpStatsMember[];
}

/** Parse `ovs-appctl lacp/show-stats [port]` (OVS 2.13 and later). */
export function parseLacpStats(text: string): LacpStats[] {
  const out: LacpStats[] = [];
  let cur: LacpStats | null = null;
  let counters: Record<string, number> | null = null;
  const close = () => {
    if (!cur || !counters) return;
    const c = counters;
    const m = cur.members[cur.members.length - 1]!;
    Object.assign(m, {
      txPdus: c['TX PDUs'] ?? 0, rxPdus: c['RX PDUs'] ?? 0, rxBadPdus: c['RX Bad PDUs'] ?? 0,
      rxMarkerPdus: c['RX Marker Request PDUs'] ?? 0, linkExpired: c['Link Expired'] ?? 0,
      linkDefaulted: c['Link Defaulted'] ?? 0, carrierChanged: c['Carrier Status Changed'] ?? 0,
    });
    counters = null;
  };
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const head = /^---- (.+) statistics ----$/.exec(line.trim());
    if (head) {
      close();
      cur = { bond: head[1]!, members: [] };
      out.push(cur);
      continue;
    }
    if (!cur) throw new Error(`lacp/show-stats: text before the first "---- name statistics ----" line: ${JSON.stringify(line)}`);
    const member = /^(?:member|slave): (.+):$/.exec(line.trim());
    if (member) {
      close();
      counters = {};
      cur.members.push({ name: member[1]!, txPdus: 0, rxPdus: 0, rxBadPdus: 0, rxMarkerPdus: 0, linkExpired: 0, linkDefaulted: 0, carrierChanged: 0, counters });
      continue;
    }
    const kv = keyValue(line);
    if (!kv || !counters) throw new Error(`lacp/show-stats: cannot read the line ${JSON.stringify(line)}`);
    counters[kv[0]] = num(kv[1], `lacp/show-stats ${kv[0]}`);
  }
  close();
  return out;
}

// ---------------------------------------------------------------------------
// The harness

export interface OvsLacpOptions {
  /** Number of bond members (veth pairs), 1..16. With 1 the port has LACP but is not a bond (no bond/show). */
  ports: number;
  /** other_config:lacp-time; default fast. */
  lacpTime?: 'fast' | 'slow';
  /** lacp=active or passive; default active. */
  lacpMode?: 'active' | 'passive';
  /** OVS's LACP system id (other_config:lacp-system-id); default 02:4f:56:53:00:01. */
  systemId?: string;
  /** other_config:lacp-system-priority; OVS's default is 65534. */
  systemPriority?: number;
  /** bond_mode; default balance-tcp (all attached members carry traffic). */
  bondMode?: 'balance-tcp' | 'balance-slb' | 'active-backup';
  /**
   * other_config:lacp-aggregation-key on every member. Unset (the default),
   * OVS uses the port id of one member (whichever its hash map yields first)
   * as the key of all.
   */
  aggregationKey?: number;
  /** other_config:lacp-fallback-ab; default false. */
  fallbackAb?: boolean;
  /** other_config:bond-miimon-interval in ms; default 100. */
  miimonIntervalMs?: number;
  /** Log lacp and bond at debug level in the vswitchd log (see log()); default true. */
  debugLog?: boolean;
  /** Bound on each start-up step; default 15000 ms. */
  startTimeoutMs?: number;
  /**
   * A frame listener in place before OVS starts, so it sees OVS's very first
   * LACPDUs (sent while the configuration is applied, before startOvsLacp
   * resolves). Same as onFrame() otherwise.
   */
  onFrame?: FrameListener;
}

export type FrameListener = (portIndex: number, frame: Uint8Array) => void;

export interface OvsLacp {
  /** The network namespace everything runs in, e.g. lh-1234-1. */
  readonly namespace: string;
  readonly bridge: string;
  /** The port holding the members; the name lacp/show and bond/show take. */
  readonly bond: string;
  /** OVS's veth ends, the bond members, by port index: lhb0, lhb1, ... */
  readonly members: readonly string[];
  /** The relay's veth ends by port index: lhp0, lhp1, ... */
  readonly peers: readonly string[];
  /** MAC of each peer end: the natural source address of frames sent with send(). */
  readonly peerMacs: readonly string[];
  /** MAC of each OVS end. */
  readonly memberMacs: readonly string[];
  /** LACP port id OVS uses on each member (other_config:lacp-port-id): index + 1. */
  readonly portIds: readonly number[];
  /** OVS's LACP system id. */
  readonly systemId: string;
  /** The private run/db/log directory (removed by stop()). */
  readonly dir: string;
  /** Text of the relay's error reports (a send on a link that is down, for example). */
  readonly relayErrors: readonly string[];
  /** Put `frame` (Ethernet header first, no FCS) on the wire towards OVS's member `portIndex`. */
  send(portIndex: number, frame: Uint8Array): void;
  /** Every frame OVS sends on any member, as it arrives; returns the unsubscribe function. */
  onFrame(listener: FrameListener): () => void;
  /** The first frame from now on that `match` accepts; rejects after timeoutMs (default 5000). */
  nextFrame(match: (portIndex: number, frame: Uint8Array) => boolean, timeoutMs?: number): Promise<{ portIndex: number; frame: Uint8Array }>;
  /** Take the peer end of member `portIndex` down or up: OVS's end loses or regains carrier, seen by miimon. */
  setLinkUp(portIndex: number, up: boolean): Promise<void>;
  /** `ovs-appctl -t <this vswitchd> ...args`; resolves to stdout, rejects with stderr on failure. */
  appctl(...args: string[]): Promise<string>;
  /** `ovs-vsctl --db=<this db> ...args`; resolves to stdout. */
  vsctl(...args: string[]): Promise<string>;
  /** lacp/show of the bond, parsed. */
  lacpShow(): Promise<LacpShow>;
  /** bond/show of the bond, parsed (ports >= 2). */
  bondShow(): Promise<BondShow>;
  /** lacp/show-stats of the bond, parsed. */
  lacpStats(): Promise<LacpStats>;
  /** The vswitchd log so far. */
  log(): string;
  /** Stop everything and remove everything; safe to call twice. Throws an AggregateError if some step failed (all steps run). */
  stop(): Promise<void>;
}

interface Resources {
  namespace: string;
  dir: string;
  nsCreated: boolean;
  veths: string[];
  procs: { name: string; child: ChildProcess }[];
  stopped: boolean;
}

const live = new Set<Resources>();
let seq = 0;
let signalsInstalled = false;

function childGone(c: ChildProcess): boolean {
  return c.exitCode !== null || c.signalCode !== null;
}

function killSync(c: ChildProcess): void {
  if (c.pid === undefined || childGone(c)) return;
  try {
    process.kill(c.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Last-resort cleanup, synchronous, for signals and process exit. */
function cleanupSync(r: Resources): void {
  if (r.stopped) return;
  r.stopped = true;
  live.delete(r);
  for (const p of [...r.procs].reverse()) killSync(p.child);
  for (const v of r.veths) run(['ip', '-n', r.namespace, 'link', 'del', v]);
  if (r.nsCreated) run(['ip', 'netns', 'del', r.namespace]);
  rmSync(r.dir, { recursive: true, force: true });
}

function installSignalHandlers(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  const all = () => {
    for (const r of [...live]) cleanupSync(r);
  };
  process.on('exit', all);
  // A test worker forked by a runner that has gone away (its IPC channel
  // closes) may linger; its OVS should not.
  if (typeof process.send === 'function') process.once('disconnect', all);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const handler = () => {
      all();
      // Our listener suppressed the default action; if nobody else handles
      // the signal, restore the default and raise it again.
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, handler);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, handler);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * What a test process killed outright (SIGKILL: no handler runs) leaves
 * behind: namespaces lh-<pid>-<n> with that pid gone and no process inside,
 * and directories laghash-ovs-<pid>-* of a pid gone. Its daemons are gone
 * already (parent-death signal).
 */
function sweepStale(base: string): void {
  for (const name of readdirSync(base)) {
    const m = /^laghash-ovs-(\d+)-/.exec(name);
    if (m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))) rmSync(join(base, name), { recursive: true, force: true });
  }
  const list = run(['ip', 'netns', 'list']);
  for (const line of list.stdout.split('\n')) {
    const m = /^(lh-(\d+)-\d+)\b/.exec(line.trim());
    if (!m || Number(m[2]) === process.pid || pidAlive(Number(m[2]))) continue;
    if (run(['ip', 'netns', 'pids', m[1]!]).stdout.trim()) continue;
    run(['ip', 'netns', 'del', m[1]!]);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function exec(argv: string[], env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${argv.join(' ')} failed: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

/** T without its falsy values. */
export type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

/**
 * Poll `probe` every intervalMs until it returns something truthy, and return
 * that; after timeoutMs throw, naming `what` and the last value (or error).
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T> | T,
  { timeoutMs = 10_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v as Truthy<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail})`);
    }
    await sleep(intervalMs);
  }
}

function mac(prefix: number, index: number): string {
  return ['02', '6c', '68', prefix.toString(16).padStart(2, '0'), '00', index.toString(16).padStart(2, '0')].join(':');
}

/**
 * Start ovsdb-server and ovs-vswitchd in a fresh namespace with a netdev
 * bridge and a LACP bond over `ports` veth pairs, and the frame relay on the
 * peer ends. Resolves once OVS has applied the configuration. OVS sends its
 * first LACPDUs while it does so, before this resolves: pass options.onFrame
 * to see them.
 * Throws OvsUnavailableError when ovsHarnessAvailability() says no; on any
 * other failure everything started so far is removed before the rejection.
 */
export async function startOvsLacp(options: OvsLacpOptions): Promise<OvsLacp> {
  const {
    ports, lacpTime = 'fast', lacpMode = 'active', systemId = '02:4f:56:53:00:01', systemPriority, bondMode = 'balance-tcp',
    aggregationKey, fallbackAb = false, miimonIntervalMs = 100, debugLog = true, startTimeoutMs = 15_000,
  } = options;
  if (!Number.isInteger(ports) || ports < 1 || ports > 16) throw new RangeError(`ports must be an integer in 1..16, got ${ports}`);
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(systemId)) throw new RangeError(`systemId must be a MAC address, got ${systemId}`);
  const avail = ovsHarnessAvailability();
  if (!avail.available) throw new OvsUnavailableError(avail.reason);

  installSignalHandlers();
  // Unix socket paths are limited to 107 bytes: keep the directory short.
  const base = tmpdir().length <= 40 ? tmpdir() : '/tmp';
  sweepStale(base);

  const r: Resources = {
    namespace: `lh-${process.pid}-${++seq}`,
    dir: mkdtempSync(join(base, `laghash-ovs-${process.pid}-`)),
    nsCreated: false, veths: [], procs: [], stopped: false,
  };
  live.add(r);
  const dir = r.dir;
  const env: NodeJS.ProcessEnv = {
    ...process.env, PATH, OVS_RUNDIR: dir, OVS_DBDIR: dir, OVS_LOGDIR: dir, OVS_SYSCONFDIR: dir,
    OVS_PKGDATADIR: process.env.OVS_PKGDATADIR ?? '/usr/share/openvswitch',
  };
  const dbSock = join(dir, 'db.sock');
  const ctl = join(dir, 'ovs-vswitchd.ctl');
  const logFile = join(dir, 'ovs-vswitchd.log');
  const ns = r.namespace;
  const members = Array.from({ length: ports }, (_, i) => `lhb${i}`);
  const peers = Array.from({ length: ports }, (_, i) => `lhp${i}`);
  const memberMacs = members.map((_, i) => mac(0xb0, i));
  const peerMacs = peers.map((_, i) => mac(0xa0, i));
  const portIds = members.map((_, i) => i + 1);
  const listeners = new Set<FrameListener>(options.onFrame ? [options.onFrame] : []);
  const relayErrors: string[] = [];
  const pdeath = which('setpriv') ? ['setpriv', '--pdeathsig', 'TERM'] : [];
  const ipq = (...args: string[]) => exec(['ip', ...args], env);

  const start = (name: string, argv: string[], stdin: 'pipe' | 'ignore' = 'ignore') => {
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: [stdin, 'pipe', 'pipe'] });
    const entry = { name, child, output: '' };
    r.procs.push(entry);
    const keep = (b: Buffer) => {
      entry.output = (entry.output + b.toString('utf8')).slice(-8192);
    };
    child.stderr?.on('data', keep);
    if (name !== 'relay') child.stdout?.on('data', keep);
    child.on('error', (e) => keep(Buffer.from(`spawn error: ${e.message}\n`)));
    return entry;
  };
  const died = (e: { name: string; child: ChildProcess; output: string }) =>
    `${e.name} exited (${e.child.exitCode ?? e.child.signalCode}): ${e.output.trim().slice(-2000)}`;

  let relay!: ReturnType<typeof start>;
  try {
    // Namespace and links. IPv6 off in the namespace so the peers stay quiet
    // (no router solicitations or MLD reports among OVS's frames).
    await ipq('netns', 'add', ns);
    r.nsCreated = true;
    await exec(['ip', 'netns', 'exec', ns, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'], env).catch(() => undefined);
    await ipq('-n', ns, 'link', 'set', 'lo', 'up');
    for (let i = 0; i < ports; i++) {
      await ipq('-n', ns, 'link', 'add', members[i]!, 'address', memberMacs[i]!, 'type', 'veth', 'peer', 'name', peers[i]!, 'address', peerMacs[i]!);
      r.veths.push(members[i]!);
      await ipq('-n', ns, 'link', 'set', peers[i]!, 'up');
      await ipq('-n', ns, 'link', 'set', members[i]!, 'up');
    }

    // The relay first, so OVS's first LACPDUs are seen.
    relay = start('relay', [...pdeath, 'ip', 'netns', 'exec', ns, pythonPath()!, '-u', RELAY, ...peers], 'pipe');
    let pending: Buffer = Buffer.alloc(0);
    let onReady: (() => void) | undefined;
    relay.child.stdout!.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 3) {
        const index = pending[0]!;
        const len = pending.readUInt16BE(1);
        if (pending.length < 3 + len) break;
        const payload = new Uint8Array(pending.subarray(3, 3 + len)); // a copy
        pending = pending.subarray(3 + len);
        if (index === CONTROL) {
          const text = Buffer.from(payload).toString('utf8');
          if (text === 'ready') onReady?.();
          else relayErrors.push(text);
          continue;
        }
        for (const l of [...listeners]) l(index, payload);
      }
    });
    relay.child.stdin!.on('error', () => undefined); // EPIPE after the relay exits; send() reports that
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`the relay did not become ready in ${startTimeoutMs} ms: ${relay.output}`)), startTimeoutMs);
      const onExit = () => setTimeout(() => finish(new Error(died(relay))), 50); // let stderr arrive
      const finish = (err?: Error) => {
        clearTimeout(timer);
        relay.child.off('exit', onExit);
        onReady = undefined;
        if (err) reject(err);
        else resolve();
      };
      onReady = () => finish();
      relay.child.once('exit', onExit);
    });

    // ovsdb-server with a fresh database.
    await exec(['ovsdb-tool', 'create', join(dir, 'conf.db'), schemaPath()!], env);
    const db = start('ovsdb-server', [
      ...pdeath, 'ovsdb-server', join(dir, 'conf.db'), `--remote=punix:${dbSock}`, `--unixctl=${join(dir, 'ovsdb-server.ctl')}`,
      `--pidfile=${join(dir, 'ovsdb-server.pid')}`, `--log-file=${join(dir, 'ovsdb-server.log')}`, '--no-chdir', '-vconsole:off',
    ]);
    await waitFor('ovsdb-server to accept connections', async () => {
      if (childGone(db.child)) throw new Error(died(db));
      return existsSync(dbSock) && (await exec(['ovs-vsctl', `--db=unix:${dbSock}`, '--no-wait', 'init'], env), true);
    }, { timeoutMs: startTimeoutMs, intervalMs: 50 });

    // ovs-vswitchd in the namespace, userspace datapath only.
    const verbose = ['-vconsole:off', '-vfile:info', ...(debugLog ? ['-vlacp:file:dbg', '-vbond:file:dbg'] : [])];
    const sw = start('ovs-vswitchd', [
      ...pdeath, 'ip', 'netns', 'exec', ns, 'ovs-vswitchd', `unix:${dbSock}`, '--disable-system', `--unixctl=${ctl}`,
      `--pidfile=${join(dir, 'ovs-vswitchd.pid')}`, `--log-file=${logFile}`, '--no-chdir', ...verbose,
    ]);
    await waitFor('ovs-vswitchd to open its control socket', () => {
      if (childGone(sw.child)) throw new Error(died(sw));
      return existsSync(ctl);
    }, { timeoutMs: startTimeoutMs, intervalMs: 50 });

    // The bridge and the bond, in one transaction; ovs-vsctl waits until
    // ovs-vswitchd has applied it.
    const portOther = [
      `other_config:lacp-time=${lacpTime}`, `other_config:lacp-system-id=${systemId.toLowerCase()}`,
      'other_config:bond-detect-mode=miimon', `other_config:bond-miimon-interval=${miimonIntervalMs}`,
      `other_config:lacp-fallback-ab=${fallbackAb}`,
      ...(systemPriority !== undefined ? [`other_config:lacp-system-priority=${systemPriority}`] : []),
    ];
    const ifaces = members.flatMap((m, i) => ['--', `--id=@i${i}`, 'create', 'Interface', `name=${m}`, `other_config:lacp-port-id=${portIds[i]}`,
      ...(aggregationKey !== undefined ? [`other_config:lacp-aggregation-key=${aggregationKey}`] : [])]);
    await exec([
      'ovs-vsctl', `--db=unix:${dbSock}`, `--timeout=${Math.ceil(startTimeoutMs / 1000)}`,
      'add-br', BRIDGE, '--', 'set', 'Bridge', BRIDGE, 'datapath_type=netdev',
      ...ifaces,
      '--', '--id=@p', 'create', 'Port', `name=${BOND}`, `interfaces=[${members.map((_, i) => `@i${i}`).join(',')}]`,
      `lacp=${lacpMode}`, `bond_mode=${bondMode}`, ...portOther,
      '--', 'add', 'Bridge', BRIDGE, 'ports', '@p',
    ], env, startTimeoutMs + 1000);
    if (childGone(sw.child)) throw new Error(died(sw));
  } catch (e) {
    cleanupSync(r);
    throw e;
  }

  const checkIndex = (i: number) => {
    if (!Number.isInteger(i) || i < 0 || i >= ports) throw new RangeError(`port index must be in 0..${ports - 1}, got ${i}`);
  };
  const appctl = (...args: string[]) => exec(['ovs-appctl', '-t', ctl, '--timeout=10', ...args], env);
  const vsctl = (...args: string[]) => exec(['ovs-vsctl', `--db=unix:${dbSock}`, '--timeout=10', ...args], env);
  const only = <T extends { bond: string }>(list: T[], what: string): T => {
    const found = list.find((b) => b.bond === BOND);
    if (!found) throw new Error(`${what}: no ${BOND} in the output`);
    return found;
  };

  const harness: OvsLacp = {
    namespace: ns, bridge: BRIDGE, bond: BOND, members, peers, peerMacs, memberMacs, portIds,
    systemId: systemId.toLowerCase(), dir, relayErrors,
    send(portIndex, frame) {
      checkIndex(portIndex);
      if (r.stopped) throw new Error('send() after stop()');
      if (childGone(relay.child)) throw new Error(died(relay));
      if (!(frame instanceof Uint8Array) || frame.length < 14 || frame.length > 0xffff)
        throw new RangeError(`a frame must be a Uint8Array of 14..65535 bytes, got ${frame?.length}`);
      const head = Buffer.alloc(3);
      head[0] = portIndex;
      head.writeUInt16BE(frame.length, 1);
      relay.child.stdin!.write(Buffer.concat([head, frame]));
    },
    onFrame(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    nextFrame(match, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(l);
          reject(new Error(`no matching frame from OVS within ${timeoutMs} ms`));
        }, timeoutMs);
        const l: FrameListener = (portIndex, frame) => {
          if (!match(portIndex, frame)) return;
          clearTimeout(timer);
          listeners.delete(l);
          resolve({ portIndex, frame });
        };
        listeners.add(l);
      });
    },
    async setLinkUp(portIndex, up) {
      checkIndex(portIndex);
      await ipq('-n', ns, 'link', 'set', peers[portIndex]!, up ? 'up' : 'down');
    },
    appctl,
    vsctl,
    async lacpShow() {
      return only(parseLacpShow(await appctl('lacp/show', BOND)), 'lacp/show');
    },
    async bondShow() {
      return only(parseBondShow(await appctl('bond/show', BOND)), 'bond/show');
    },
    async lacpStats() {
      return only(parseLacpStats(await appctl('lacp/show-stats', BOND)), 'lacp/show-stats');
    },
    log() {
      return existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    },
    async stop() {
      if (r.stopped) return;
      r.stopped = true;
      live.delete(r);
      listeners.clear();
      const errors: unknown[] = [];
      const step = async (f: () => Promise<unknown>) => {
        try {
          await f();
        } catch (e) {
          errors.push(e);
        }
      };
      const ended = (c: ChildProcess, ms: number) =>
        new Promise<boolean>((res) => {
          if (childGone(c)) return res(true);
          const timer = setTimeout(() => {
            c.off('exit', onExit);
            res(false);
          }, ms);
          const onExit = () => {
            clearTimeout(timer);
            res(true);
          };
          c.once('exit', onExit);
        });
      // The relay ends when its stdin closes; the daemons on SIGTERM. Each by its pid, SIGKILL if it lingers.
      for (const p of [...r.procs].reverse()) {
        await step(async () => {
          const c = p.child;
          if (c.pid === undefined || childGone(c)) return;
          if (p.name === 'relay') c.stdin?.end();
          else process.kill(c.pid, 'SIGTERM');
          if (!(await ended(c, 3000))) {
            process.kill(c.pid, 'SIGKILL');
            if (!(await ended(c, 3000))) throw new Error(`${p.name} (pid ${c.pid}) did not exit after SIGKILL`);
          }
        });
      }
      for (const v of r.veths) await step(() => ipq('-n', ns, 'link', 'del', v));
      if (r.nsCreated) await step(() => ipq('netns', 'del', ns));
      await step(async () => rmSync(dir, { recursive: true, force: true }));
      if (errors.length) throw new AggregateError(errors, `stopping the OVS harness in ${ns}: ${errors.map((e) => (e instanceof Error ? e.message : String(e))).join('; ')}`);
    },
  };
  return harness;
}
