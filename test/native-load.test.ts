/**
 * Which addon file is loaded. LAGHASH_ADDON names one (a cmake-js or a
 * sanitizer build) and nothing else is tried; without it, node-gyp-build's
 * choice. The evidence is the process's own memory map (Linux), not laghash's
 * word: the suite run with LAGHASH_ADDON (CI does, with the cmake-js build)
 * checks here that this file, and no other laghash addon, is mapped.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeAddonFile } from '../lib/native.js';
import { nativeAvailable } from './helpers/backends.js';

const linux = existsSync('/proc/self/maps');
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const built = existsSync(DIST);

const require = createRequire(import.meta.url);
const REPO = fileURLToPath(new URL('..', import.meta.url));

/** The addon node-gyp-build picks for this repository (build/Release, then prebuilds/). */
function foundAddon(): string {
  return (require('node-gyp-build') as { resolve(dir: string): string }).resolve(REPO);
}

/** The laghash addons (laghash*.node, and the tests' copy.node) in a /proc/<pid>/maps text. */
function mappedAddons(maps: string): string[] {
  const files = new Set<string>();
  for (const line of maps.split('\n')) {
    const m = /\s(\/\S*\/((laghash[^/\s]*)|copy)\.node)$/.exec(line);
    if (m) files.add(m[1]);
  }
  return [...files].sort();
}

describe.skipIf(!linux || !nativeAvailable)(
  linux && nativeAvailable ? 'the addon this suite runs on' : 'the addon this suite runs on (skipped: no addon or no /proc)',
  () => {
    it('is LAGHASH_ADDON when set, else what node-gyp-build finds, and the only laghash addon mapped', () => {
      const wanted = process.env.LAGHASH_ADDON;
      if (wanted) expect(nativeAddonFile).toBe(resolve(wanted));
      else expect(nativeAddonFile).toBe(foundAddon());
      expect(mappedAddons(readFileSync('/proc/self/maps', 'utf8'))).toEqual([realpathSync(nativeAddonFile!)]);
    });
  },
);

describe.skipIf(!linux || !nativeAvailable || !built)(
  linux && nativeAvailable && built ? 'LAGHASH_ADDON' : 'LAGHASH_ADDON (skipped: needs the addon, dist/ and /proc)',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'laghash-addon-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    /** Import laghash in a new process with LAGHASH_ADDON = addon; what it says and what it mapped. */
    function child(addon: string | undefined, extraEnv: Record<string, string> = {}) {
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.LAGHASH_BACKEND;
      delete env.LAGHASH_ADDON;
      if (addon !== undefined) env.LAGHASH_ADDON = addon;
      Object.assign(env, extraEnv);
      const script = `
        import { readFileSync } from 'node:fs';
        const l = await import(${JSON.stringify(pathToFileURL(DIST).href)});
        let code = null;
        try { l.hashBatch(l.FrameBatch.fromBuffers([new Uint8Array(64)]), 'linux:layer2'); } catch (e) { code = e.code; }
        console.log(JSON.stringify({ backend: l.backend, error: l.backendError?.message ?? null, code, maps: readFileSync('/proc/self/maps', 'utf8') }));`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, env, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { backend: string; error: string | null; code: string | null; maps: string };
      return { ...out, mapped: mappedAddons(out.maps) };
    }

    it('loads the file it names, absolute or relative to the current directory, and no other', () => {
      const copy = join(dir, 'copy.node');
      copyFileSync(nativeAddonFile!, copy);
      for (const name of [copy, 'copy.node']) {
        const r = child(name);
        expect([name, r.backend, r.error, r.mapped]).toEqual([name, 'native', null, [realpathSync(copy)]]);
      }
    });

    it('is the load error when the file does not load: no fallback to another addon', () => {
      const missing = join(dir, 'missing.node');
      const r = child(missing);
      expect([r.backend, r.mapped]).toEqual(['js', []]);
      expect(r.error).toContain(missing);
      const strict = child(missing, { LAGHASH_BACKEND: 'native' });
      expect([strict.backend, strict.code, strict.mapped]).toEqual(['native', 'ERR_LAGHASH_BACKEND_UNAVAILABLE', []]);
      expect(strict.error).toContain(missing);
    });

    it('empty means unset: what node-gyp-build finds', () => {
      const r = child('');
      expect([r.backend, r.error, r.mapped]).toEqual(['native', null, [realpathSync(foundAddon())]]);
    });
  },
);
