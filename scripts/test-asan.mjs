#!/usr/bin/env node
// `npm run test:asan [-- vitest arguments]`: the whole test suite on an addon
// built with AddressSanitizer and UndefinedBehaviorSanitizer.
//
//  1. Builds build-asan/build/Release/laghash.node (scripts/asan-addon.mjs: the
//     same binding.gyp, plus -O1 -g -fsanitize=address,undefined
//     -fno-sanitize-recover=all; the normal build is not touched) and checks
//     that it is instrumented.
//  2. Runs vitest with the ASan runtime preloaded (LD_PRELOAD: Node is not
//     built with ASan, and the runtime must come first), LAGHASH_ADDON pointing
//     lib/native.ts at the sanitized addon, ASAN_OPTIONS with halt_on_error and
//     detect_leaks=0 (Node and V8 are not instrumented; leaks: npm run
//     test:leak), UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1. Inside the
//     suite, test/addon.test.ts checks that the addon loaded is that file,
//     mapped next to the ASan runtime. Child processes the tests start (the
//     CLI, analysis workers) inherit all of it.
//     Tests get 60 s instead of 5 (Node starts about 4 times slower under
//     ASan); Chromium (the report test) runs through a wrapper without the
//     preload, which it does not survive.
//  3. Prints the suite's wall time; exits with vitest's status.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asanEnv, buildAsanAddon } from './asan-addon.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(join(repo, 'dist/index.js'))) {
  console.error('test:asan: dist/ is not built (the CLI tests run it): npm run build:ts');
  process.exit(2);
}
const build = buildAsanAddon();
const env = asanEnv(build);

const chromium = [process.env.LAGHASH_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => p && existsSync(p));
if (chromium) {
  const wrapper = join(build.dir, 'chromium');
  writeFileSync(wrapper, `#!/bin/sh\n# Chromium without the ASan runtime that npm run test:asan preloads into Node\nunset LD_PRELOAD\nexec '${chromium}' "$@"\n`, { mode: 0o755 });
  env.LAGHASH_CHROMIUM = wrapper;
}

const args = ['--testTimeout=60000', '--hookTimeout=60000', ...process.argv.slice(2)];
console.log(`test:asan: LD_PRELOAD=${build.preload} LAGHASH_ADDON=${build.addon.replace(repo, '')} vitest run ${args.join(' ')}`);
const t = Date.now();
const r = spawnSync('npx', ['--no-install', 'vitest', 'run', ...args], { cwd: repo, env, stdio: 'inherit' });
const status = r.status ?? 1;
console.log(`test:asan: the suite on the sanitized addon ${status === 0 ? 'passed' : `FAILED (exit ${status})`} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
process.exit(status);
