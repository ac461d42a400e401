/**
 * fast-check arbitraries for frames: structured ones (every protocol the walk
 * and the policies know, nested the ways real traffic and tunnels nest them),
 * then damaged ones (cut anywhere, bytes overwritten) and plain garbage.
 */
import fc from 'fast-check';
import { concat, u16, u32 } from './frames.js';

export interface LinkedFrame {
  link: number;
  bytes: Uint8Array;
}

const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
const mac = bytes(6, 6);
const v4addr = fc.oneof(bytes(4, 4), fc.constantFrom(new Uint8Array([10, 0, 0, 1]), new Uint8Array([10, 0, 0, 2])));
const v6addr = bytes(16, 16);
const port = fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.constantFrom(53, 80, 443, 4789, 6081, 0));

/** Transport headers and what they carry. depth bounds tunnel nesting. */
function l4(proto: number, depth: number): fc.Arbitrary<Uint8Array> {
  switch (proto) {
    case 6: return fc.tuple(port, port, bytes(16, 16), bytes(0, 24)).map(([s, d, rest, p]) => concat(u16(s), u16(d), rest, p));
    case 17: return fc.oneof(
      fc.tuple(port, port, bytes(4, 4), bytes(0, 24)).map(([s, d, r, p]) => concat(u16(s), u16(d), r, p)),
      depth > 0 ? fc.tuple(port, inner(depth - 1), bytes(4, 4)).map(([s, e, vni]) => concat(u16(s), u16(4789), u16(16 + e.length), u16(0), new Uint8Array([8, 0, 0, 0]), vni, e)) : fc.constant(new Uint8Array(8)),
      depth > 0 ? fc.tuple(port, fc.integer({ min: 0, max: 3 }), fc.constantFrom(0x6558, 0x0800, 0x86dd), inner(depth - 1)).map(([s, opt, pt, e]) =>
        concat(u16(s), u16(6081), u16(0), u16(0), new Uint8Array([opt, 0]), u16(pt), new Uint8Array([0, 0, 7, 0]), new Uint8Array(opt * 4), pt === 0x6558 ? e : e.subarray(14))) : fc.constant(new Uint8Array(8)),
    );
    case 132: case 33: case 136: return fc.tuple(port, port, bytes(0, 16)).map(([s, d, r]) => concat(u16(s), u16(d), r));
    case 1: case 58: return fc.oneof(
      fc.tuple(fc.constantFrom(0, 8, 13, 128, 129), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 65535 })).map(([t, c, id]) => concat(new Uint8Array([t, c, 0, 0]), u16(id), u16(1))),
      fc.tuple(fc.constantFrom(3, 11, 1, 2, 4), fc.integer({ min: 0, max: 3 }), quotedIp(proto)).map(([t, c, q]) => concat(new Uint8Array([t, c, 0, 0, 0, 0, 0, 0]), q)),
    );
    case 50: return bytes(4, 16);
    case 51: return fc.tuple(fc.constantFrom(6, 17, 1), fc.integer({ min: 1, max: 4 })).chain(([next, len]) =>
      fc.tuple(bytes((len + 2) * 4 - 4, (len + 2) * 4 - 4), l4(next, 0)).map(([r, t]) => concat(new Uint8Array([next, len, 0, 0]), r, t)));
    case 47: return depth > 0 ? gre(depth - 1) : fc.constant(new Uint8Array(4));
    case 4: return depth > 0 ? ipv4Packet(depth - 1) : bytes(0, 20);
    case 41: return depth > 0 ? ipv6Packet(depth - 1) : bytes(0, 40);
    case 137: return depth > 0 ? mplsStack(depth - 1) : bytes(0, 8);
    default: return bytes(0, 16);
  }
}

// both ICMP numbers under both IP versions: Linux's flow dissector takes either as ICMP whatever the version
const L4_PROTOS = [6, 17, 132, 33, 136, 1, 58, 50, 51, 47, 4, 41, 137, 89];

function quotedIp(icmpProto: number): fc.Arbitrary<Uint8Array> {
  const p = fc.constantFrom(6, 17, 1);
  if (icmpProto === 1)
    return fc.tuple(p, v4addr, v4addr, bytes(8, 8)).map(([proto, s, d, t]) => concat(new Uint8Array([0x45, 0]), u16(28), u32(0), new Uint8Array([64, proto]), u16(0), s, d, t));
  return fc.tuple(p, v6addr, v6addr, bytes(8, 8)).map(([proto, s, d, t]) => concat(u32(0x60000000), u16(8), new Uint8Array([proto === 1 ? 58 : proto, 64]), s, d, t));
}

function ipv4Packet(depth: number): fc.Arbitrary<Uint8Array> {
  return fc.tuple(
    fc.constantFrom(...L4_PROTOS), v4addr, v4addr, fc.integer({ min: 0, max: 3 }),
    fc.constantFrom(0, 0, 0, 0x2000, 0x4000, 185, 0x2000 | 185, 0x1fff), fc.constantFrom(0x45, 0x45, 0x45, 0x46, 0x4f, 0x44, 0x35),
  ).chain(([proto, s, d, opt, frag, vihl]) =>
    l4(proto, depth).map((t) => {
      const ihl = (vihl & 0x0f) === 5 ? 5 + opt : vihl & 0x0f;
      const options = new Uint8Array(Math.max(0, ihl - 5) * 4).fill(1);
      return concat(new Uint8Array([(vihl & 0xf0) | ihl, 0]), u16(20 + options.length + t.length), u16(0x1234), u16(frag), new Uint8Array([64, proto]), u16(0), s, d, options, t);
    }));
}

function ipv6Packet(depth: number): fc.Arbitrary<Uint8Array> {
  const ext = fc.array(fc.constantFrom(0, 43, 44, 60, 51), { maxLength: 3 });
  return fc.tuple(ext, fc.constantFrom(...L4_PROTOS.filter((p) => p !== 51)), v6addr, v6addr, fc.integer({ min: 0, max: 0xfffff }), fc.constantFrom(0, 0, 1, 0x5c8, 0x5c9))
    .chain(([exts, proto, s, d, flow, fragField]) =>
      l4(proto, depth).map((t) => {
        const chain = [...exts, proto];
        const parts: Uint8Array[] = [];
        for (let i = 0; i < exts.length; i++) {
          const next = chain[i + 1];
          if (exts[i] === 44) parts.push(concat(new Uint8Array([next, 0]), u16(fragField), u32(7)));
          else if (exts[i] === 51) parts.push(concat(new Uint8Array([next, 1, 0, 0]), u32(0xabcd), u32(1), new Uint8Array(4)));
          else parts.push(concat(new Uint8Array([next, 0]), new Uint8Array(6)));
        }
        const payload = concat(...parts, t);
        return concat(u32((6 << 28) | flow), u16(payload.length), new Uint8Array([chain[0], 64]), s, d, payload);
      }));
}

function mplsStack(depth: number): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.array(fc.integer({ min: 0, max: 0xfffff }), { minLength: 1, maxLength: 3 }), fc.oneof(ipv4Packet(depth), ipv6Packet(depth), bytes(0, 8)))
    .map(([labels, inner]) => concat(...labels.map((l, i) => u32((l << 12) | (i === labels.length - 1 ? 0x100 : 0) | 64)), inner));
}

function gre(depth: number): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.constantFrom(0x0000, 0x2000, 0xb000, 0x8000, 0x1000, 0x4000, 0x3001, 0x2001, 0x2081),
    fc.constantFrom(0x0800, 0x86dd, 0x6558, 0x88be, 0x22eb, 0x8847, 0x880b), inner(depth), bytes(4, 4))
    .map(([flags, pt, e, w]) => {
      const opt: Uint8Array[] = [];
      if (flags & 0x8000) opt.push(new Uint8Array(4));
      if (flags & 0x2000) opt.push(w);
      if (flags & 0x1000) opt.push(u32(5));
      if (flags & 0x0080) opt.push(u32(6));
      const body = pt === 0x6558 ? e : pt === 0x88be ? concat(new Uint8Array(8), e) : pt === 0x22eb ? concat(new Uint8Array(12), e)
        : pt === 0x880b ? concat(new Uint8Array([0xff, 0x03, 0x00, 0x21]), e.subarray(14)) : e.subarray(14);
      return concat(u16(flags), u16(pt), ...opt, body);
    });
}

const TAG_TPIDS = [0x8100, 0x88a8, 0x9100];

/** An Ethernet frame, possibly tagged, carrying one of the protocols. */
function inner(depth: number): fc.Arbitrary<Uint8Array> {
  const tags = fc.array(fc.tuple(fc.constantFrom(...TAG_TPIDS), fc.integer({ min: 0, max: 0xffff })), { maxLength: depth > 1 ? 3 : 1 });
  const payload: fc.Arbitrary<[number, Uint8Array]> = fc.oneof(
    { weight: 5, arbitrary: ipv4Packet(depth).map((p) => [0x0800, p] as [number, Uint8Array]) },
    { weight: 3, arbitrary: ipv6Packet(depth).map((p) => [0x86dd, p] as [number, Uint8Array]) },
    { weight: 1, arbitrary: bytes(28, 28).map((p) => [0x0806, p] as [number, Uint8Array]) },
    { weight: 1, arbitrary: mplsStack(depth).map((p) => [0x8847, p] as [number, Uint8Array]) },
    { weight: 1, arbitrary: ipv4Packet(depth).map((p) => [0x8864, concat(new Uint8Array([0x11, 0]), u16(7), u16(p.length + 2), u16(0x21), p)] as [number, Uint8Array]) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(0x88cc, 0x8809, 0x0042, 0x05dc, 0x88ca, 0x4305, 0x88f7, 0x892f, 0x8906), bytes(0, 40)) as fc.Arbitrary<[number, Uint8Array]> },
  );
  // destination, source, then each tag as TPID and TCI, then the payload's type
  return fc.tuple(mac, mac, tags, payload).map(([d, s, t, [type, p]]) =>
    concat(d, s, ...t.map(([tpid, tci]) => concat(u16(tpid), u16(tci))), u16(type), p));
}

/** A frame of any supported link type, as laghash's captures carry them. */
export const structuredFrame: fc.Arbitrary<LinkedFrame> = fc.oneof(
  { weight: 8, arbitrary: inner(2).map((b) => ({ link: 1, bytes: b })) },
  { weight: 1, arbitrary: fc.tuple(inner(1), fc.constantFrom(4, 6, 0)).map(([e, alen]) =>
    ({ link: 113, bytes: concat(u16(0), u16(1), u16(alen), e.subarray(6, 12), new Uint8Array(2), e.subarray(12)) })) },
  { weight: 1, arbitrary: fc.tuple(inner(1), fc.constantFrom(6, 0)).map(([e, alen]) =>
    ({ link: 276, bytes: concat(e.subarray(12, 14), u16(0), u32(2), u16(1), new Uint8Array([0, alen]), e.subarray(6, 12), new Uint8Array(2), e.subarray(14)) })) },
  { weight: 1, arbitrary: fc.oneof(ipv4Packet(1), ipv6Packet(1)).chain((p) => fc.constantFrom(101, p[0] >> 4 === 4 ? 228 : 229).map((link) => ({ link, bytes: p }))) },
);

/** Structured frames cut anywhere, with bytes overwritten, or replaced by garbage. */
export const anyFrame: fc.Arbitrary<LinkedFrame> = fc.oneof(
  { weight: 4, arbitrary: structuredFrame },
  { weight: 3, arbitrary: fc.tuple(structuredFrame, fc.nat()).map(([f, n]) => ({ link: f.link, bytes: f.bytes.subarray(0, n % (f.bytes.length + 1)) })) },
  { weight: 3, arbitrary: fc.tuple(structuredFrame, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })).map(([f, edits]) => {
    const b = Uint8Array.from(f.bytes);
    for (const [at, v] of edits) if (b.length) b[at % b.length] = v;
    return { link: f.link, bytes: b };
  }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(1, 101, 113, 228, 229, 276), bytes(0, 96)).map(([link, b]) => ({ link, bytes: b })) },
);
