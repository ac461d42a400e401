/**
 * Which addon file the native backend runs on. LAGHASH_ADDON (lib/native.ts)
 * loads another build of the addon than the package's own: `npm run test:asan`
 * runs the whole suite on a sanitized one, and this file is the suite's proof
 * that it did: under LAGHASH_ADDON the native backend is that very file, mapped
 * into this process next to the ASan runtime, and it computes. Without it, the
 * package's own build. A LAGHASH_ADDON that does not load is a load error like
 * any other (the TypeScript backend, or a failure under LAGHASH_BACKEND=native).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FrameBatch } from '../lib/batch.js';
import { hashBatchWith } from '../lib/hash.js';
import { getBackend, nativeAddonPath, nativeBackend, nativeLoadError } from '../lib/native.js';
import { policy } from '../lib/policy.js';
import { nativeAvailable } from './helpers/backends.js';

const override = process.env.LAGHASH_ADDON ? resolve(process.env.LAGHASH_ADDON) : null;
const INDEX = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const built = existsSync(INDEX);

describe('the addon file', () => {
  it.runIf(override)(`is LAGHASH_ADDON's (${override}), mapped into this process with the ASan runtime, and computes`, () => {
    expect(nativeLoadError).toBeNull();
    expect(nativeAddonPath).toBe(override);
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
    expect(nativeAddonPath).toBeNull();
    expect(nativeBackend?.name).toBe('native');
  });

  it.skipIf(!built)('named by LAGHASH_ADDON but missing is a load error: the TypeScript backend, or a failure on use under LAGHASH_BACKEND=native', () => {
    const missing = resolve('/nonexistent/laghash.node');
    const script = `import(${JSON.stringify(INDEX)}).then((m) => {
      console.log(JSON.stringify({ backend: m.backend, error: m.backendError?.message ?? null }));
      try { m.hashBatch(m.FrameBatch.fromBuffers([new Uint8Array(20)]), 'linux:layer2'); console.log('hashed'); }
      catch (e) { console.log(e.code); }
    })`;
    const run = (env: Record<string, string>) => {
      const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, LAGHASH_BACKEND: '', ...env } });
      expect(r.status, r.stderr).toBe(0);
      const [head, last] = r.stdout.trim().split('\n');
      return { ...(JSON.parse(head) as { backend: string; error: string | null }), last };
    };
    const fallback = run({ LAGHASH_ADDON: missing });
    expect(fallback.backend).toBe('js');
    expect(fallback.error).toContain(missing);
    expect(fallback.last).toBe('hashed');
    const required = run({ LAGHASH_ADDON: missing, LAGHASH_BACKEND: 'native' });
    expect(required.error).toContain(missing);
    expect(required.last).toBe('ERR_LAGHASH_BACKEND_UNAVAILABLE');
  });
});
