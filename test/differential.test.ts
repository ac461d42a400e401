/**
 * The differential property test: the native addon and the TypeScript twin
 * must agree bit for bit, for every policy and selector, on every frame: good,
 * truncated, mutated or garbage, of every supported link type (every frame
 * of every shared capture: test/differential-captures.test.ts, a file of its
 * own so the two run on two workers). Also the walk records (dissect) and the
 * analysis summaries must agree.
 *
 * LAGHASH_DIFF_FRAMES sets the number of random frames (default 100,000);
 * a disagreement prints the frame as hex and both outputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../lib/backend.js';
import { FrameBatch } from '../lib/batch.js';
import { getBackend } from '../lib/native.js';
import { anyFrame, type LinkedFrame } from './helpers/arbitrary.js';
import { nativeAvailable } from './helpers/backends.js';
import { firstDisagreement } from './helpers/differential.js';

function batchOf(frames: LinkedFrame[]): FrameBatch {
  const b = FrameBatch.fromBuffers(frames.map((f) => f.bytes), { linkType: Uint16Array.from(frames, (f) => f.link) });
  return b;
}

const TOTAL = Number(process.env.LAGHASH_DIFF_FRAMES ?? 100_000);
const PER_RUN = 500;

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
});
