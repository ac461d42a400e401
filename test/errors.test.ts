/**
 * Bad arguments give the typed errors with stable codes and messages that say
 * what was expected; malformed frames never throw. Both backends.
 */
import { describe, expect, it } from 'vitest';
import { FrameBatch } from '../lib/batch.js';
import { dissect } from '../lib/dissect.js';
import { LaghashError } from '../lib/errors.js';
import { BoundBatch, hashBatchWith, selectBatchWith } from '../lib/hash.js';
import { policy } from '../lib/policy.js';
import { backends } from './helpers/backends.js';
import { ethIpv4Tcp } from './helpers/frames.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LaghashError);
    return (e as LaghashError).code;
  }
  return 'no error';
}

const frame = ethIpv4Tcp('10.0.0.1', '10.0.0.2', 1000, 80);
const good = () => FrameBatch.fromBuffers([frame, frame]);

describe('FrameBatch arguments', () => {
  it('rejects wrong types, mismatched lengths and unsupported link types', () => {
    const data = new Uint8Array(100);
    expect(code(() => FrameBatch.packed([] as unknown as Uint8Array, new Uint32Array(1), new Uint32Array(1)))).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
    expect(code(() => FrameBatch.packed(data, new Int32Array(1) as unknown as Uint32Array, new Uint32Array(1)))).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
    expect(code(() => FrameBatch.packed(data, new Uint32Array(2), new Uint32Array(1)))).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
    expect(code(() => FrameBatch.packed(data, new Uint32Array(1), new Uint32Array(1), { linkType: 0 }))).toBe('ERR_LAGHASH_UNSUPPORTED_LINK_TYPE');
    expect(code(() => FrameBatch.packed(data, new Uint32Array(1), new Uint32Array(1), { linkType: new Uint16Array(2) }))).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
    expect(code(() => FrameBatch.packed(data, new Uint32Array(1), new Uint32Array(1), { linkType: new Uint16Array([9]) }))).toBe('ERR_LAGHASH_UNSUPPORTED_LINK_TYPE');
    expect(code(() => FrameBatch.strided(data, 0, new Uint32Array(1)))).toBe('ERR_LAGHASH_OUT_OF_RANGE');
    expect(code(() => FrameBatch.strided(data, 1.5, new Uint32Array(1)))).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
    expect(code(() => FrameBatch.strided(data, NaN, new Uint32Array(1)))).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
    expect(code(() => FrameBatch.fromBuffers([frame, 'x' as unknown as Uint8Array]))).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
    expect(code(() => FrameBatch.fromBuffers(null as unknown as Uint8Array[]))).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
    expect(code(() => FrameBatch.fromCapture(new Uint8Array(10)))).toBe('ERR_LAGHASH_CAPTURE_FORMAT');
  });

  it('rejects shared and resizable buffers', () => {
    const shared = new Uint8Array(new SharedArrayBuffer(64));
    expect(code(() => FrameBatch.packed(shared, new Uint32Array(1), new Uint32Array(1)))).toBe('ERR_LAGHASH_BUFFER_STATE');
    const Resizable = ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer;
    const resizable = new Uint8Array(new Resizable(64, { maxByteLength: 128 }));
    expect(code(() => FrameBatch.packed(resizable, new Uint32Array(1), new Uint32Array(1)))).toBe('ERR_LAGHASH_BUFFER_STATE');
  });

  it('says what was expected', () => {
    expect(() => FrameBatch.packed(new Uint8Array(1), new Uint32Array(2), new Uint32Array(3))).toThrow('Expected offsets and lengths of the same length, got 2 and 3');
    expect(() => FrameBatch.strided(new Uint8Array(1), 0, new Uint32Array(1))).toThrow('Expected stride to be an integer in 1..4294967295, got 0');
  });
});

describe('policy arguments', () => {
  it('rejects unknown names and bad options', () => {
    expect(code(() => policy('linux:layer9'))).toBe('ERR_LAGHASH_UNKNOWN_POLICY');
    expect(code(() => policy(''))).toBe('ERR_LAGHASH_UNKNOWN_POLICY');
    expect(code(() => policy(42 as unknown as string))).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
    expect(code(() => policy('linux:layer3+4?vlan=maybe'))).toBe('ERR_LAGHASH_INVALID_POLICY_OPTION');
    expect(code(() => policy('linux:layer3+4?seed=3'))).toBe('ERR_LAGHASH_INVALID_POLICY_OPTION');
    expect(code(() => policy('dpdk:l34?vlan=inband'))).toBe('ERR_LAGHASH_INVALID_POLICY_OPTION');
    expect(code(() => policy('team:eth,bogus'))).toBe('ERR_LAGHASH_INVALID_POLICY_OPTION');
    expect(code(() => policy('team:'))).toBe('ERR_LAGHASH_INVALID_POLICY_OPTION');
    expect(code(() => policy('fields'))).toBe('ERR_LAGHASH_INVALID_POLICY_OPTION');
    expect(code(() => policy('fields?fields=src-ip,nope'))).toBe('ERR_LAGHASH_INVALID_POLICY_OPTION');
    expect(code(() => policy('src-ip?fields=dst-ip'))).toBe('ERR_LAGHASH_INVALID_POLICY_OPTION');
    expect(code(() => policy('src-ip?seed=-1'))).toBe('ERR_LAGHASH_INVALID_POLICY_OPTION');
    expect(code(() => policy('src-ip?seed=4294967296'))).toBe('ERR_LAGHASH_INVALID_POLICY_OPTION');
    expect(code(() => policy('src-ip?seed=1.5'))).toBe('ERR_LAGHASH_INVALID_POLICY_OPTION');
    expect(code(() => policy('src-ip?hash=md5'))).toBe('ERR_LAGHASH_INVALID_POLICY_OPTION');
    expect(code(() => policy('src-ip?symmetric=perhaps'))).toBe('ERR_LAGHASH_INVALID_POLICY_OPTION');
    expect(code(() => policy('rss:toeplitz?l4=icmp'))).toBe('ERR_LAGHASH_INVALID_POLICY_OPTION');
    expect(code(() => policy({ name: 'src-ip', symmetric: 'yes' } as never))).toBe('ERR_LAGHASH_INVALID_POLICY_OPTION');
  });

  it('names round-trip and equal options compile alike', () => {
    for (const n of ['linux:layer3+4?vlan=inband', 'team:eth,ipv4', 'src-dst-ip-port?hash=xor&symmetric=1', 'rss:toeplitz?l4=tcp', 'fields?fields=src-ip,dst-port&seed=5']) {
      const p = policy(n);
      expect(policy(p.name).spec).toEqual(p.spec);
      expect(policy(p.name).name).toBe(p.name);
    }
    expect(policy({ name: 'src-dst-ip-port', hash: 'xor' }).spec).toEqual(policy('src-dst-ip-port?hash=xor').spec);
    expect(policy('team').name).toBe('team:eth,ipv4,ipv6');
  });
});

describe.each(backends())('hashBatch / selectBatch arguments (%s)', (_name, backend) => {
  it('rejects a non-batch, bad out arrays and bad port counts', () => {
    const b = good();
    expect(code(() => hashBatchWith(backend, {} as FrameBatch, 'linux:layer2'))).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
    expect(code(() => hashBatchWith(backend, b, 'linux:layer2', new Uint32Array(1)))).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
    expect(code(() => hashBatchWith(backend, b, 'linux:layer2', new Int32Array(2) as unknown as Uint32Array))).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
    expect(code(() => hashBatchWith(backend, b, 'nope'))).toBe('ERR_LAGHASH_UNKNOWN_POLICY');
    for (const ports of [0, 4097, -1, 1.5, NaN, '4'])
      expect(code(() => selectBatchWith(backend, b, 'linux:layer2', { ports } as never))).toMatch(/ERR_LAGHASH_(OUT_OF_RANGE|INVALID_ARGUMENT)/);
    expect(code(() => selectBatchWith(backend, b, 'linux:layer2', { ports: 2 }, new Uint32Array(2) as unknown as Uint16Array))).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
    expect(code(() => selectBatchWith(backend, b, 'linux:layer2', null as never))).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
  });

  it('a frame outside the buffer throws FrameBoundsError naming it, and writes nothing', () => {
    const data = new Uint8Array(200);
    data.set(frame, 0);
    for (const [offsets, lengths, bad] of [
      [[0, 100, 150], [60, 60, 60], 2],
      [[0, 0xffffffff], [60, 2], 1],
      [[0, 10], [60, 0xffffffff], 1],
      [[201, 0], [0, 10], 0],
    ] as [number[], number[], number][]) {
      const b = FrameBatch.packed(data, Uint32Array.from(offsets), Uint32Array.from(lengths));
      const out = new Uint32Array(offsets.length).fill(7);
      let err: unknown;
      try {
        hashBatchWith(backend, b, 'linux:layer3+4', out);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'ERR_LAGHASH_FRAME_BOUNDS', frame: bad });
      expect(Array.from(out)).toEqual(Array(offsets.length).fill(7));
    }
    const strided = FrameBatch.strided(data, 100, Uint32Array.from([60, 60, 60]));
    expect(() => hashBatchWith(backend, strided, 'linux:layer2')).toThrow(expect.objectContaining({ frame: 2 }));
  });

  it('frames of every length 0..frame length never throw and agree with the frame cut there', () => {
    const frames = Array.from({ length: frame.length + 1 }, (_, n) => frame.subarray(0, n));
    for (const link of [1, 101, 113, 228, 229, 276]) {
      const b = FrameBatch.fromBuffers(frames, { linkType: link });
      for (const p of ['linux:layer3+4', 'linux:encap3+4', 'dpdk:l34', 'team:eth,ipv4,l4', 'rss:toeplitz', 'src-dst-ip-port'])
        expect(hashBatchWith(backend, b, p)).toHaveLength(frames.length);
    }
  });

  it('a bound batch checks its range and notices a detached buffer', () => {
    const data = new Uint8Array(frame.length * 2);
    data.set(frame, 0);
    data.set(frame, frame.length);
    const b = FrameBatch.packed(data, Uint32Array.from([0, frame.length]), Uint32Array.from([frame.length, frame.length]));
    const bound = new BoundBatch(backend, b, 'linux:layer3+4');
    expect(code(() => bound.run(1, 2))).toBe('ERR_LAGHASH_OUT_OF_RANGE');
    expect(code(() => bound.run(-1, 1))).toBe('ERR_LAGHASH_OUT_OF_RANGE');
    expect(code(() => bound.run(0.5, 1))).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
    expect(bound.run(0, 2)[0]).toBe(bound.out[1]);
    structuredClone(data.buffer, { transfer: [data.buffer] });  // detaches data
    expect(code(() => bound.run(0, 1))).toBe('ERR_LAGHASH_BUFFER_STATE');
    for (const detach of ['lengths', 'offsets', 'out'] as const) {
      const b2 = FrameBatch.fromBuffers([frame]);
      const bound2 = new BoundBatch(backend, b2, 'linux:layer2');
      const arr = detach === 'out' ? bound2.out : b2[detach]!;
      structuredClone(arr.buffer, { transfer: [arr.buffer] });
      expect(code(() => bound2.run(0, 1))).toBe('ERR_LAGHASH_BUFFER_STATE');
    }
  });
});

describe('dissect arguments', () => {
  it('rejects non-frames and unsupported link types, never throws on malformed frames', () => {
    expect(code(() => dissect('x' as unknown as Uint8Array))).toBe('ERR_LAGHASH_INVALID_ARGUMENT');
    expect(code(() => dissect(frame, 7))).toBe('ERR_LAGHASH_UNSUPPORTED_LINK_TYPE');
    expect(dissect(new Uint8Array(0)).status).toBe('truncated');
    expect(dissect(frame.subarray(0, 20)).status).toBe('truncated');
    expect(dissect(new Uint8Array([0x75, 0, 0, 0]), 101).status).toBe('malformed');
  });
});
