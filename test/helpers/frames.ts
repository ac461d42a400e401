/**
 * Small frame builders for tests: every header written field by field from
 * its RFC layout, so a test's frame says what it contains.
 */

export function hex(s: string): Uint8Array {
  const clean = s.replace(/[\s:]/g, '');
  const out = new Uint8Array(clean.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

export function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function u16(v: number): Uint8Array {
  return new Uint8Array([(v >> 8) & 0xff, v & 0xff]);
}

export function u32(v: number): Uint8Array {
  return new Uint8Array([(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
}

export function mac(s: string): Uint8Array {
  return hex(s);
}

export function ipv4Addr(s: string): Uint8Array {
  return new Uint8Array(s.split('.').map(Number));
}

/** Parse an IPv6 address in any RFC 4291 text form. */
export function ipv6Addr(s: string): Uint8Array {
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':').filter((x) => x !== '') : [];
  const t = tail !== undefined ? tail.split(':').filter((x) => x !== '') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

export function ethernet(dst: string, src: string, type: number): Uint8Array {
  return concat(mac(dst), mac(src), u16(type));
}

export function vlanTag(tpid: number, tci: number): Uint8Array {
  return concat(u16(tpid), u16(tci));
}

export interface Ipv4Options {
  proto: number;
  src: string;
  dst: string;
  ihl?: number;
  flags?: number;  // frag field: MF 0x2000, offset in 8-byte units
  options?: Uint8Array;
  id?: number;
  totalLength?: number;
}

export function ipv4(o: Ipv4Options, payloadLength = 0): Uint8Array {
  const opts = o.options ?? new Uint8Array(0);
  const ihl = o.ihl ?? 5 + opts.length / 4;
  const h = concat(
    new Uint8Array([0x40 | ihl, 0]),
    u16(o.totalLength ?? 20 + opts.length + payloadLength),
    u16(o.id ?? 0x1234),
    u16(o.flags ?? 0),
    new Uint8Array([64, o.proto]),
    u16(0),
    ipv4Addr(o.src),
    ipv4Addr(o.dst),
    opts,
  );
  return h;
}

export function ipv6(next: number, src: string, dst: string, payloadLength = 0, flow = 0): Uint8Array {
  return concat(u32((6 << 28) | flow), u16(payloadLength), new Uint8Array([next, 64]), ipv6Addr(src), ipv6Addr(dst));
}

export function tcp(sport: number, dport: number, payload = 0): Uint8Array {
  return concat(u16(sport), u16(dport), u32(1), u32(0), new Uint8Array([0x50, 0x18]), u16(0xffff), u16(0), u16(0), new Uint8Array(payload));
}

export function udp(sport: number, dport: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat(u16(sport), u16(dport), u16(8 + payload.length), u16(0), payload);
}

/** Ethernet + IPv4 + TCP with correct length fields. */
export function ethIpv4Tcp(src: string, dst: string, sport: number, dport: number, eth = ['00:11:22:33:44:55', '66:77:88:99:aa:bb']): Uint8Array {
  const l4 = tcp(sport, dport);
  return concat(ethernet(eth[0], eth[1], 0x0800), ipv4({ proto: 6, src, dst }, l4.length), l4);
}

/** Ethernet + IPv6 + TCP. */
export function ethIpv6Tcp(src: string, dst: string, sport: number, dport: number, eth = ['00:11:22:33:44:55', '66:77:88:99:aa:bb']): Uint8Array {
  const l4 = tcp(sport, dport);
  return concat(ethernet(eth[0], eth[1], 0x86dd), ipv6(6, src, dst, l4.length), l4);
}
