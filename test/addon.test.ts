/**
 * Which addon file the native backend runs on. LAGHASH_ADDON (lib/native.ts)
 * loads another build of the addon than the package's own: `npm run test:asan`
 * runs the whole suite on a sanitized one, and this file is the suite's proof
 * that it did: under LAGHASH_ADDON the native backend is that very file, mapped
 * into this process next to the ASan runtime, and it computes. Without it, the
 * package's own build.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FrameBatch } from '../lib/batch.js';
import { hashBatchWith } from '../lib/hash.js';
import { getBackend, nativeAddonFile, nativeBackend, nativeLoadError } from '../lib/native.js';
import { policy } from '../lib/policy.js';
import { nativeAvailable } from './helpers/backends.js';

const override = process.env.LAGHASH_ADDON ? resolve(process.env.LAGHASH_ADDON) : null;

describe('the addon file', () => {
  it.runIf(override)(`is LAGHASH_ADDON's (${override}), mapped into this process with the ASan runtime, and computes`, () => {
    expect(nativeLoadError).toBeNull();
    expect(nativeAddonFile).toBe(override);
    expect(nativeBackend?.name).toBe('native');
    if (process.platform === 'linux') {
      const maps = readFileSync('/proc/self/maps', 'utf8');
      expect(maps).toContain(override!);
      // the sanitized build needs its runtime preloaded (test:asan does)
      if (override!.includes('build-asan')) expect(maps).toMatch(/libasan\.so|libclang_rt\.asan/);
    }
    const frames = FrameBatch.fromBuffers([new Uint8Array(64).fill(7), new Uint8Array(3)]);
    const p = policy('linux:layer3+4');
    expect(Array.from(hashBatchWith(getBackend('native'), frames, p))).toEqual(Array.from(hashBatchWith(getBackend('js'), frames, p)));
  });

  it.runIf(!override && nativeAvailable)('is the package\'s own build without LAGHASH_ADDON', () => {
    expect(nativeAddonFile).toBe(resolve(fileURLToPath(new URL('../build/Release/laghash.node', import.meta.url))));
    expect(nativeBackend?.name).toBe('native');
  });
  // a LAGHASH_ADDON that does not load, relative paths, empty values: test/native-load.test.ts
});
