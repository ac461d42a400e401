/**
 * The differential test on real traffic: the native addon and the TypeScript
 * twin agree bit for bit, for every policy and selector, on every frame of
 * every shared capture (the walk records and the analysis summaries too).
 * Skips, saying so, where ../shared/captures is absent.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Backend } from '../lib/backend.js';
import { FrameBatch } from '../lib/batch.js';
import { getBackend } from '../lib/native.js';
import { nativeAvailable } from './helpers/backends.js';
import { firstDisagreement } from './helpers/differential.js';
import { CAPTURES as SHARED, haveCaptures as haveShared } from './helpers/shared.js';

describe.skipIf(!nativeAvailable)(nativeAvailable ? 'native and TypeScript backends agree' : 'native and TypeScript backends agree (skipped: native addon not loaded)', () => {
  const nat = nativeAvailable ? getBackend('native') : (null as unknown as Backend);
  const js = getBackend('js');

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
