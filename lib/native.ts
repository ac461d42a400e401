/**
 * The only file that loads the native addon. It keeps the load error, says
 * which backend is active, and honours LAGHASH_BACKEND:
 *   LAGHASH_BACKEND=js      use the TypeScript twin even when the addon loads
 *   LAGHASH_BACKEND=native  require the addon (BackendUnavailableError otherwise)
 *   unset                   the addon when it loads, else the twin
 * and LAGHASH_ADDON=/path/to/laghash.node: load that file instead of the addon
 * node-gyp-build finds (build/Release, then prebuilds/), e.g. a cmake-js or a
 * sanitizer build. A relative path is taken from the current directory. When
 * that file does not load, that is the load error: no other addon is tried.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend, BackendName } from './backend.js';
import { BackendUnavailableError, InvalidArgumentError } from './errors.js';
import { jsBackend } from './js/index.js';

const require = createRequire(import.meta.url);
const packageRoot = fileURLToPath(new URL('..', import.meta.url));

type Addon = Omit<Backend, 'name'> & { constants: Record<string, number> };

/** The addon file: LAGHASH_ADDON, else what node-gyp-build would load (throws when there is none). */
function addonFile(): string {
  const override = process.env.LAGHASH_ADDON;
  if (override !== undefined && override !== '') return resolve(override);
  const load = require('node-gyp-build') as { resolve(dir: string): string };
  return load.resolve(packageRoot);
}

function loadNative(): { backend: Backend | null; error: Error | null; file: string | null } {
  let file: string | null = null;
  try {
    file = addonFile();
    // what require() does for a .node file, for any file name
    const module = { exports: {} as Addon };
    process.dlopen(module, file);
    const addon = module.exports;
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
      pcapRecords: addon.pcapRecords,
      murmur3: addon.murmur3,
      bind: addon.bind,
    };
    nativeConstants = addon.constants;
    return { backend, error: null, file };
  } catch (e) {
    return { backend: null, error: e instanceof Error ? e : new Error(String(e)), file };
  }
}

let nativeConstants: Record<string, number> | null = null;
const loaded = loadNative();

/** The native backend, or null when the addon could not be loaded. */
export const nativeBackend: Backend | null = loaded.backend;

/** Why the addon could not be loaded (null when it loaded). */
export const nativeLoadError: Error | null = loaded.error;

/** The addon file loaded, or that failed to load (null when none was found). */
export const nativeAddonFile: string | null = loaded.file;

/** The constants the addon was compiled with (for the layout cross-check). */
export function addonConstants(): Record<string, number> | null {
  return nativeConstants;
}

/**
 * A backend every call of which throws `error`: what LAGHASH_BACKEND asks for
 * when it cannot be had. Importing laghash still works (and says why through
 * backendError); the first hash, select or analysis throws.
 */
function unavailable(name: BackendName, error: BackendUnavailableError): Backend {
  const fail = (): never => {
    throw error;
  };
  return {
    name, hash: fail, select: fail, learn: fail, touch: fail, selectHashes: fail, summarize: fail, tally: fail, accumulate: fail,
    placeTable: fail, dissect: fail, pcapRecords: fail, murmur3: fail, bind: fail,
  };
}

function chooseBackend(): { backend: Backend; error: BackendUnavailableError | null } {
  const want = process.env.LAGHASH_BACKEND;
  if (want === undefined || want === '') return { backend: nativeBackend ?? jsBackend, error: null };
  if (want === 'js') return { backend: jsBackend, error: null };
  if (want === 'native') {
    if (nativeBackend) return { backend: nativeBackend, error: null };
    const e = new BackendUnavailableError(
      `LAGHASH_BACKEND=native but the native addon could not be loaded: ${nativeLoadError?.message.split('\n')[0] ?? 'unknown error'}`,
    );
    return { backend: unavailable('native', e), error: e };
  }
  const e = new BackendUnavailableError(`Expected LAGHASH_BACKEND to be "js" or "native", got ${JSON.stringify(want)}`);
  return { backend: unavailable('native', e), error: e };
}

const chosen = chooseBackend();

/** The backend laghash uses (one that throws on use when LAGHASH_BACKEND asks for what cannot be had). */
export const activeBackend: Backend = chosen.backend;

/** Why the backend LAGHASH_BACKEND asks for cannot be used, or null. */
export const backendChoiceError: BackendUnavailableError | null = chosen.error;

/** A backend by name (for differential tests and benchmarks). */
export function getBackend(name: BackendName): Backend {
  if (name === 'js') return jsBackend;
  if (name === 'native') {
    if (nativeBackend) return nativeBackend;
    throw new BackendUnavailableError(`The native addon could not be loaded: ${nativeLoadError?.message ?? 'unknown error'}`);
  }
  throw new InvalidArgumentError(`Expected a backend name "native" or "js", got ${JSON.stringify(name)}`);
}
