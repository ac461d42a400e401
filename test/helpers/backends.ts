/**
 * The backends a test runs against. Both when the addon loads; on a machine
 * without a native build the native half is skipped, saying so, except in CI
 * (CI=true), where a missing addon is a failure.
 */
import type { Backend, BackendName } from '../../lib/backend.js';
import { getBackend, nativeLoadError } from '../../lib/native.js';

export const nativeAvailable = nativeLoadError === null;

if (!nativeAvailable && process.env.CI === 'true')
  throw new Error(`CI requires the native addon, which did not load: ${nativeLoadError?.message}`);

if (!nativeAvailable) console.warn(`laghash tests: native backend skipped (addon not loaded: ${nativeLoadError?.message})`);

export const BACKEND_NAMES: BackendName[] = nativeAvailable ? ['native', 'js'] : ['js'];

export function backends(): [BackendName, Backend][] {
  return BACKEND_NAMES.map((n) => [n, getBackend(n)]);
}
