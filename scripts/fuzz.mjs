#!/usr/bin/env node
// `npm run fuzz -- [--seconds N] [--coverage]`: fuzz the native engine with
// libFuzzer under AddressSanitizer and UndefinedBehaviorSanitizer, without
// Node (the harness is native/fuzz/fuzz_walk.cc; see its header for what it
// runs and checks).
//
//  1. Builds build-fuzz/fuzz_walk with clang++ (-fsanitize=fuzzer,address,undefined
//     -fno-sanitize-recover=all) when a source is newer than it.
//  2. Writes the seed corpus into build-fuzz/seeds (scripts/fuzz-corpus.mjs:
//     frames of the shared captures when ../shared is there, else of data/*.pcap
//     and test/fixtures; plus test/fixtures/fuzz-regressions/*.hex).
//  3. Runs libFuzzer for N seconds (default 60) on one core, the inputs it finds
//     kept in build-fuzz/corpus (it grows from run to run; build-fuzz/ is
//     apart from build/, which node-gyp rebuild empties).
//  4. On a crash, a sanitizer report, a failed harness check, a leak or a
//     timeout: exits 1, the reproducer kept in build-fuzz/crashes/ and printed
//     as hex (and written as a .hex file ready for test/fixtures/fuzz-regressions/).
//     Otherwise prints the figures: executions, executions per second, edges
//     (cov) and features (ft), and writes them to build-fuzz/last-run.json.
//
// --coverage then builds the harness with clang's source coverage
// (-fprofile-instr-generate -fcoverage-mapping, build-fuzz/fuzz_walk_cov),
// replays the seeds and the corpus through it, and reports the line coverage of
// native/*.h with llvm-profdata and llvm-cov (also in last-run.json).
// --seconds 0 with --coverage only measures the corpus as it is.
//
// Needs clang with its runtimes (Debian: apt-get install clang libclang-rt-14-dev;
// llvm for --coverage) and dist/ (npm run build:ts) for the seed corpus.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildSeedCorpus } from './fuzz-corpus.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const out = join(repo, 'build-fuzz');
const harness = join(repo, 'native/fuzz/fuzz_walk.cc');
const dict = join(repo, 'native/fuzz/fuzz_walk.dict');
const MAX_LEN = 4096;

const { values } = parseArgs({ options: { seconds: { type: 'string' }, coverage: { type: 'boolean' }, verbose: { type: 'boolean' } } });
const seconds = Number(values.seconds ?? 60);
if (!Number.isInteger(seconds) || seconds < 0 || (seconds === 0 && !values.coverage)) {
  console.error(`fuzz: expected --seconds to be a positive integer (0 only with --coverage), got ${JSON.stringify(values.seconds)}`);
  process.exit(2);
}

function findTool(names, hint) {
  for (const n of names) if (spawnSync('sh', ['-c', `command -v ${n}`]).status === 0) return n;
  console.error(`fuzz: none of ${names.join(', ')} on the PATH (${hint})`);
  process.exit(2);
}

/** Compile the harness into bin with flags, unless bin is newer than every source and was built with them. */
function build(bin, flags) {
  const cxx = findTool([process.env.FUZZ_CXX ?? 'clang++', 'clang++-14'], 'Debian: apt-get install clang libclang-rt-14-dev');
  const args = ['-g', '-std=c++17', '-Wall', '-Wextra', ...flags, harness, '-o', bin];
  const stamp = `${bin}.flags`;
  const sources = [harness, ...readdirSync(join(repo, 'native')).filter((f) => f.endsWith('.h')).map((f) => join(repo, 'native', f))];
  const fresh = existsSync(bin) && existsSync(stamp) && readFileSync(stamp, 'utf8') === args.join(' ') &&
    sources.every((s) => statSync(s).mtimeMs < statSync(bin).mtimeMs);
  if (fresh) return;
  console.log(`fuzz: ${cxx} ${args.map((a) => a.replace(repo, '')).join(' ')}`);
  const t = Date.now();
  const r = spawnSync('nice', [cxx, ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(2);
  writeFileSync(stamp, args.join(' '));
  console.log(`fuzz: built ${bin.replace(repo, '')} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}

const hex = (b) => b.toString('hex').replace(/(.{64})/g, '$1\n').trim();

/** Run libFuzzer; resolves to { code, lines } (the interesting lines are echoed as they come). */
function runFuzzer(bin, args) {
  return new Promise((resolve) => {
    const env = { ...process.env, UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1', ASAN_OPTIONS: process.env.ASAN_OPTIONS ?? 'detect_leaks=1' };
    const child = spawn(bin, args, { env, stdio: ['ignore', 'inherit', 'pipe'] });
    const lines = [];
    let rest = '', failing = false;
    child.stderr.on('data', (chunk) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop();
      for (const l of parts) {
        lines.push(l);
        // libFuzzer logs every new input; keep the pulse, start and end lines, and all of a failure
        failing ||= /^==\d+==|ERROR|runtime error|check failed|deadly signal|Test unit written|SUMMARY/.test(l);
        if (values.verbose || failing || /INITED|DONE|pulse|^INFO: (Seed|Loaded)|^stat::/.test(l)) console.log(l);
      }
    });
    child.on('close', (code, signal) => {
      if (rest) lines.push(rest);
      resolve({ code: code ?? (signal ? 128 : 1), lines });
    });
  });
}

/** The last "cov: N ft: M corp: X" figures libFuzzer printed. */
function lastCoverage(lines) {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /cov: (\d+) ft: (\d+) corp: (\d+)\//.exec(lines[i]);
    if (m) return { edges: Number(m[1]), features: Number(m[2]), corpus: Number(m[3]) };
  }
  return { edges: null, features: null, corpus: null };
}

const stat = (lines, name) => {
  const l = lines.find((x) => x.startsWith(`stat::${name}:`));
  return l ? Number(l.split(':').pop()) : null;
};

/** Line coverage of native/*.h by the seeds and the corpus. */
function coverage(dirs) {
  const bin = join(out, 'fuzz_walk_cov');
  build(bin, ['-O1', '-fsanitize=fuzzer', '-fprofile-instr-generate', '-fcoverage-mapping']);
  const profdata = findTool(['llvm-profdata', 'llvm-profdata-14'], 'Debian: apt-get install llvm');
  const cov = findTool(['llvm-cov', 'llvm-cov-14'], 'Debian: apt-get install llvm');
  const raw = join(out, 'cov.profraw'), merged = join(out, 'cov.profdata');
  rmSync(raw, { force: true });
  // -runs=0: execute every input of the corpus directories once, nothing more
  const r = spawnSync(bin, ['-runs=0', `-max_len=${MAX_LEN}`, ...dirs], { env: { ...process.env, LLVM_PROFILE_FILE: raw }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`coverage replay failed:\n${r.stderr.slice(-2000)}`);
  const m = spawnSync(profdata, ['merge', '-sparse', raw, '-o', merged], { encoding: 'utf8' });
  if (m.status !== 0) throw new Error(`llvm-profdata: ${m.stderr}`);
  const headers = readdirSync(join(repo, 'native')).filter((f) => f.endsWith('.h')).sort().map((f) => join(repo, 'native', f));
  const rep = spawnSync(cov, ['report', bin, `-instr-profile=${merged}`, ...headers], { encoding: 'utf8' });
  if (rep.status !== 0) throw new Error(`llvm-cov: ${rep.stderr}`);
  console.log(rep.stdout.replaceAll(join(repo, 'native/'), ''));
  // columns: Filename Regions Missed Cover Functions Missed Executed Lines Missed Cover Branches Missed Cover
  const files = {};
  let total = null;
  for (const line of rep.stdout.split('\n')) {
    const c = line.trim().split(/\s+/);
    if (c.length < 10) continue;
    const entry = { lines: Number(c[7]), missed: Number(c[8]), percent: Number.parseFloat(c[9]) };
    if (c[0] === 'TOTAL') total = entry;
    else if (c[0].endsWith('.h')) files[basename(c[0])] = entry;
  }
  return { total, files };
}

mkdirSync(join(out, 'corpus'), { recursive: true });
mkdirSync(join(out, 'crashes'), { recursive: true });
const started = Date.now();
build(join(out, 'fuzz_walk'), ['-O1', '-fsanitize=fuzzer,address,undefined', '-fno-sanitize-recover=all']);
const seeds = await buildSeedCorpus(join(out, 'seeds'));
console.log(`fuzz: ${seeds.files} seeds from ${seeds.frames} frames of the ${seeds.source} captures`);
const dirs = [join(out, 'corpus'), join(out, 'seeds')];

const report = { date: new Date().toISOString(), seconds, seeds: seeds.files, seedSource: seeds.source };
if (seconds > 0) {
  const before = new Set(readdirSync(join(out, 'crashes')));
  const args = [
    `-max_total_time=${seconds}`, `-max_len=${MAX_LEN}`, '-timeout=10', '-rss_limit_mb=2048', '-print_final_stats=1',
    `-dict=${dict}`, `-artifact_prefix=${join(out, 'crashes')}/`, ...dirs,
  ];
  console.log(`fuzz: libFuzzer for ${seconds} s (corpus build-fuzz/corpus, seeds build-fuzz/seeds)`);
  const r = await runFuzzer(join(out, 'fuzz_walk'), args);
  const found = readdirSync(join(out, 'crashes')).filter((f) => !before.has(f) && !f.endsWith('.hex'));
  if (r.code !== 0 || found.length) {
    console.error(`\nfuzz: FAILED (libFuzzer exit ${r.code})`);
    for (const f of found) {
      const file = join(out, 'crashes', f), bytes = readFileSync(file);
      writeFileSync(`${file}.hex`, `# ${f}: a fuzz_walk input (configuration bytes, then the frame)\n${hex(bytes)}\n`);
      console.error(`fuzz: reproducer ${file.replace(repo, '')} (${bytes.length} bytes), as hex in ${f}.hex:\n${hex(bytes)}`);
      console.error(`fuzz: reproduce with build-fuzz/fuzz_walk ${file.replace(repo, '')}; when fixed, copy the .hex to test/fixtures/fuzz-regressions/`);
    }
    if (!found.length) console.error(r.lines.slice(-40).join('\n'));
    process.exit(1);
  }
  Object.assign(report, {
    executions: stat(r.lines, 'number_of_executed_units'),
    execPerSecond: stat(r.lines, 'average_exec_per_sec'),
    newUnits: stat(r.lines, 'new_units_added'),
    peakRssMb: stat(r.lines, 'peak_rss_mb'),
    ...lastCoverage(r.lines),
  });
}
if (values.coverage) report.lineCoverage = coverage(dirs);
report.wallSeconds = Math.round((Date.now() - started) / 100) / 10;
writeFileSync(join(out, 'last-run.json'), `${JSON.stringify(report, null, 2)}\n`);
const lc = report.lineCoverage?.total;
console.log(`fuzz: OK: ${report.executions ?? 0} executions (${report.execPerSecond ?? 0}/s), cov ${report.edges ?? '-'} edges, ` +
  `ft ${report.features ?? '-'}, corpus ${report.corpus ?? '-'}${lc ? `, native/*.h lines ${lc.percent}%` : ''}, no crash; ` +
  `${report.wallSeconds} s in all (build-fuzz/last-run.json)`);
