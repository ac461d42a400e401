/**
 * The differential property test: the native addon and the TypeScript twin
 * must agree bit for bit, for every policy and selector, on every frame: good,
 * truncated, mutated or garbage, of every supported link type, and on every
 * frame of every shared capture. Also the walk records (dissect) and the
 * analysis summaries must agree.
 *
 * LAGHASH_DIFF_FRAMES sets the number of random frames (default 100,000);
 * a disagreement prints the frame as hex and both outputs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../lib/backend.js';
import { FrameBatch } from '../lib/batch.js';
import { hashBatchWith, selectBatchWith } from '../lib/hash.js';
import { getBackend } from '../lib/native.js';
import type { Policy } from '../lib/policy.js';
import { SUM_WORDS, W_SLOTS } from '../lib/spec.js';
import { anyFrame, type LinkedFrame } from './helpers/arbitrary.js';
import { DIFF_POLICIES } from './helpers/policies.js';
import { nativeAvailable } from './helpers/backends.js';
import { toHex } from './helpers/frames.js';
import { CAPTURES, haveCaptures } from './helpers/shared.js';



const PORTS = [1, 3, 4, 7, 4096];

function batchOf(frames: LinkedFrame[]): FrameBatch {
  const b = FrameBatch.fromBuffers(frames.map((f) => f.bytes), { linkType: Uint16Array.from(frames, (f) => f.link) });
  return b;
}

/** Compare both backends on a batch; returns a description of the first disagreement, or null. */
export function firstDisagreement(nat: Backend, js: Backend, batch: FrameBatch, policies: Policy[] = DIFF_POLICIES): string | null {
  for (const p of policies) {
    const a = hashBatchWith(nat, batch, p), b = hashBatchWith(js, batch, p);
    for (let i = 0; i < batch.count; i++)
      if (a[i] !== b[i]) return `${p.name}: frame ${i} (link ${batch.linkTypeOf(i)}) ${toHex(batch.frame(i))}: native 0x${a[i].toString(16)}, js 0x${b[i].toString(16)}`;
    for (const ports of PORTS) {
      const x = selectBatchWith(nat, batch, p, { ports }), y = selectBatchWith(js, batch, p, { ports });
      for (let i = 0; i < batch.count; i++)
        if (x[i] !== y[i]) return `${p.name} % ${ports}: frame ${i} ${toHex(batch.frame(i))}: native ${x[i]}, js ${y[i]}`;
    }
  }
  const sa = new Uint32Array(batch.count * SUM_WORDS), sb = new Uint32Array(batch.count * SUM_WORDS);
  nat.summarize(batch.data, batch.offsets, batch.stride, batch.lengths, batch.linkType, batch.linkTypes, 0, batch.count, sa);
  js.summarize(batch.data, batch.offsets, batch.stride, batch.lengths, batch.linkType, batch.linkTypes, 0, batch.count, sb);
  for (let i = 0; i < sa.length; i++) {
    const f = Math.floor(i / SUM_WORDS);
    if (sa[i] !== sb[i]) return `summary word ${i % SUM_WORDS}: frame ${f} ${toHex(batch.frame(f))}: native ${sa[i]}, js ${sb[i]}`;
  }
  const ra = new Int32Array(W_SLOTS), rb = new Int32Array(W_SLOTS);
  for (let i = 0; i < batch.count; i++) {
    const f = batch.frame(i), link = batch.linkTypeOf(i);
    nat.dissect(f, 0, f.length, link, ra);
    js.dissect(f, 0, f.length, link, rb);
    for (let k = 0; k < W_SLOTS; k++)
      if (ra[k] !== rb[k]) return `walk record slot ${k}: frame ${i} (link ${link}) ${toHex(f)}: native ${ra[k]}, js ${rb[k]}`;
    if (ra[2] > f.length) return `walk end ${ra[2]} past the frame (${f.length} bytes): ${toHex(f)}`;
  }
  return null;
}

const TOTAL = Number(process.env.LAGHASH_DIFF_FRAMES ?? 100_000);
const PER_RUN = 500;
const SHARED = CAPTURES;
const haveShared = haveCaptures;

describe.skipIf(!nativeAvailable)(nativeAvailable ? 'native and TypeScript backends agree' : 'native and TypeScript backends agree (skipped: native addon not loaded)', () => {
  const nat = nativeAvailable ? getBackend('native') : (null as unknown as Backend);
  const js = getBackend('js');

  it(`on ${TOTAL} random, truncated, mutated and garbage frames`, () => {
    let checked = 0;
    fc.assert(
      fc.property(fc.array(anyFrame, { minLength: PER_RUN, maxLength: PER_RUN }), (frames) => {
        checked += frames.length;
        const d = firstDisagreement(nat, js, batchOf(frames));
        if (d) throw new Error(d);
      }),
      { numRuns: Math.ceil(TOTAL / PER_RUN), endOnFailure: true },
    );
    expect(checked).toBeGreaterThanOrEqual(TOTAL);
  }, 600_000 + TOTAL * 2);  // ~0.3 ms a frame: a 10M soak runs for about an hour

  describe.skipIf(!haveShared)(haveShared ? 'on every frame of every shared capture' : 'on every frame of every shared capture (skipped: ../shared/captures absent)', () => {
    const files = haveShared ? readdirSync(SHARED).filter((f) => /\.pcap(ng)?$/.test(f)).sort() : [];
    it(`${files.length} captures`, () => {
      let frames = 0;
      for (const f of files) {
        const batch = FrameBatch.fromCapture(readFileSync(new URL(f, SHARED)));
        frames += batch.count;
        const d = firstDisagreement(nat, js, batch);
        if (d) throw new Error(`${f}: ${d}`);
      }
      expect(frames).toBeGreaterThan(100_000);
    }, 600_000);
  });
});
