/**
 * The only file that loads the native addon. It keeps the load error, says
 * which backend is active, and honours LAGHASH_BACKEND:
 *   LAGHASH_BACKEND=js      use the TypeScript twin even when the addon loads
 *   LAGHASH_BACKEND=native  require the addon (BackendUnavailableError otherwise)
 *   unset                   the addon when it loads, else the twin
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Backend, BackendName } from './backend.js';
import { BackendUnavailableError, InvalidArgumentError } from './errors.js';
import { jsBackend } from './js/index.js';

const require = createRequire(import.meta.url);
const packageRoot = fileURLToPath(new URL('..', import.meta.url));

function loadNative(): { backend: Backend | null; error: Error | null } {
  try {
    const load = require('node-gyp-build') as (dir: string) => unknown;
    const addon = load(packageRoot) as Omit<Backend, 'name'> & { constants: Record<string, number> };
    const backend: Backend = {
      name: 'native',
      hash: addon.hash,
      select: addon.select,
      learn: addon.learn,
      touch: addon.touch,
      selectHashes: addon.selectHashes,
      summarize: addon.summarize,
      tally: addon.tally,
      accumulate: addon.accumulate,
      placeTable: addon.placeTable,
      dissect: addon.dissect,
      murmur3: addon.murmur3,
      bind: addon.bind,
    };
    nativeConstants = addon.constants;
    return { backend, error: null };
  } catch (e) {
    return { backend: null, error: e instanceof Error ? e : new Error(String(e)) };
  }
}

let nativeConstants: Record<string, number> | null = null;
const loaded = loadNative();

/** The native backend, or null when the addon could not be loaded. */
export const nativeBackend: Backend | null = loaded.backend;

/** Why the addon could not be loaded (null when it loaded). */
export const nativeLoadError: Error | null = loaded.error;

/** The constants the addon was compiled with (for the layout cross-check). */
export function addonConstants(): Record<string, number> | null {
  return nativeConstants;
}

function chooseBackend(): Backend {
  const want = process.env.LAGHASH_BACKEND;
  if (want === undefined || want === '') return nativeBackend ?? jsBackend;
  if (want === 'js') return jsBackend;
  if (want === 'native') {
    if (nativeBackend) return nativeBackend;
    throw new BackendUnavailableError(
      `LAGHASH_BACKEND=native but the native addon could not be loaded: ${nativeLoadError?.message ?? 'unknown error'}`,
    );
  }
  throw new BackendUnavailableError(`Expected LAGHASH_BACKEND to be "js" or "native", got ${JSON.stringify(want)}`);
}

/** The backend laghash uses. */
export const activeBackend: Backend = chooseBackend();

/** A backend by name (for differential tests and benchmarks). */
export function getBackend(name: BackendName): Backend {
  if (name === 'js') return jsBackend;
  if (name === 'native') {
    if (nativeBackend) return nativeBackend;
    throw new BackendUnavailableError(`The native addon could not be loaded: ${nativeLoadError?.message ?? 'unknown error'}`);
  }
  throw new InvalidArgumentError(`Expected a backend name "native" or "js", got ${JSON.stringify(name)}`);
}
