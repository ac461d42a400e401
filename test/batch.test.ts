/**
 * The batch API: packed, strided, fromBuffers and fromCapture give the same
 * hashes for the same frames; selectBatch is hash % ports; the bound form
 * equals hashBatch range by range, sees a rewritten ring and, dropped, frees its
 * arrays without waiting for the event loop. Both backends.
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { FrameBatch } from '../lib/batch.js';
import { BUNDLED_CAPTURE } from '../lib/cli.js';
import { BoundBatch, hashBatchWith, selectBatchWith } from '../lib/hash.js';
import { policy } from '../lib/policy.js';
import { backends } from './helpers/backends.js';
import { ethIpv4Tcp, ethIpv6Tcp } from './helpers/frames.js';

const frames = [
  ethIpv4Tcp('10.0.0.1', '10.0.0.2', 1000, 80),
  ethIpv4Tcp('10.0.0.3', '10.0.0.2', 1001, 443),
  ethIpv6Tcp('2001:db8::1', '2001:db8::2', 5000, 22),
  ethIpv4Tcp('192.168.1.1', '10.9.8.7', 65535, 1),
];
const POLICIES = ['linux:layer2', 'linux:layer3+4', 'dpdk:l34', 'team', 'rss:toeplitz', 'src-dst-ip-port', 'src-dst-mac?hash=xor'];

describe.each(backends())('batches (%s)', (_name, backend) => {
  it('packed, strided and fromBuffers agree', () => {
    const stride = 128;
    const data = new Uint8Array(stride * frames.length);
    frames.forEach((f, i) => data.set(f, i * stride));
    const lengths = Uint32Array.from(frames, (f) => f.length);
    const strided = FrameBatch.strided(data, stride, lengths);
    const packed = FrameBatch.packed(data, Uint32Array.from(frames, (_f, i) => i * stride), lengths);
    const copied = FrameBatch.fromBuffers(frames);
    for (const p of POLICIES) {
      const a = hashBatchWith(backend, copied, p);
      expect(hashBatchWith(backend, packed, p)).toEqual(a);
      expect(hashBatchWith(backend, strided, p)).toEqual(a);
      for (const ports of [1, 2, 3, 8]) expect(Array.from(selectBatchWith(backend, packed, p, { ports }))).toEqual(Array.from(a, (h) => h % ports));
    }
  });

  it('frames are views into the data, not copies', () => {
    const b = FrameBatch.fromCapture(readFileSync(BUNDLED_CAPTURE));
    expect(b.count).toBe(3905);
    expect(b.frame(1).buffer).toBe(b.data.buffer);
    expect(b.capture?.data).toBe(b.data);
  });

  it('the bound form equals hashBatch, range by range, and sees a rewritten ring', () => {
    const b = FrameBatch.fromBuffers(frames);
    for (const p of POLICIES) {
      const expected = hashBatchWith(backend, b, p);
      const bound = new BoundBatch(backend, b, p);
      for (let s = 0; s < frames.length; s++) expect(bound.run(s, 1)[s]).toBe(expected[s]);
      const sel = new BoundBatch<Uint16Array>(backend, b, p, { selector: { ports: 3 } });
      expect(Array.from(sel.run(0, frames.length))).toEqual(Array.from(expected, (h) => h % 3));
    }
    // a ring: rewrite offsets and lengths in place, run again
    const ring = FrameBatch.fromBuffers([frames[0], frames[1]]);
    const bound = new BoundBatch(backend, ring, 'linux:layer3+4');
    const first = bound.run(0, 2).slice();
    ring.offsets![0] = ring.offsets![1];
    ring.lengths[0] = ring.lengths[1];
    expect(bound.run(0, 1)[0]).toBe(first[1]);
    ring.lengths[1] = 1 << 30;
    expect(() => bound.run(1, 1)).toThrow(expect.objectContaining({ code: 'ERR_LAGHASH_FRAME_BOUNDS', frame: 1 }));
  });

  it('bound forms dropped in a synchronous loop give their arrays back at the next garbage collection', () => {
    // no turn of the event loop in between: Node runs N-API finalizers only then, so the
    // arrays may not depend on them (native/addon.cc keeps them on the bound function)
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const b = FrameBatch.fromBuffers(frames);
    gc();
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 200; i++) {
      const out = new Uint32Array(1 << 18);  // 1 MiB each: 200 MiB if they were kept
      new BoundBatch(backend, b, 'linux:layer3+4', { out }).run(0, frames.length);
      new BoundBatch<Uint16Array>(backend, b, 'dpdk:l34', { selector: { ports: 3 }, out: new Uint16Array(1 << 19) }).run(0, 1);
    }
    gc();
    expect((process.memoryUsage().arrayBuffers - before) / 2 ** 20).toBeLessThan(64);
  });

  it('frames of several link types in one batch', () => {
    const eth = frames[0];
    const raw = eth.subarray(14);
    const b = FrameBatch.fromBuffers([eth, raw], { linkType: Uint16Array.from([1, 101]) });
    const h = hashBatchWith(backend, b, 'src-dst-ip-port');
    const alone = hashBatchWith(backend, FrameBatch.fromBuffers([raw], { linkType: 101 }), 'src-dst-ip-port');
    expect(h[0]).toBe(h[1]);  // same addresses and ports, MACs not in the field set
    expect(h[1]).toBe(alone[0]);
  });

  it('a frame and its reverse hash alike under every policy that says it is symmetric', () => {
    const fwd = ethIpv4Tcp('10.1.2.3', '172.16.5.4', 40000, 443, ['00:11:22:33:44:55', '66:77:88:99:aa:bb']);
    const rev = ethIpv4Tcp('172.16.5.4', '10.1.2.3', 443, 40000, ['66:77:88:99:aa:bb', '00:11:22:33:44:55']);
    const b = FrameBatch.fromBuffers([fwd, rev]);
    for (const name of ['linux:layer2', 'linux:layer2+3', 'linux:layer3+4', 'dpdk:l2', 'dpdk:l23', 'dpdk:l34', 'team', 'team:eth,ipv4,l4',
      'src-dst-ip-port', 'src-dst-ip-port?symmetric=1', 'src-dst-ip-port?hash=xor', 'src-ip?hash=xor', 'rss:toeplitz']) {
      const p = policy(name);
      const h = hashBatchWith(backend, b, p);
      if (p.symmetric) expect([name, h[0]]).toEqual([name, h[1]]);
    }
  });
});
