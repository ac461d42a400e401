/**
 * The synthetic traffic mix of the benchmarks: a deterministic set of frames
 * of 64..1514 bytes (IPv4/IPv6, TCP/UDP, 802.1Q, QinQ, IPv4 fragments, IPv6
 * fragment headers, ARP) over ~64K flows, large enough (1M frames, ~0.7 GB)
 * that the data does not fit in the caches. Built once and kept in a file in
 * the temporary directory; each benchmark process maps it back with one read.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Mix {
  data: Uint8Array;
  offsets: Uint32Array;
  lengths: Uint32Array;
  count: number;
}

const VERSION = 3;

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {  // xorshift32
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  below(n: number): number {
    return this.next() % n;
  }
}

type Kind = 'v4tcp' | 'v4udp' | 'v6tcp' | 'v6udp' | 'vlan' | 'qinq' | 'frag4' | 'frag6' | 'arp';
// share of each kind, in percent
const KINDS: [Kind, number][] = [
  ['v4tcp', 48], ['v4udp', 14], ['v6tcp', 12], ['v6udp', 5], ['vlan', 7], ['qinq', 3], ['frag4', 5], ['frag6', 2], ['arp', 4],
];

function size(r: Rng, kind: Kind): number {
  if (kind === 'arp') return 60;
  const p = r.below(100);
  if (p < 45) return 64 + r.below(64);       // ACKs, small requests
  if (p < 85) return 1400 + r.below(115);    // full segments
  return 64 + r.below(1451);
}

function w16(d: Uint8Array, o: number, v: number): void {
  d[o] = v >> 8;
  d[o + 1] = v & 0xff;
}

function w32(d: Uint8Array, o: number, v: number): void {
  w16(d, o, v >>> 16);
  w16(d, o + 2, v & 0xffff);
}

/** Write one frame's headers at d[o .. o + len). */
function writeFrame(d: Uint8Array, o: number, len: number, kind: Kind, flow: number): void {
  const f = flow;
  w16(d, o, 0x021a);                                 // dst MAC: one per flow
  w32(d, o + 2, Math.imul(f, 0x9e3779b1));
  w16(d, o + 6, 0x0200);                             // src MAC: a few hosts
  w32(d, o + 8, 0x0a000000 | (f & 0x3f));
  let p = o + 12;
  if (kind === 'vlan' || kind === 'qinq') {
    if (kind === 'qinq') {
      w16(d, p, 0x88a8);
      w16(d, p + 2, 100 + (f & 0xff));
      p += 4;
    }
    w16(d, p, 0x8100);
    w16(d, p + 2, (f >>> 4) & 0xfff);
    p += 4;
  }
  if (kind === 'arp') {
    w16(d, p, 0x0806);
    w16(d, p + 2, 1);
    w16(d, p + 4, 0x0800);
    d[p + 6] = 6;
    d[p + 7] = 4;
    w16(d, p + 8, 1);
    w32(d, p + 16, 0x0a000000 | (f & 0xffff));
    w32(d, p + 26, 0x0a000001);
    return;
  }
  const v6 = kind === 'v6tcp' || kind === 'v6udp' || kind === 'frag6';
  const udp = kind === 'v4udp' || kind === 'v6udp' || kind === 'qinq' || kind === 'frag4' || kind === 'frag6';
  w16(d, p, v6 ? 0x86dd : 0x0800);
  p += 2;
  const ipLen = o + len - p;
  let l4: number;
  if (!v6) {
    d[p] = 0x45;
    w16(d, p + 2, ipLen);
    w16(d, p + 4, f & 0xffff);
    if (kind === 'frag4') w16(d, p + 6, f & 1 ? 0x2000 : 185);  // first fragments (MF) and later ones
    d[p + 8] = 64;
    d[p + 9] = udp ? 17 : 6;
    w32(d, p + 12, 0x0a000000 | (f * 2654435761) >>> 8);
    w32(d, p + 16, 0xc0a80000 | (f & 0xff));
    l4 = p + 20;
  } else {
    w32(d, p, 0x60000000 | (f & 0xfffff));
    w16(d, p + 4, ipLen - 40);
    d[p + 6] = kind === 'frag6' ? 44 : udp ? 17 : 6;
    d[p + 7] = 64;
    w32(d, p + 8, 0x20010db8);
    w32(d, p + 20, f * 2654435761);
    w32(d, p + 24, 0x20010db8);
    w32(d, p + 36, 1 + (f & 0xff));
    l4 = p + 40;
    if (kind === 'frag6') {
      d[l4] = 17;
      w16(d, l4 + 2, f & 1 ? 1 : 0x05c8);
      l4 += 8;
    }
  }
  if (l4 + 4 > o + len) return;
  w16(d, l4, 1024 + (f % 50000));
  w16(d, l4 + 2, udp ? 53 : [80, 443, 8080, 22][f & 3]);
  if (!udp && l4 + 13 <= o + len) d[l4 + 12] = 0x50;
}

/** distinct: frame i belongs to flow i (count conversations), else flows are drawn from 64K. */
function build(count: number, distinct: boolean): Mix {
  const r = new Rng(0x1a6ca5);
  const kinds = new Uint8Array(count), lengths = new Uint32Array(count), flows = new Uint32Array(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    let pick = r.below(100), k = 0;
    while (pick >= KINDS[k][1]) pick -= KINDS[k++][1];
    kinds[i] = k;
    flows[i] = distinct ? i : r.below(65536);
    lengths[i] = size(r, KINDS[k][0]);
    total += lengths[i];
  }
  const data = new Uint8Array(total), offsets = new Uint32Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    offsets[i] = at;
    writeFrame(data, at, lengths[i], KINDS[kinds[i]][0], flows[i]);
    at += lengths[i];
  }
  return { data, offsets, lengths, count };
}

/** The mix of `count` frames, from the cache file when present (distinct: one flow per frame). */
export function loadMix(count: number, distinct = false): Mix {
  const file = join(tmpdir(), `laghash-bench-mix-v${VERSION}${distinct ? '-distinct' : ''}-${count}.bin`);
  if (!existsSync(file)) {
    const m = build(count, distinct);
    const header = new Uint32Array([count, m.data.length]);
    const tmp = `${file}.${process.pid}`;
    writeFileSync(tmp, Buffer.concat([new Uint8Array(header.buffer), new Uint8Array(m.offsets.buffer), new Uint8Array(m.lengths.buffer), m.data]));
    renameSync(tmp, file);
    return m;
  }
  const buf = readFileSync(file);
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  const header = new Uint32Array(bytes.slice(0, 8).buffer);
  const n = header[0];
  const offsets = new Uint32Array(bytes.slice(8, 8 + 4 * n).buffer);
  const lengths = new Uint32Array(bytes.slice(8 + 4 * n, 8 + 8 * n).buffer);
  return { data: bytes.subarray(8 + 8 * n), offsets, lengths, count: n };
}
