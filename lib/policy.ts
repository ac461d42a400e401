/**
 * Policies: names and options compiled once into the flat spec both backends
 * read (lib/spec.ts). A compiled Policy is immutable and cached by name.
 *
 * Names are namespaced by the system they reproduce:
 *   linux:layer2  linux:layer2+3  linux:layer3+4  linux:encap2+3  linux:encap3+4  linux:vlan+srcmac
 *   dpdk:l2  dpdk:l23  dpdk:l34
 *   team:<fields>           teamd runner.tx_hash, e.g. team:eth,ipv4,ipv6 (the default is `team`)
 *   rss:toeplitz            Microsoft RSS Toeplitz
 * and laghash's own field policies:
 *   src-mac  dst-mac  src-dst-mac  src-ip  dst-ip  src-dst-ip  src-dst-ip-port   (the classic field sets)
 *   fields                  any field list (option `fields`)
 *
 * Options are given as an object ({ name, ...options }) or in the string as a
 * query: `src-dst-ip-port?hash=xor`, `linux:layer3+4?vlan=inband`,
 * `rss:toeplitz?l4=tcp&key=6d5a...`, `fields?fields=src-ip,dst-port&seed=7&symmetric=1`.
 */
import { PolicyOptionError, UnknownPolicyError, InvalidArgumentError, describe } from './errors.js';
import * as S from './spec.js';
import { MICROSOFT_RSS_KEY, hexBytes, keyIsSymmetric, toeplitzTables } from './toeplitz.js';

export type LinuxPolicyName =
  | 'linux:layer2'
  | 'linux:layer2+3'
  | 'linux:layer3+4'
  | 'linux:encap2+3'
  | 'linux:encap3+4'
  | 'linux:vlan+srcmac';
export type DpdkPolicyName = 'dpdk:l2' | 'dpdk:l23' | 'dpdk:l34';
export type FieldSetName = 'src-mac' | 'dst-mac' | 'src-dst-mac' | 'src-ip' | 'dst-ip' | 'src-dst-ip' | 'src-dst-ip-port';
/** teamd tx_hash fragment names. */
export type TeamField = 'eth' | 'vlan' | 'ipv4' | 'ipv6' | 'ip' | 'l3' | 'tcp' | 'udp' | 'sctp' | 'l4';
/** Fields of laghash's field policies. */
export type FieldName =
  | 'src-mac'
  | 'dst-mac'
  | 'ether-type'
  | 'vlan'
  | 'mpls-label'
  | 'tunnel-id'
  | 'src-ip'
  | 'dst-ip'
  | 'ip-proto'
  | 'flow-label'
  | 'src-port'
  | 'dst-port';
export type PolicyName = LinuxPolicyName | DpdkPolicyName | 'team' | `team:${string}` | 'rss:toeplitz' | FieldSetName | 'fields';

/** How an in-band outermost VLAN tag is treated by the Linux and team policies. */
export type VlanMode = 'offloaded' | 'inband';
/** Which headers of a tunnelled frame laghash's own policies hash. */
export type TunnelMode = 'outer' | 'inner';

export interface LinuxPolicyOptions {
  name: LinuxPolicyName;
  /** 'offloaded' (default): the outermost 802.1Q/802.1ad tag is the skb's offloaded tag, as the kernel sees a bond's VLAN traffic. */
  vlan?: VlanMode;
}
export interface DpdkPolicyOptions {
  name: DpdkPolicyName;
}
export interface TeamPolicyOptions {
  name: 'team';
  /** teamd runner.tx_hash; default ['eth', 'ipv4', 'ipv6'] as teamd's. */
  fields?: readonly TeamField[];
  vlan?: VlanMode;
}
export interface ToeplitzPolicyOptions {
  name: 'rss:toeplitz';
  /** The RSS key, at least 40 bytes (bytes or hex); default Microsoft's standard key. */
  key?: Uint8Array | string;
  /** Transports whose ports join the input (4-tuple); others hash on addresses. Default ['tcp', 'udp']. */
  l4?: readonly ('tcp' | 'udp' | 'sctp')[];
  tunnel?: TunnelMode;
}
export interface FieldPolicyOptions {
  name: FieldSetName | 'fields';
  /** Required for 'fields'; the named sets fix their own. */
  fields?: readonly FieldName[];
  /** 'murmur3' (default): seeded MurmurHash3; 'xor': the classic XOR of the fields' low 32 bits. */
  hash?: 'xor' | 'murmur3';
  /** MurmurHash3 seed, a u32; default 0. */
  seed?: number;
  /** Order each endpoint pair so both directions of a conversation hash alike. Default false. */
  symmetric?: boolean;
  tunnel?: TunnelMode;
  /** Frames without IP hash on MACs and ethertype instead of nothing. Default true. */
  l2Fallback?: boolean;
}
export type PolicyOptions =
  | LinuxPolicyOptions
  | DpdkPolicyOptions
  | TeamPolicyOptions
  | ToeplitzPolicyOptions
  | FieldPolicyOptions;

export type PolicyFamily = 'linux' | 'dpdk' | 'team' | 'rss' | 'fields';

/** A compiled policy. Pass it wherever a policy name is accepted. */
export interface Policy {
  /** Canonical name: policy(p.name) gives the same policy. */
  readonly name: string;
  readonly family: PolicyFamily;
  /** Both directions of a conversation get the same hash. */
  readonly symmetric: boolean;
  /** The flat spec (lib/spec.ts S_*), shared with the native backend. */
  readonly spec: Uint32Array;
  /** Toeplitz tables, or null. */
  readonly tables: Uint32Array | null;
}

export const LINUX_POLICIES: readonly LinuxPolicyName[] = [
  'linux:layer2', 'linux:layer2+3', 'linux:layer3+4', 'linux:encap2+3', 'linux:encap3+4', 'linux:vlan+srcmac',
];
export const DPDK_POLICIES: readonly DpdkPolicyName[] = ['dpdk:l2', 'dpdk:l23', 'dpdk:l34'];
export const FIELD_SETS: Readonly<Record<FieldSetName, readonly FieldName[]>> = {
  'src-mac': ['src-mac'],
  'dst-mac': ['dst-mac'],
  'src-dst-mac': ['src-mac', 'dst-mac'],
  'src-ip': ['src-ip'],
  'dst-ip': ['dst-ip'],
  'src-dst-ip': ['src-ip', 'dst-ip'],
  'src-dst-ip-port': ['src-ip', 'dst-ip', 'src-port', 'dst-port'],
};
export const TEAM_DEFAULT_FIELDS: readonly TeamField[] = ['eth', 'ipv4', 'ipv6'];

/** Every base policy name, in the order laghash lists them. */
export const policyNames: readonly string[] = [
  ...LINUX_POLICIES, ...DPDK_POLICIES, 'team', 'rss:toeplitz', ...Object.keys(FIELD_SETS), 'fields',
];

const LINUX_KIND: Record<LinuxPolicyName, number> = {
  'linux:layer2': S.P_LINUX_L2,
  'linux:layer2+3': S.P_LINUX_L23,
  'linux:layer3+4': S.P_LINUX_L34,
  'linux:encap2+3': S.P_LINUX_E23,
  'linux:encap3+4': S.P_LINUX_E34,
  'linux:vlan+srcmac': S.P_LINUX_VLAN_SRCMAC,
};
const DPDK_KIND: Record<DpdkPolicyName, number> = { 'dpdk:l2': S.P_DPDK_L2, 'dpdk:l23': S.P_DPDK_L23, 'dpdk:l34': S.P_DPDK_L34 };
const TEAM_BITS: Record<TeamField, number> = {
  eth: S.T_ETH, vlan: S.T_VLAN, ipv4: S.T_IPV4, ipv6: S.T_IPV6, ip: S.T_IPV4 | S.T_IPV6, l3: S.T_IPV4 | S.T_IPV6,
  tcp: S.T_TCP, udp: S.T_UDP, sctp: S.T_SCTP, l4: S.T_TCP | S.T_UDP | S.T_SCTP,
};
const FIELD_BITS: Record<FieldName, number> = {
  'src-mac': S.FLD_SRC_MAC, 'dst-mac': S.FLD_DST_MAC, 'ether-type': S.FLD_ETHER_TYPE, vlan: S.FLD_VLAN,
  'mpls-label': S.FLD_MPLS_LABEL, 'tunnel-id': S.FLD_TUNNEL_ID, 'src-ip': S.FLD_SRC_IP, 'dst-ip': S.FLD_DST_IP,
  'ip-proto': S.FLD_IP_PROTO, 'flow-label': S.FLD_FLOW_LABEL, 'src-port': S.FLD_SRC_PORT, 'dst-port': S.FLD_DST_PORT,
};
const RSS_L4: Record<'tcp' | 'udp' | 'sctp', number> = { tcp: S.R_TCP, udp: S.R_UDP, sctp: S.R_SCTP };

const cache = new Map<string, Policy>();
const CACHE_MAX = 256;
/** Every policy compile() made: only these reach a backend as they are. */
const compiled = new WeakSet<Policy>();

/**
 * Compile a policy from a name, a name with a query of options, or an
 * options object. Policies compiled from strings are cached.
 */
export function policy(p: string | PolicyOptions | Policy): Policy {
  if (typeof p === 'string') {
    const hit = cache.get(p);
    if (hit) return hit;
    const compiled = compile(parsePolicyString(p));
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(p, compiled);
    return compiled;
  }
  if (compiled.has(p as Policy)) return p as Policy;
  if (p === null || typeof p !== 'object' || Array.isArray(p) || typeof (p as { name?: unknown }).name !== 'string')
    throw new InvalidArgumentError(`Expected a policy name, options object or compiled policy, got ${describe(p)}`);
  // a compiled policy laghash did not make (a copy, another copy of the module, a forgery):
  // compiled again from its canonical name, so no spec reaches a backend unchecked
  if (isPolicy(p)) return policy(p.name);
  return compile(p);
}

/** True for a compiled Policy (as returned by policy()). */
export function isPolicy(p: unknown): p is Policy {
  return typeof p === 'object' && p !== null && (p as Policy).spec instanceof Uint32Array && typeof (p as Policy).family === 'string';
}

function parsePolicyString(s: string): PolicyOptions {
  const q = s.indexOf('?');
  const base = q < 0 ? s : s.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : s.slice(q + 1));
  const opts: Record<string, unknown> = {};
  if (base.startsWith('team:')) {
    opts.name = 'team';
    opts.fields = base.slice(5).split(',').filter((x) => x !== '');
  } else {
    opts.name = base;
  }
  for (const [k, v] of params) {
    if (k === 'name') throw new PolicyOptionError(`Expected options after "?", not a name, in policy ${JSON.stringify(s)}`);
    if (k === 'fields' || k === 'l4') opts[k] = v.split(',').filter((x) => x !== '');
    else if (k === 'seed') opts[k] = Number(v);
    else if (k === 'symmetric' || k === 'l2Fallback') opts[k] = parseBool(k, v);
    else opts[k] = v;
  }
  return opts as unknown as PolicyOptions;
}

function parseBool(key: string, v: string): boolean {
  if (v === '1' || v === 'true' || v === '') return true;
  if (v === '0' || v === 'false') return false;
  throw new PolicyOptionError(`Expected ${key} to be true, false, 1 or 0, got ${JSON.stringify(v)}`);
}

function checkKeys(o: object, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k))
      throw new PolicyOptionError(`Expected the options of policy ${(o as { name: string }).name} among ${allowed.filter((a) => a !== 'name').join(', ') || 'none'}, got an unknown option ${JSON.stringify(k)}`);
  }
}

function oneOf<T extends string>(what: string, v: unknown, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !allowed.includes(v as T))
    throw new PolicyOptionError(`Expected ${what} to be one of ${allowed.join(', ')}, got ${describe(v)}`);
  return v as T;
}

function listOf<T extends string>(what: string, v: unknown, bits: Record<T, number>): T[] {
  if (!Array.isArray(v)) throw new PolicyOptionError(`Expected ${what} to be an array of names, got ${describe(v)}`);
  for (const x of v) {
    if (typeof x !== 'string' || !(x in bits))
      throw new PolicyOptionError(`Expected ${what} to contain only ${Object.keys(bits).join(', ')}; got ${describe(x)}`);
  }
  return v as T[];
}

function specOf(kind: number, flags = 0, arg = 0, seed = 0, hashfn = 0): Uint32Array {
  const spec = new Uint32Array(S.S_LEN);
  spec[S.S_KIND] = kind;
  spec[S.S_FLAGS] = flags;
  spec[S.S_ARG] = arg;
  spec[S.S_SEED] = seed;
  spec[S.S_HASHFN] = hashfn;
  return spec;
}

function query(base: string, parts: [string, string | undefined][]): string {
  const q = parts.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`);
  return q.length ? `${base}?${q.join('&')}` : base;
}

function compile(o: PolicyOptions): Policy {
  const p = compileOptions(o);
  compiled.add(p);
  return p;
}

function compileOptions(o: PolicyOptions): Policy {
  const name = o.name as string;
  if (name in LINUX_KIND) return compileLinux(o as LinuxPolicyOptions);
  if (name in DPDK_KIND) {
    checkKeys(o, ['name']);
    // ether_hash, ipv4_hash and HASH_L4_PORTS are XORs of source and destination: symmetric
    return Object.freeze({ name, family: 'dpdk', symmetric: true, spec: specOf(DPDK_KIND[name as DpdkPolicyName]), tables: null });
  }
  if (name === 'team') return compileTeam(o as TeamPolicyOptions);
  if (name === 'rss:toeplitz') return compileToeplitz(o as ToeplitzPolicyOptions);
  if (name in FIELD_SETS || name === 'fields') return compileFields(o as FieldPolicyOptions);
  throw new UnknownPolicyError(`Unknown policy ${JSON.stringify(name)}; expected one of ${policyNames.join(', ')} or team:<fields>`);
}

function compileLinux(o: LinuxPolicyOptions): Policy {
  checkKeys(o, ['name', 'vlan']);
  const vlan = oneOf('vlan', o.vlan, ['offloaded', 'inband'], 'offloaded');
  const kind = LINUX_KIND[o.name];
  // layer2 and layer2+3 XOR source and destination; layer3+4's port word and
  // vlan+srcmac's source MAC make them direction-dependent
  const symmetric = kind === S.P_LINUX_L2 || kind === S.P_LINUX_L23 || kind === S.P_LINUX_E23;
  return Object.freeze({
    name: query(o.name, [['vlan', vlan === 'inband' ? vlan : undefined]]),
    family: 'linux',
    symmetric,
    spec: specOf(kind, vlan === 'inband' ? S.F_VLAN_INBAND : 0),
    tables: null,
  });
}

function compileTeam(o: TeamPolicyOptions): Policy {
  checkKeys(o, ['name', 'fields', 'vlan']);
  const fields = o.fields === undefined ? TEAM_DEFAULT_FIELDS : listOf('team fields', o.fields, TEAM_BITS);
  if (fields.length === 0) throw new PolicyOptionError('Expected at least one team tx_hash field (eth, vlan, ipv4, ipv6, ip, l3, tcp, udp, sctp, l4)');
  const vlan = oneOf('vlan', o.vlan, ['offloaded', 'inband'], 'offloaded');
  let mask = 0;
  for (const f of fields) mask |= TEAM_BITS[f];
  // every fragment XORs source and destination except IPv6 ports, where the
  // generated program keeps only the destination port
  const symmetric = (mask & (S.T_TCP | S.T_UDP | S.T_SCTP)) === 0;
  return Object.freeze({
    name: query(`team:${fields.join(',')}`, [['vlan', vlan === 'inband' ? vlan : undefined]]),
    family: 'team',
    symmetric,
    spec: specOf(S.P_TEAM, vlan === 'inband' ? S.F_VLAN_INBAND : 0, mask),
    tables: null,
  });
}

function compileToeplitz(o: ToeplitzPolicyOptions): Policy {
  checkKeys(o, ['name', 'key', 'l4', 'tunnel']);
  let key = MICROSOFT_RSS_KEY;
  if (typeof o.key === 'string') {
    if (!/^([0-9a-fA-F]{2})+$/.test(o.key)) throw new PolicyOptionError(`Expected the Toeplitz key as hex digits, got ${describe(o.key)}`);
    key = hexBytes(o.key);
  } else if (o.key !== undefined) {
    if (!(o.key instanceof Uint8Array)) throw new PolicyOptionError(`Expected the Toeplitz key as a Uint8Array or hex string, got ${describe(o.key)}`);
    key = Uint8Array.from(o.key);
  }
  const l4 = o.l4 === undefined ? (['tcp', 'udp'] as const) : listOf('l4', o.l4, RSS_L4);
  const tunnel = oneOf('tunnel', o.tunnel, ['outer', 'inner'], 'outer');
  let set = 0;
  for (const t of l4) set |= RSS_L4[t];
  const keyHex = Array.from(key, (b) => b.toString(16).padStart(2, '0')).join('');
  const defaultKey = keyHex === '6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa';
  const l4Name = (['tcp', 'udp', 'sctp'] as const).filter((t) => set & RSS_L4[t]).join(',');
  return Object.freeze({
    name: query('rss:toeplitz', [
      ['key', defaultKey ? undefined : keyHex],
      ['l4', l4Name === 'tcp,udp' ? undefined : l4Name],
      ['tunnel', tunnel === 'inner' ? tunnel : undefined],
    ]),
    family: 'rss',
    symmetric: keyIsSymmetric(key),
    spec: specOf(S.P_TOEPLITZ, tunnel === 'inner' ? S.F_INNER : 0, set),
    tables: toeplitzTables(key),
  });
}

const FLD_L3L4 = S.FLD_SRC_IP | S.FLD_DST_IP | S.FLD_IP_PROTO | S.FLD_FLOW_LABEL | S.FLD_SRC_PORT | S.FLD_DST_PORT;
const PAIRS: [number, number][] = [
  [S.FLD_SRC_MAC, S.FLD_DST_MAC],
  [S.FLD_SRC_IP, S.FLD_DST_IP],
  [S.FLD_SRC_PORT, S.FLD_DST_PORT],
];

function compileFields(o: FieldPolicyOptions): Policy {
  const named = o.name !== 'fields';
  checkKeys(o, named ? ['name', 'hash', 'seed', 'symmetric', 'tunnel', 'l2Fallback'] : ['name', 'fields', 'hash', 'seed', 'symmetric', 'tunnel', 'l2Fallback']);
  if (!named && o.fields === undefined) throw new PolicyOptionError('Expected option fields for policy "fields", e.g. fields: ["src-ip", "dst-port"]');
  const fields = named ? FIELD_SETS[o.name as FieldSetName] : listOf('fields', o.fields, FIELD_BITS);
  if (fields.length === 0) throw new PolicyOptionError(`Expected at least one field (${Object.keys(FIELD_BITS).join(', ')})`);
  const hash = oneOf('hash', o.hash, ['murmur3', 'xor'], 'murmur3');
  const tunnel = oneOf('tunnel', o.tunnel, ['outer', 'inner'], 'outer');
  const seed = o.seed === undefined ? 0 : o.seed;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new PolicyOptionError(`Expected seed to be an integer in 0..4294967295, got ${describe(seed)}`);
  if (o.symmetric !== undefined && typeof o.symmetric !== 'boolean') throw new PolicyOptionError(`Expected symmetric to be a boolean, got ${describe(o.symmetric)}`);
  if (o.l2Fallback !== undefined && typeof o.l2Fallback !== 'boolean') throw new PolicyOptionError(`Expected l2Fallback to be a boolean, got ${describe(o.l2Fallback)}`);
  const symmetricFlag = o.symmetric === true;
  const l2Fallback = o.l2Fallback !== false;
  let mask = 0;
  for (const f of fields) mask |= FIELD_BITS[f];
  const balanced = PAIRS.every(([a, b]) => !(mask & a) === !(mask & b));
  const fallsBack = l2Fallback && (mask & FLD_L3L4) !== 0;  // non-IP frames then hash src and dst MAC
  const directional = fallsBack || PAIRS.some(([a, b]) => (mask & (a | b)) !== 0);
  // XOR of balanced pairs is symmetric; a murmur key with a directional field is not
  const symmetric = symmetricFlag || (hash === 'xor' ? balanced : !directional);
  const flags = (symmetricFlag ? S.F_SYMMETRIC : 0) | (tunnel === 'inner' ? S.F_INNER : 0) | (l2Fallback ? S.F_L2_FALLBACK : 0);
  const base = named ? o.name : 'fields';
  const name = query(base, [
    ['fields', named ? undefined : fields.join(',')],
    ['hash', hash === 'xor' ? 'xor' : undefined],
    ['seed', seed !== 0 && hash === 'murmur3' ? String(seed) : undefined],
    ['symmetric', symmetricFlag ? '1' : undefined],
    ['tunnel', tunnel === 'inner' ? tunnel : undefined],
    ['l2Fallback', l2Fallback ? undefined : '0'],
  ]);
  return Object.freeze({
    name,
    family: 'fields',
    symmetric,
    spec: specOf(S.P_FIELDS, flags, mask, seed, hash === 'xor' ? S.HASH_XOR : S.HASH_MURMUR3),
    tables: null,
  });
}
