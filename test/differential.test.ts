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
import { getBackend } from '../lib/native.js';
import { anyFrame, type LinkedFrame } from './helpers/arbitrary.js';
import { nativeAvailable } from './helpers/backends.js';
import { firstDisagreement } from './helpers/differential.js';
import { CAPTURES, haveCaptures } from './helpers/shared.js';

function batchOf(frames: LinkedFrame[]): FrameBatch {
  const b = FrameBatch.fromBuffers(frames.map((f) => f.bytes), { linkType: Uint16Array.from(frames, (f) => f.link) });
  return b;
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
