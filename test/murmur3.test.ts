/**
 * MurmurHash3_x86_32, the mixing hash of laghash's field policies, against
 * the widely published test vectors of the reference implementation.
 */
import { describe, expect, it } from 'vitest';
import { backends } from './helpers/backends.js';

const enc = (s: string) => new TextEncoder().encode(s);

// [input, seed, expected]
const VECTORS: [Uint8Array, number, number][] = [
  [new Uint8Array(0), 0, 0x00000000],
  [new Uint8Array(0), 1, 0x514e28b7],
  [new Uint8Array(0), 0xffffffff, 0x81f16f39],
  [new Uint8Array([0, 0, 0, 0]), 0, 0x2362f9de],
  [new Uint8Array([0xff, 0xff, 0xff, 0xff]), 0, 0x76293b50],
  [new Uint8Array([0x21, 0x43, 0x65, 0x87]), 0, 0xf55b516b],
  [new Uint8Array([0x21, 0x43, 0x65, 0x87]), 0x5082edee, 0x2362f9de],
  [new Uint8Array([0x21, 0x43, 0x65]), 0, 0x7e4a8634],
  [new Uint8Array([0x21, 0x43]), 0, 0xa0f7b07a],
  [new Uint8Array([0x21]), 0, 0x72661cf4],
  [enc('aaaa'), 0x9747b28c, 0x5a97808a],
  [enc('aaa'), 0x9747b28c, 0x283e0130],
  [enc('aa'), 0x9747b28c, 0x5d211726],
  [enc('a'), 0x9747b28c, 0x7fa09ea6],
  [enc('abcd'), 0x9747b28c, 0xf0478627],
  [enc('abc'), 0x9747b28c, 0xc84a62dd],
  [enc('ab'), 0x9747b28c, 0x74875592],
  [enc('Hello, world!'), 0x9747b28c, 0x24884cba],
  [enc('The quick brown fox jumps over the lazy dog'), 0x9747b28c, 0x2fa826cd],
];

describe.each(backends())('murmur3 (%s)', (_name, backend) => {
  it.each(VECTORS.map((v, i) => [i, ...v] as const))('vector %i', (_i, input, seed, expected) => {
    expect(backend.murmur3(input, seed) >>> 0).toBe(expected);
  });
});
