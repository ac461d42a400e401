/**
 * Independent known-answer vectors for every policy family, and properties
 * the reproduced systems' formulas imply.
 *
 * test/fixtures/policy-vectors.json holds frames (hex, from the destination
 * MAC) with the value each policy must give. The values were derived outside
 * laghash, by emulating the original source (Linux bond_main.c and
 * flow_dissector.c, DPDK rte_eth_bond_pmd.c, libteam teamd_bpf_chef.c with the
 * kernel's lb_get_skb_hash(), Microsoft RSS Toeplitz, MurmurHash3_x86_32);
 * each case carries its derivation, with intermediate values, and the
 * functions it comes from. Every case runs through both backends.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { concat } from './helpers/frames.js';
import { describe, expect, it } from 'vitest';
import type { Backend, BackendName } from '../lib/backend.js';
import { FrameBatch } from '../lib/batch.js';
import { hashBatchWith } from '../lib/hash.js';
import { getBackend } from '../lib/native.js';

interface Vector {
  name: string;
  policy: string;
  frame: string;
  linkType?: number;
  expected: number;
  derivation: string;
  source: string;
}

const VECTORS: Vector[] = JSON.parse(readFileSync(new URL('./fixtures/policy-vectors.json', import.meta.url), 'utf8'));

const BACKENDS: BackendName[] = ['native', 'js'];

/** The backend, or why it cannot be used here. */
function load(name: BackendName): { backend: Backend | null; why: string } {
  try {
    return { backend: getBackend(name), why: '' };
  } catch (e) {
    return { backend: null, why: e instanceof Error ? e.message : String(e) };
  }
}

function fromHex(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function hashOne(backend: Backend, policy: string, frame: Uint8Array, linkType = 1): number {
  return hashBatchWith(backend, FrameBatch.fromBuffers([frame], { linkType }), policy)[0];
}

// ------------------------------------------------------------ the fixture --

describe('policy-vectors.json', () => {
  it('every case is well formed', () => {
    expect(VECTORS.length).toBeGreaterThan(0);
    for (const v of VECTORS) {
      expect(typeof v.name, v.name).toBe('string');
      expect(typeof v.policy, v.name).toBe('string');
      expect(v.frame, v.name).toMatch(/^([0-9a-f]{2})*$/);
      expect(Number.isInteger(v.expected) && v.expected >= 0 && v.expected <= 0xffffffff, v.name).toBe(true);
      expect(v.derivation.length, v.name).toBeGreaterThan(0);
      expect(v.source.length, v.name).toBeGreaterThan(0);
      if (v.linkType !== undefined) expect(Number.isInteger(v.linkType), v.name).toBe(true);
    }
  });

  it('case names are unique', () => {
    expect(new Set(VECTORS.map((v) => v.name)).size).toBe(VECTORS.length);
  });

  it('covers every policy family', () => {
    const families = new Set(VECTORS.map((v) => v.policy.split(/[:?]/)[0]));
    for (const f of ['linux', 'dpdk', 'team', 'rss', 'src-dst-ip-port', 'src-dst-mac']) expect(families).toContain(f);
  });
});

// ------------------------------------------------------- known answers ----

describe.each(BACKENDS)('known answers (%s)', (name) => {
  const { backend, why } = load(name);
  if (!backend) {
    it.skip(`${name} backend not available: ${why}`, () => {});
    return;
  }
  it.each(VECTORS.map((v) => [v.name, v] as const))('%s', (_name, v) => {
    const got = hashOne(backend, v.policy, fromHex(v.frame), v.linkType ?? 1);
    expect(got, `${v.policy}\n${v.derivation}`).toBe(v.expected);
  });
});

// ----------------------------------------------------------- properties ---

const TPIDS = [0x8100, 0x88a8, 0x9100];

// LAGHASH_FC_RUNS=5000 for a longer search; 100 runs per property by default
fc.configureGlobal({ numRuns: Number(process.env.LAGHASH_FC_RUNS) || 100 });

const macArb = fc.uint8Array({ minLength: 6, maxLength: 6 });
const ipv4Arb = fc.uint8Array({ minLength: 4, maxLength: 4 });
const ipv6Arb = fc.uint8Array({ minLength: 16, maxLength: 16 });
const portArb = fc.integer({ min: 0, max: 0xffff });
const payloadArb = fc.uint8Array({ maxLength: 48 });

const cat = (...parts: ArrayLike<number>[]): Uint8Array => concat(...parts.map((p) => Uint8Array.from(p)));

const be16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];

/** TCP (proto 6) or UDP (17) header with ports; the rest of the header zero but a valid TCP data offset. */
function l4(proto: number, sport: number, dport: number): Uint8Array {
  if (proto === 17) return cat(be16(sport), be16(dport), be16(8), [0, 0]);
  return cat(be16(sport), be16(dport), new Uint8Array(8), [0x50, 0x18], be16(0x1000), [0, 0, 0, 0]);
}

interface Flow {
  v6: boolean;
  dst: Uint8Array;
  src: Uint8Array;
  sip: Uint8Array;
  dip: Uint8Array;
  proto: number;
  sport: number;
  dport: number;
  payload: Uint8Array;
}

/** An untagged, well-formed IPv4 or IPv6 TCP/UDP frame. */
function build(f: Flow): Uint8Array {
  const l4h = cat(l4(f.proto, f.sport, f.dport), f.payload);
  if (f.v6) {
    const ip = cat([0x60, 0, 0, 0], be16(l4h.length), [f.proto, 64], f.sip, f.dip);
    return cat(f.dst, f.src, be16(0x86dd), ip, l4h);
  }
  const ip = cat([0x45, 0], be16(20 + l4h.length), [0x12, 0x34, 0x40, 0], [64, f.proto, 0, 0], f.sip, f.dip);
  return cat(f.dst, f.src, be16(0x0800), ip, l4h);
}

const flowArb: fc.Arbitrary<Flow> = fc.boolean().chain((v6) =>
  fc.record({
    v6: fc.constant(v6),
    dst: macArb,
    src: macArb,
    sip: v6 ? ipv6Arb : ipv4Arb,
    dip: v6 ? ipv6Arb : ipv4Arb,
    proto: fc.constantFrom(6, 17),
    sport: portArb,
    dport: portArb,
    payload: payloadArb,
  }),
);

/** The same conversation seen in the other direction. */
function reverse(f: Flow): Flow {
  return { ...f, dst: f.src, src: f.dst, sip: f.dip, dip: f.sip, sport: f.dport, dport: f.sport };
}

const TEAM_FIELDS = ['eth', 'vlan', 'ipv4', 'ipv6', 'ip', 'l3', 'tcp', 'udp', 'sctp', 'l4'];

describe.each(BACKENDS)('properties (%s)', (name) => {
  const { backend, why } = load(name);
  if (!backend) {
    it.skip(`${name} backend not available: ${why}`, () => {});
    return;
  }
  const b = backend;

  // bond_eth_hash(): h_dest[5] ^ h_source[5] ^ be16_to_cpu(h_proto)
  it('linux:layer2 is dst[5] ^ src[5] ^ ethertype for any untagged frame of 14+ bytes', () => {
    const frameArb = fc
      .uint8Array({ minLength: 14, maxLength: 96 })
      .filter((f) => !TPIDS.includes((f[12] << 8) | f[13]));
    fc.assert(
      fc.property(frameArb, (f) => {
        expect(hashOne(b, 'linux:layer2', f)).toBe((f[5] ^ f[11] ^ ((f[12] << 8) | f[13])) >>> 0);
      }),
    );
  });

  it('linux:layer2 with in-band tags reads the ethertype at 12 as is, for any frame of 14+ bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 14, maxLength: 96 }), (f) => {
        expect(hashOne(b, 'linux:layer2?vlan=inband', f)).toBe((f[5] ^ f[11] ^ ((f[12] << 8) | f[13])) >>> 0);
      }),
    );
  });

  it('linux:layer2 of an offloaded 802.1Q tag sees the inner ethertype', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 18, maxLength: 96 }), fc.constantFrom(0x8100, 0x88a8), (f, tpid) => {
        const g = Uint8Array.from(f);
        g[12] = tpid >> 8;
        g[13] = tpid & 0xff;
        if (TPIDS.includes((g[16] << 8) | g[17])) g[16] = 0x08;  // keep the inner type a plain ethertype
        expect(hashOne(b, 'linux:layer2', g)).toBe((g[5] ^ g[11] ^ ((g[16] << 8) | g[17])) >>> 0);
      }),
    );
  });

  // bond_ip_hash(): XOR of source and destination (and of the MACs' last bytes): direction-free
  it('linux:layer2+3 and dpdk:l23 are symmetric when MACs and IPs (and ports) are swapped', () => {
    fc.assert(
      fc.property(flowArb, (f) => {
        const there = build(f), back = build(reverse(f));
        expect(hashOne(b, 'linux:layer2+3', back)).toBe(hashOne(b, 'linux:layer2+3', there));
        expect(hashOne(b, 'dpdk:l23', back)).toBe(hashOne(b, 'dpdk:l23', there));
        expect(hashOne(b, 'dpdk:l2', back)).toBe(hashOne(b, 'dpdk:l2', there));
      }),
    );
  });

  // lb_get_skb_hash(): c[0] ^ c[1] ^ c[2] ^ c[3] of an unsigned char view
  it('the team policy value is always below 256', () => {
    const fieldsArb = fc.subarray(TEAM_FIELDS, { minLength: 1 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), fieldsArb, (f, fields) => {
        const v = hashOne(b, `team:${fields.join(',')}`, f);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThan(256);
      }),
    );
  });

  // bond_flow_ip() reads the Ethernet and IP headers (and the ports) only; skb_headlen, not the IP total length
  it('a frame and the same frame with trailing bytes appended hash alike under linux:layer2+3', () => {
    fc.assert(
      fc.property(flowArb, fc.uint8Array({ minLength: 1, maxLength: 64 }), (f, tail) => {
        const frame = build(f);
        const longer = cat(frame, tail);
        for (const p of ['linux:layer2+3', 'linux:layer3+4', 'dpdk:l23'])
          expect(hashOne(b, p, longer), p).toBe(hashOne(b, p, frame));
      }),
    );
  });

  // bond_ip_hash(): "discard lowest hash bit" for layer3+4 and encap3+4
  it('linux:layer3+4 and linux:encap3+4 never set bit 31', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 96 }), flowArb.map(build)), (f) => {
        expect(hashOne(b, 'linux:layer3+4', f)).toBeLessThan(0x80000000);
        expect(hashOne(b, 'linux:encap3+4', f)).toBeLessThan(0x80000000);
      }),
    );
  });

  // bond_flow_ip(): ip_proto stays -1 for an IPv4 fragment (MF or offset), so P = 0
  it('linux:layer3+4 of an IPv4 fragment does not depend on the bytes after the IP header', () => {
    const fragArb = fc.record({ mf: fc.boolean(), offset: fc.integer({ min: 0, max: 0x1fff }) }).filter((x) => x.mf || x.offset > 0);
    fc.assert(
      fc.property(flowArb.filter((f) => !f.v6), fragArb, fc.uint8Array({ minLength: 8, maxLength: 40 }), (f, frag, junk) => {
        const a = build(f);
        const word = (frag.mf ? 0x2000 : 0) | frag.offset;
        a[20] = word >> 8;
        a[21] = word & 0xff;
        const c = cat(a.subarray(0, 34), junk);
        expect(hashOne(b, 'linux:layer3+4', c)).toBe(hashOne(b, 'linux:layer3+4', a));
      }),
    );
  });

  // __bpf_l4v6_hash(): A = ld [54]; A ^= X; A = ld [56]; A ^= X: the source port is lost
  it('team:ipv6,l4 does not depend on the IPv6 source port', () => {
    fc.assert(
      fc.property(flowArb.filter((f) => f.v6), portArb, (f, other) => {
        expect(hashOne(b, 'team:ipv6,l4', build({ ...f, sport: other }))).toBe(hashOne(b, 'team:ipv6,l4', build(f)));
      }),
    );
  });

  // burst_xmit_l34_hash(): l3hash and l4hash stay 0 for anything but IPv4/IPv6
  it('dpdk:l34 of an untagged frame whose ethertype is not IPv4 or IPv6 is 0', () => {
    const typeArb = fc.integer({ min: 0x0600, max: 0xffff }).filter((t) => t !== 0x0800 && t !== 0x86dd && !TPIDS.includes(t));
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 14, maxLength: 96 }), typeArb, (f, t) => {
        const g = Uint8Array.from(f);
        g[12] = t >> 8;
        g[13] = t & 0xff;
        expect(hashOne(b, 'dpdk:l34', g)).toBe(0);
      }),
    );
  });

  // Frames shorter than an Ethernet header hash to 0 under every system policy
  it('frames shorter than 14 bytes hash to 0 under every system policy', () => {
    const policies = [
      'linux:layer2', 'linux:layer2+3', 'linux:layer3+4', 'linux:encap2+3', 'linux:encap3+4', 'linux:vlan+srcmac',
      'dpdk:l2', 'dpdk:l23', 'dpdk:l34', 'team:eth,ipv4,ipv6', 'team:eth,vlan,l3,l4',
    ];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 13 }), fc.constantFrom(...policies), (f, p) => {
        expect(hashOne(b, p, f)).toBe(0);
      }),
    );
  });
});
