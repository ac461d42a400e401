/**
 * rss:toeplitz against Microsoft's published RSS verification vectors
 * (../shared/reference/policies.md lists them: the standard 40-byte key,
 * source first then destination). Frames are built around each address pair,
 * so the whole path runs: walk, input assembly, table lookups.
 */
import { describe, expect, it } from 'vitest';
import { FrameBatch } from '../lib/batch.js';
import { hashBatchWith } from '../lib/hash.js';
import { policy } from '../lib/policy.js';
import { MICROSOFT_RSS_KEY, SYMMETRIC_RSS_KEY, toeplitzTables } from '../lib/toeplitz.js';
import { getBackend } from '../lib/native.js';
import { backends } from './helpers/backends.js';
import { concat, ethernet, ethIpv4Tcp, ethIpv6Tcp, ipv4, ipv4Addr, ipv6, ipv6Addr, tcp, u16, udp, vlanTag } from './helpers/frames.js';

// destination, source, address-only, with ports (as published)
const V4: [string, number, string, number, number, number][] = [
  ['161.142.100.80', 1766, '66.9.149.187', 2794, 0x323e8fc2, 0x51ccc178],
  ['65.69.140.83', 4739, '199.92.111.2', 14230, 0xd718262a, 0xc626b0ea],
  ['12.22.207.184', 38024, '24.19.198.95', 12898, 0xd2d0a5de, 0x5c2b394a],
  ['209.142.163.6', 2217, '38.27.205.30', 48228, 0x82989176, 0xafc7327f],
  ['202.188.127.2', 1303, '153.39.163.191', 44251, 0x5d1809c5, 0x10e828a2],
];
const V6: [string, number, string, number, number, number][] = [
  ['3ffe:2501:200:3::1', 1766, '3ffe:2501:200:1fff::7', 2794, 0x2cc18cd5, 0x40207d3d],
  ['ff02::1', 4739, '3ffe:501:8::260:97ff:fe40:efab', 14230, 0x0f0c461c, 0xdde51bbf],
  ['fe80::200:f8ff:fe21:67cf', 38024, '3ffe:1900:4545:3:200:f8ff:fe21:67cf', 44251, 0x4b61e985, 0x02d1feef],
];

/** The definition, bit by bit: for each set input bit, XOR the 32 key bits starting there. */
function toeplitzBitLoop(key: Uint8Array, input: Uint8Array): number {
  let h = 0;
  for (let i = 0; i < input.length * 8; i++) {
    if (!((input[i >> 3] >> (7 - (i & 7))) & 1)) continue;
    let w = 0;
    for (let j = 0; j < 32; j++) {
      const b = i + j;
      w = (w << 1) | ((key[b >> 3] >> (7 - (b & 7))) & 1);
    }
    h ^= w;
  }
  return h >>> 0;
}

describe('toeplitz tables', () => {
  it('rejects keys shorter than 40 bytes', () => {
    expect(() => toeplitzTables(new Uint8Array(39))).toThrow(expect.objectContaining({ code: 'ERR_LAGHASH_INVALID_POLICY_OPTION' }));
    expect(() => policy({ name: 'rss:toeplitz', key: 'abcd' })).toThrow(/at least 40 bytes/);
    expect(() => policy({ name: 'rss:toeplitz', key: 'xyz' })).toThrow(/hex/);
  });

  it('agree with the bit-by-bit definition on the published vectors', () => {
    for (const [dst, dport, src, sport, , withPorts] of V4) {
      const input = concat(ipv4Addr(src), ipv4Addr(dst), u16(sport), u16(dport));
      expect(toeplitzBitLoop(MICROSOFT_RSS_KEY, input)).toBe(withPorts);
    }
  });

  it('the symmetric key is detected as symmetric, the standard one not', () => {
    expect(policy('rss:toeplitz').symmetric).toBe(false);
    expect(policy({ name: 'rss:toeplitz', key: SYMMETRIC_RSS_KEY }).symmetric).toBe(true);
  });
});

describe.each(backends())('rss:toeplitz published vectors (%s)', (_name, backend) => {
  const onlyAddresses = policy({ name: 'rss:toeplitz', l4: [] });
  const withPorts = policy('rss:toeplitz');

  it.each(V4)('IPv4 %s:%i <- %s:%i', (dst, dport, src, sport, addrOnly, ports) => {
    const batch = FrameBatch.fromBuffers([ethIpv4Tcp(src, dst, sport, dport)]);
    expect(hashBatchWith(backend, batch, onlyAddresses)[0]).toBe(addrOnly);
    expect(hashBatchWith(backend, batch, withPorts)[0]).toBe(ports);
  });

  it.each(V6)('IPv6 %s port %i <- %s port %i', (dst, dport, src, sport, addrOnly, ports) => {
    const batch = FrameBatch.fromBuffers([ethIpv6Tcp(src, dst, sport, dport)]);
    expect(hashBatchWith(backend, batch, onlyAddresses)[0]).toBe(addrOnly);
    expect(hashBatchWith(backend, batch, withPorts)[0]).toBe(ports);
    // and the addresses round-trip through the test's own parser
    expect(ipv6Addr(dst).length).toBe(16);
  });

  it('a symmetric key gives both directions the same hash', () => {
    const p = policy({ name: 'rss:toeplitz', key: SYMMETRIC_RSS_KEY });
    for (const [dst, dport, src, sport] of V4) {
      const h = hashBatchWith(backend, FrameBatch.fromBuffers([ethIpv4Tcp(src, dst, sport, dport), ethIpv4Tcp(dst, src, dport, sport)]), p);
      expect(h[0]).toBe(h[1]);
    }
  });
});

/**
 * The native pass hashes Ethernet frames with up to two tags and a plain IPv4
 * or IPv6 header without the generic walk (toeplitz.h toeplitz_fast), and
 * hands everything else to the walk. `tunnel: 'inner'` always walks, and on
 * frames without a tunnel it hashes the same (outermost) IP layer; so on
 * these frames, every prefix of them and every one-byte change of their
 * headers, the outer and inner policies must agree on each backend, and the
 * backends with each other.
 */
describe.each(backends())('rss:toeplitz without the walk equals with it (%s)', (_name, backend) => {
  const v4 = (o: Partial<Parameters<typeof ipv4>[0]>, l4 = tcp(1000, 80)) =>
    concat(ipv4({ proto: 6, src: '10.0.0.1', dst: '10.0.0.2', ...o }, l4.length), l4);
  const v6 = (next: number, rest: Uint8Array) => concat(ipv6(next, '2001:db8::1', 'fe80::2', rest.length), rest);
  const eth = (type: number, ...rest: Uint8Array[]) => concat(ethernet('02:00:00:00:00:01', '02:00:00:00:00:02', type), ...rest);
  const bodies: [number, Uint8Array][] = [
    [0x0800, v4({})],
    [0x0800, v4({ proto: 17 }, udp(53, 5353))],
    [0x0800, v4({ proto: 132 }, tcp(7, 9))],
    [0x0800, v4({ proto: 33 }, tcp(7, 9))],                       // DCCP: ports, not in the input set
    [0x0800, v4({ flags: 0x2000 })],                               // first fragment
    [0x0800, v4({ flags: 0x0010 })],                               // later fragment
    [0x0800, v4({ options: new Uint8Array([1, 1, 1, 0]) })],       // IHL 6
    [0x0800, v4({ ihl: 4 })],                                      // malformed IHL
    [0x0800, v4({ proto: 51 }, concat(new Uint8Array([6, 1, 0, 0]), new Uint8Array(8), tcp(1, 2)))],  // AH, then TCP
    [0x0800, v4({ proto: 1 }, new Uint8Array([8, 0, 0, 0, 0, 7, 0, 1]))],  // ICMP echo
    [0x86dd, v6(6, tcp(443, 50000))],
    [0x86dd, v6(17, udp(123, 123))],
    [0x86dd, v6(0, concat(new Uint8Array([6, 0, 1, 4, 0, 0, 0, 0]), tcp(1, 2)))],          // hop-by-hop, then TCP
    [0x86dd, v6(44, concat(new Uint8Array([6, 0, 0, 1, 0, 0, 0, 9]), tcp(1, 2)))],         // fragment header, M set
    [0x86dd, v6(44, concat(new Uint8Array([6, 0, 0, 0, 0, 0, 0, 9]), tcp(1, 2)))],         // atomic fragment
    [0x86dd, v6(58, new Uint8Array([128, 0, 0, 0, 0, 3, 0, 1]))],
  ];
  const frames: Uint8Array[] = [];
  for (const [type, body] of bodies) {
    const tagged = [
      eth(type, body),
      eth(0x8100, vlanTag(type, 5), body),
      eth(0x88a8, vlanTag(0x8100, 7), u16(9), u16(type), body),
      eth(0x9100, vlanTag(0x88a8, 1), vlanTag(0x8100, 2), u16(3), u16(type), body),  // three tags: walked
    ];
    for (const f of tagged) {
      for (let n = 0; n <= f.length; n++) frames.push(f.subarray(0, n));
      for (let i = 12; i < Math.min(f.length, 80); i++) {
        const m = f.slice();
        m[i] ^= i & 1 ? 0xff : 0x10;
        frames.push(m);
      }
    }
  }
  const batch = FrameBatch.fromBuffers(frames);

  it.each(['', '?l4=tcp', '?l4=udp,sctp', '?l4='])('rss:toeplitz%s', (query) => {
    const outer = hashBatchWith(backend, batch, policy(`rss:toeplitz${query}`));
    const inner = hashBatchWith(backend, batch, policy(`rss:toeplitz${query}${query ? '&' : '?'}tunnel=inner`));
    const js = hashBatchWith(getBackend('js'), batch, policy(`rss:toeplitz${query}`));
    for (let i = 0; i < frames.length; i++) {
      if (outer[i] !== inner[i] || outer[i] !== js[i])
        throw new Error(`frame ${i} (${Buffer.from(frames[i]).toString('hex')}): outer ${outer[i]}, inner ${inner[i]}, js ${js[i]}`);
    }
    expect(new Set(outer).size).toBeGreaterThan(20);
  });
});
