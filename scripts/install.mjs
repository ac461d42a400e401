#!/usr/bin/env node
// The npm install hook. In order:
//   1. a prebuilt addon for this platform (prebuilds/, from `npm run prebuild`),
//      or one already built, that loads: done;
//   2. else build from source with node-gyp (npm supplies it, and the Node
//      headers, offline): done when the result loads;
//   3. else carry on without: one line of warning, exit 0. laghash then runs on
//      its TypeScript backend (the same results, slower); `backend` and
//      `backendError` in the package say so and why.
// LAGHASH_BUILD_FROM_SOURCE=1 skips step 1.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

/** null when the addon loads, else why not. */
function loadError() {
  try {
    const load = require('node-gyp-build');
    load(root);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message.split('\n')[0] : String(e);
  }
}

if (!process.env.LAGHASH_BUILD_FROM_SOURCE && loadError() === null) process.exit(0);

const build = spawnSync(process.platform === 'win32' ? 'node-gyp.cmd' : 'node-gyp', ['rebuild'], {
  cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 26,
});
if (build.status === 0 && loadError() === null) process.exit(0);

// keep what node-gyp said, for troubleshooting (docs/api.md)
const log = join(root, 'build', 'laghash-install.log');
let where = '';
try {
  mkdirSync(join(root, 'build'), { recursive: true });
  writeFileSync(log, `${build.error ?? ''}\n${build.stdout ?? ''}\n${build.stderr ?? ''}`);
  where = `; details in ${log}`;
} catch {
  // read-only install: no log
}
const reason = build.error ? `node-gyp could not run (${build.error.code ?? build.error.message})`
  : build.status !== 0 ? `the native build failed (node-gyp exit ${build.status})` : `the built addon does not load (${loadError()})`;
process.stderr.write(`laghash: warning: no prebuilt addon for ${process.platform}-${process.arch} and ${reason}; using the TypeScript backend (same results, slower)${where}\n`);
process.exit(0);
