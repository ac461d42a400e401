// The addon built with AddressSanitizer and UndefinedBehaviorSanitizer, beside
// the normal build: node-gyp in build-asan/ (binding.gyp copied there, native/
// linked), with CXXFLAGS="-O1 -g -fno-omit-frame-pointer
// -fsanitize=address,undefined -fno-sanitize-recover=all" and the same LDFLAGS
// sanitizers; build/ and the normal addon are not touched. The compiler is the
// one node-gyp uses (g++), or $CXX. Used by npm run test:asan and test:leak.
//
// Must run under npm (npm run ...): npm supplies node-gyp and the Node headers
// (npm_config_nodedir), as for the normal build.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const dir = join(repo, 'build-asan');
const SANITIZE = '-fsanitize=address,undefined -fno-sanitize-recover=all';
const CXXFLAGS = `-O1 -g -fno-omit-frame-pointer ${SANITIZE}`;
const LDFLAGS = SANITIZE;

/** The environment a Node process needs to load the sanitized addon: the runtime preloaded, the addon named. */
export function asanEnv(build, { leaks = false } = {}) {
  return {
    ...process.env,
    LD_PRELOAD: build.preload,
    LAGHASH_ADDON: build.addon,
    // Node and V8 are not instrumented: their allocations at exit are not ours (leaks: test:leak)
    ASAN_OPTIONS: `detect_leaks=${leaks ? 1 : 0}:halt_on_error=1:abort_on_error=1:detect_odr_violation=0`,
    UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1',
  };
}

/**
 * Build (or bring up to date) build-asan/build/Release/laghash.node and check
 * it is instrumented. Returns { addon, preload, dir, seconds }; exits 2 with a
 * message when it cannot.
 */
export function buildAsanAddon(log = (m) => console.log(m)) {
  const fail = (msg) => {
    console.error(`asan: ${msg}`);
    process.exit(2);
  };
  const run = (args, env) => {
    const r = spawnSync('nice', args, { cwd: dir, env, stdio: ['ignore', 'ignore', 'inherit'] });
    return r.status === 0;
  };
  const cxx = process.env.CXX ?? 'g++';
  // the runtime to preload: gcc's libasan, or clang's when CXX is clang++
  const candidates = ['libasan.so', 'libclang_rt.asan-x86_64.so']
    .map((f) => spawnSync(cxx, [`-print-file-name=${f}`], { encoding: 'utf8' }).stdout?.trim() ?? '');
  const preload = candidates.find((p) => p.startsWith('/') && existsSync(p));
  if (!preload) fail(`${cxx} has no ASan runtime (Debian: apt-get install g++; or clang libclang-rt-14-dev with CXX=clang++)`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(repo, 'binding.gyp'), join(dir, 'binding.gyp'));
  if (!existsSync(join(dir, 'native'))) symlinkSync('../native', join(dir, 'native'));
  const stamp = join(dir, 'flags');
  const flags = `${cxx} ${CXXFLAGS} / ${LDFLAGS} / ${readFileSync(join(repo, 'binding.gyp'), 'utf8')}`;
  const env = { ...process.env, CXX: cxx, CXXFLAGS, LDFLAGS };
  const t = Date.now();
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== flags || !existsSync(join(dir, 'build/Makefile'))) {
    rmSync(join(dir, 'build'), { recursive: true, force: true });
    if (!run(['node-gyp', 'configure'], env)) fail('node-gyp configure failed (run it from npm: npm run test:asan)');
    writeFileSync(stamp, flags);
  }
  if (!run(['node-gyp', 'build'], env)) fail('node-gyp build failed');
  const addon = join(dir, 'build/Release/laghash.node');
  const symbols = spawnSync('nm', ['-D', '--undefined-only', addon], { encoding: 'utf8' }).stdout ?? '';
  if (!/__asan_report_load/.test(symbols) || !/__ubsan_handle/.test(symbols)) fail(`${addon} is not instrumented (no __asan_/__ubsan_ imports)`);
  const seconds = (Date.now() - t) / 1000;
  log(`asan: ${addon.replace(repo, '')} (${cxx} ${CXXFLAGS}) ready in ${seconds.toFixed(1)} s; runtime ${preload}`);
  return { addon, preload, dir, seconds };
}
