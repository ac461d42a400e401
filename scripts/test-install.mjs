#!/usr/bin/env node
// `npm run test:install`: the package installed as users install it (npm pack,
// then npm install of the tarball in a new project), in the three cases:
//   source     no prebuild, a compiler: built from source, native backend
//   prebuild   a prebuild, no compiler: the prebuild loads, native backend
//   none       no prebuild, no compiler: installs with one warning line, the
//              TypeScript backend; LAGHASH_BACKEND=native is a clear error
// Each case also runs `laghash analyze` and checks its figures against this
// repository's. "No compiler" is a PATH holding only node, npm and a shell.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'laghash-install-'));
let failures = 0;

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  if (r.error) throw r.error;
  return r;
}

function check(what, ok, detail = '') {
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${what}${ok || !detail ? '' : `\n     ${detail.trim().split('\n').join('\n     ')}`}\n`);
  if (!ok) failures++;
}

/** A PATH with node, npm, npx and a shell only: no compiler, no make, no python. */
function noCompilerPath() {
  const bin = join(work, 'nocc-bin');
  mkdirSync(bin, { recursive: true });
  const which = (name) => execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  for (const name of ['node', 'npm', 'npx', 'sh', 'env']) symlinkSync(which(name), join(bin, name));
  return bin;
}

function pack(withPrebuild) {
  const prebuilds = join(repo, 'prebuilds'), aside = join(work, 'prebuilds-aside');
  if (!withPrebuild && existsSync(prebuilds)) renameSync(prebuilds, aside);
  try {
    const out = run('npm', ['pack', '--json', '--pack-destination', work, '--ignore-scripts'], { cwd: repo });
    if (out.status !== 0) throw new Error(out.stderr);
    const name = JSON.parse(out.stdout)[0].filename;
    const dest = join(work, withPrebuild ? `with-prebuild-${name}` : `source-only-${name}`);
    renameSync(join(work, name), dest);
    return dest;
  } finally {
    if (existsSync(aside)) renameSync(aside, prebuilds);
  }
}

// --foreground-scripts: npm shows an install script's output only then (or when it fails)
function install(name, tarball, env) {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `try-${name}`, private: true, type: 'module' }));
  const r = run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts', tarball], { cwd: dir, env });
  return { dir, r };
}

function probe(dir, env) {
  const script = "import('laghash').then((m) => console.log(JSON.stringify({ backend: m.backend, error: m.backendError?.message ?? null })))";
  const r = run(process.execPath, ['-e', script], { cwd: dir, env });
  return r.status === 0 ? JSON.parse(r.stdout) : { backend: null, error: r.stderr };
}

function analyze(dir, env) {
  return run(join(dir, 'node_modules', '.bin', 'laghash'), ['analyze', '--json', '--policies', 'linux:layer3+4,dpdk:l34'], { cwd: dir, env });
}

try {
  // the figures every case must reproduce, from this checkout
  const expected = JSON.parse(run(process.execPath, [join(repo, 'dist', 'cli.js'), 'analyze', '--json', '--policies', 'linux:layer3+4,dpdk:l34']).stdout);
  const same = (r) => {
    if (r.status !== 0) return false;
    const got = JSON.parse(r.stdout);
    return JSON.stringify(got.results) === JSON.stringify(expected.results) && JSON.stringify(got.traffic) === JSON.stringify(expected.traffic);
  };

  const prebuild = run('npm', ['run', 'prebuild'], { cwd: repo });
  check('npm run prebuild writes prebuilds/', prebuild.status === 0 && existsSync(join(repo, 'prebuilds')), prebuild.stderr);
  const withPrebuild = pack(true), sourceOnly = pack(false);
  const cleanEnv = { ...process.env, LAGHASH_BACKEND: '', npm_config_loglevel: 'error' };
  const noCc = { ...cleanEnv, PATH: noCompilerPath(), CC: '/nonexistent/cc', CXX: '/nonexistent/c++' };
  check('the no-compiler PATH has no compiler', run('sh', ['-c', 'command -v g++ || command -v cc || command -v make'], { env: noCc }).status !== 0);

  // 1. from source
  {
    const { dir, r } = install('source', sourceOnly, cleanEnv);
    check('source: npm install succeeds', r.status === 0, r.stderr);
    check('source: the addon was built', existsSync(join(dir, 'node_modules/laghash/build/Release/laghash.node')));
    const p = probe(dir, cleanEnv);
    check('source: native backend', p.backend === 'native', JSON.stringify(p));
    check('source: laghash analyze gives this checkout\'s figures', same(analyze(dir, cleanEnv)));
  }
  // 2. prebuild, no compiler
  {
    const { dir, r } = install('prebuild', withPrebuild, noCc);
    check('prebuild: npm install succeeds without a compiler', r.status === 0, r.stderr);
    check('prebuild: nothing was built', !existsSync(join(dir, 'node_modules/laghash/build/Release')));
    const arch = `${process.platform}-${process.arch}`;
    check('prebuild: the prebuild is installed', readdirSync(join(dir, 'node_modules/laghash/prebuilds', arch)).some((f) => f.endsWith('.node')));
    const p = probe(dir, noCc);
    check('prebuild: native backend', p.backend === 'native', JSON.stringify(p));
    check('prebuild: laghash analyze gives this checkout\'s figures', same(analyze(dir, noCc)));
  }
  // 3. neither
  {
    const { dir, r } = install('none', sourceOnly, noCc);
    check('none: npm install succeeds', r.status === 0, r.stderr);
    const warning = r.stderr.split('\n').filter((l) => l.startsWith('laghash: warning:'));
    check('none: one warning line says the TypeScript backend will be used', warning.length === 1 && /TypeScript backend/.test(warning[0]), r.stderr);
    const p = probe(dir, noCc);
    check('none: TypeScript backend, with the load error kept', p.backend === 'js' && typeof p.error === 'string' && p.error.length > 0, JSON.stringify(p));
    const a = analyze(dir, noCc);
    check('none: laghash analyze gives this checkout\'s figures', same(a));
    check('none: laghash analyze notes the TypeScript backend on stderr, in one line', /^laghash: note: .*TypeScript backend/.test(a.stderr) && a.stderr.trim().split('\n').length === 1, a.stderr);
    const forced = analyze(dir, { ...noCc, LAGHASH_BACKEND: 'native' });
    check('none: LAGHASH_BACKEND=native is a one-line error', forced.status !== 0 && /LAGHASH_BACKEND=native/.test(forced.stderr) && forced.stderr.trim().split('\n').length === 1, forced.stderr);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
  // prebuildify took build/Release's addon into prebuilds/: leave the checkout as it was
  rmSync(join(repo, 'prebuilds'), { recursive: true, force: true });
  const rebuild = run('npm', ['run', 'build:native'], { cwd: repo });
  check('the checkout\'s own build is restored', rebuild.status === 0 && existsSync(join(repo, 'build/Release/laghash.node')), rebuild.stderr);
}
process.stdout.write(failures ? `${failures} check(s) failed\n` : 'all install cases pass\n');
process.exit(failures ? 1 : 0);
